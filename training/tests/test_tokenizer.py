import json
import os
import subprocess
import tempfile
import unittest

from training.bpe import Tokenizer, pretokenize, train_bpe

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRICKY = [
    "def f(x):\r\n\tif x:\n\t\treturn {'a': [1, 2]}  # done\n",
    "const s = `héllo ${name}`; // naïve café 😀👍🏽 世界 東京 Ωμέγα",
    "  leading spaces\u00a0nbsp\u3000ideographic space\u2028line sep \x0b\x0c end  ",
    "numbers 1234567 ٣٤٥ ⅷ 0x1F; <|endoftext|>after the separator<|endoftext|>",
    "", " ", "\n\n\n", "a" * 300, "\U0001F600" * 5 + "\ud7ff\ue000\uffff",
]


class TokenizerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        corpus = [t * 3 for t in TRICKY] + ["the quick brown fox jumps over the lazy dog " * 20,
                                            "for (let i = 0; i < n; i++) { total += i; }\n" * 20]
        cls.tok = Tokenizer(train_bpe(corpus, 400))

    def test_pretokenization_covers_every_character(self):
        for t in TRICKY:
            self.assertEqual("".join(pretokenize(t)), t)

    def test_round_trip_is_exact(self):
        for t in TRICKY:
            self.assertEqual(self.tok.decode(self.tok.encode(t)), t)

    def test_separator_is_one_token(self):
        ids = self.tok.encode("a<|endoftext|>b")
        self.assertIn(self.tok.eot_id, ids)
        self.assertEqual(self.tok.eot_id, self.tok.vocab_size - 1)

    def test_javascript_tokenizer_gives_the_same_ids(self):
        with tempfile.TemporaryDirectory() as tmp:
            folder = os.path.join(tmp, "tok")
            os.makedirs(folder)
            self.tok.save(folder, 128)
            out = subprocess.run(["node", os.path.join(REPO, "training", "js_tokenize.mjs"), folder],
                                 input=json.dumps(TRICKY), capture_output=True, text=True,
                                 check=True, cwd=REPO)
            for text, js in zip(TRICKY, json.loads(out.stdout)):
                self.assertEqual(js["ids"], self.tok.encode(text), repr(text))
                self.assertEqual(js["decoded"], text)
                # The exported tokenizer starts every text with <|endoftext|>, as training does.
                self.assertEqual(js["withSpecial"], [self.tok.eot_id] + self.tok.encode(text), repr(text))


if __name__ == "__main__":
    unittest.main()

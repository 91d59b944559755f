import json
import os
import tempfile
import types
import unittest

import numpy as np

from training.kneser_ney import KneserNey
from training.markov_export import build_levels, encode, export_markov, probabilities

V = 19


def corpus(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, size=n) % (1 + rng.integers(1, V, size=n))


class MarkovExportTest(unittest.TestCase):
    def test_unpruned_equals_the_cards_kneser_ney(self):
        tokens = corpus()
        levels = build_levels(tokens, V, 3, (1, 1, 1, 1))
        ids = corpus(60, seed=5)
        p = probabilities(levels, V, ids)  # [K, T]
        for k in (1, 2, 3):
            kn = KneserNey(tokens, k + 1, V)  # its order counts the predicted token too
            want = kn.prob(np.stack([ids[i - k:i] for i in range(k, len(ids))]), ids[k:])
            np.testing.assert_allclose(p[k - 1, k:], want, rtol=1e-12)

    def test_pruned_distributions_sum_to_one(self):
        levels = build_levels(corpus(), V, 3, (1, 2, 4, 6))
        for ctx in ([], [0], [1, 0], [0, 0, 1], [2, 1, 0], [18, 18, 18], list(corpus(3, seed=9))):
            ids = np.array([ctx + [w] for w in range(V)])  # [V, len + 1]
            sums = sum(probabilities(levels, V, row)[:, len(ctx)] for row in ids)  # [K]
            np.testing.assert_allclose(sums, 1.0, atol=1e-12, err_msg=str(ctx))

    def test_pruning_keeps_counts_at_or_over_the_threshold_and_says_what_it_dropped(self):
        tokens = corpus()
        levels = build_levels(tokens, V, 3, (1, 2, 4, 6))
        header, _ = encode(levels, V, {})
        for lv, h in zip(levels, header["levels"]):
            self.assertTrue(np.all(lv["raw"][lv["keep"]] >= h["minCount"]))
            self.assertTrue(np.all(lv["raw"][~lv["keep"]] < h["minCount"]))
            self.assertEqual(h["entries"] + h["prunedEntries"], h["seenEntries"])
            self.assertEqual(int(lv["raw"].sum()), len(tokens) - h["contextLength"])
        self.assertGreater(header["levels"][3]["prunedEntries"], 0)

    def test_deterministic_and_thresholds_checked(self):
        a = encode(build_levels(corpus(), V, 3, (1, 2, 4, 6)), V, {})
        b = encode(build_levels(corpus(), V, 3, (1, 2, 4, 6)), V, {})
        self.assertEqual(a[1], b[1])
        self.assertEqual(json.dumps(a[0]), json.dumps(b[0]))
        for bad in ((1, 3, 2, 4), (2, 2, 2, 2), (1, 2)):
            with self.assertRaises(ValueError):
                build_levels(corpus(), V, 3, bad)

    def test_stage_refuses_files_over_the_budget(self):
        with tempfile.TemporaryDirectory() as d:
            np.save(os.path.join(d, "train_tokens.npy"), corpus().astype(np.uint16))
            cfg = types.SimpleNamespace(out_dir=os.path.join(d, "model"), markov_order=3,
                                        markov_min_counts=(1, 1, 1, 1), markov_max_bytes=1000)
            run = types.SimpleNamespace(cfg=cfg, path=lambda n: os.path.join(d, n), log=lambda m: None,
                                        tokenizer=lambda: types.SimpleNamespace(vocab_size=V, eot_id=V - 1))
            with self.assertRaises(SystemExit) as e:
                export_markov(run)
            self.assertIn("over the 1000 allowed", str(e.exception))
            self.assertFalse(os.path.exists(os.path.join(cfg.out_dir, "markov", "markov.bin")))


if __name__ == "__main__":
    unittest.main()

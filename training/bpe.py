"""Byte-level BPE: training on word counts, encoding, decoding, and the tokenizer.json writer.

Text is split into pre-tokens by PRETOKENIZE (our own pattern, written so that JavaScript's
`u`-flag RegExp and Python's `regex` module split identically), each pre-token's UTF-8 bytes
are mapped to printable characters by the byte→unicode table, and merges are applied by rank.
"""
import heapq
import json
from collections import Counter

import regex

EOT = "<|endoftext|>"
WS = r"\t\n\x0b\x0c\r "
# Words with one optional leading space; digit groups of up to three; punctuation runs with one
# optional leading space; whitespace that ends in a newline; whitespace runs that leave their
# last space to the next word; any other whitespace. Every character falls in one alternative.
PRETOKENIZE = (
    r" ?\p{L}+| ?\p{N}{1,3}| ?[^" + WS + r"\p{L}\p{N}]+"
    r"|[" + WS + r"]*\n|[" + WS + r"]+(?![^" + WS + r"])|[" + WS + r"]+"
)
_PRE = regex.compile(PRETOKENIZE)
_SPECIAL = regex.compile(regex.escape(EOT))


def bytes_to_unicode():
    """Byte → printable character: printable Latin-1 bytes map to themselves, the rest to 256+."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


BYTE2CHAR = bytes_to_unicode()
CHAR2BYTE = {c: b for b, c in BYTE2CHAR.items()}


def pretokenize(text):
    return _PRE.findall(text)


def to_symbols(piece):
    return "".join(BYTE2CHAR[b] for b in piece.encode("utf-8"))


def train_bpe(texts, vocab_size):
    """Merges learned from pre-token counts; returns the merge list [(a, b), ...] in rank order.

    Pair counts are kept incrementally with an index pair → words, and the best pair comes off a
    lazy max-heap (ties broken by the pair itself so training is deterministic).
    """
    counts = Counter()
    for t in texts:
        counts.update(pretokenize(t))
    words = [list(to_symbols(w)) for w in sorted(counts)]
    freqs = [counts[w] for w in sorted(counts)]
    pair_count, where = Counter(), {}
    for i, (syms, f) in enumerate(zip(words, freqs)):
        for p in zip(syms, syms[1:]):
            pair_count[p] += f
            where.setdefault(p, set()).add(i)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    n_merges = vocab_size - 256 - 1
    merges = []
    while len(merges) < n_merges and heap:
        negc, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -negc or -negc <= 0:
            continue  # stale heap entry
        merges.append(pair)
        a, b = pair
        new = a + b
        touched = {}
        for i in sorted(where.pop(pair, ())):
            syms, f = words[i], freqs[i]
            for p in zip(syms, syms[1:]):
                pair_count[p] -= f
                touched[p] = True
            out, j = [], 0
            while j < len(syms):
                if j + 1 < len(syms) and syms[j] == a and syms[j + 1] == b:
                    out.append(new)
                    j += 2
                else:
                    out.append(syms[j])
                    j += 1
            words[i] = out
            for p in zip(out, out[1:]):
                pair_count[p] += f
                touched[p] = True
                where.setdefault(p, set()).add(i)
        pair_count.pop(pair, None)
        for p in touched:
            c = pair_count.get(p, 0)
            if c > 0 and p != pair:
                heapq.heappush(heap, (-c, p))
    return merges


class Tokenizer:
    """Encoder/decoder over a vocabulary of 256 byte symbols, the merges, and EOT last."""

    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        symbols = [BYTE2CHAR[b] for b in range(256)] + [a + b for a, b in self.merges]
        self.vocab = {s: i for i, s in enumerate(symbols)}
        self.eot_id = len(symbols)
        self.vocab[EOT] = self.eot_id
        self.id_to_symbol = symbols + [EOT]
        self.cache = {}

    @property
    def vocab_size(self):
        return len(self.id_to_symbol)

    def bpe(self, piece):
        ids = self.cache.get(piece)
        if ids is not None:
            return ids
        syms = list(to_symbols(piece))
        while len(syms) > 1:
            best = min(range(len(syms) - 1),
                       key=lambda j: self.ranks.get((syms[j], syms[j + 1]), 1 << 30))
            pair = (syms[best], syms[best + 1])
            if pair not in self.ranks:
                break
            out, j = [], 0
            while j < len(syms):  # merge every occurrence, left to right
                if j + 1 < len(syms) and syms[j] == pair[0] and syms[j + 1] == pair[1]:
                    out.append(pair[0] + pair[1])
                    j += 2
                else:
                    out.append(syms[j])
                    j += 1
            syms = out
        ids = [self.vocab[s] for s in syms]
        self.cache[piece] = ids
        return ids

    def encode(self, text):
        ids, pos = [], 0
        for m in _SPECIAL.finditer(text):
            for piece in pretokenize(text[pos:m.start()]):
                ids += self.bpe(piece)
            ids.append(self.eot_id)
            pos = m.end()
        for piece in pretokenize(text[pos:]):
            ids += self.bpe(piece)
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            s = self.id_to_symbol[i]
            out += s.encode("utf-8") if s == EOT else bytes(CHAR2BYTE[c] for c in s)
        return out.decode("utf-8", errors="replace")

    def token_bytes(self, i):
        s = self.id_to_symbol[i]
        return s.encode("utf-8") if s == EOT else bytes(CHAR2BYTE[c] for c in s)

    def save(self, folder, model_max_length):
        """tokenizer.json + tokenizer_config.json in the layout transformers.js loads."""
        added = {"id": self.eot_id, "content": EOT, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": False, "special": True}
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                      "use_regex": False}
        tok = {
            "version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [added],
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": PRETOKENIZE}, "behavior": "Isolated",
                 "invert": False},
                byte_level]},
            # Every text starts with <|endoftext|>, as every training window does: the model's
            # first-token sink and its first predictions are learnt after it.
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": EOT, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": EOT, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 0}}],
                "special_tokens": {EOT: {"id": EOT, "ids": [self.eot_id], "tokens": [EOT]}}},
            "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": "", "end_of_word_suffix": "",
                      "fuse_unk": False, "byte_fallback": False,
                      "vocab": self.vocab, "merges": [a + " " + b for a, b in self.merges]},
        }
        with open(f"{folder}/tokenizer.json", "w", encoding="utf-8") as f:
            json.dump(tok, f, ensure_ascii=False)
        conf = {"tokenizer_class": "GPT2Tokenizer", "bos_token": EOT, "eos_token": EOT,
                "unk_token": EOT, "add_bos_token": True, "add_prefix_space": False,
                "clean_up_tokenization_spaces": False, "model_max_length": model_max_length}
        with open(f"{folder}/tokenizer_config.json", "w", encoding="utf-8") as f:
            json.dump(conf, f, indent=2)

    @staticmethod
    def load(folder):
        with open(f"{folder}/tokenizer.json", encoding="utf-8") as f:
            tok = json.load(f)
        return Tokenizer([tuple(m.split(" ")) for m in tok["model"]["merges"]])

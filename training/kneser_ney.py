"""Token-level Markov model of order K with interpolated Kneser–Ney smoothing (numpy, exact).

An n-gram (t1..tn) is one integer key: ((t1·V + t2)·V + ...)·V + tn, so its context is key // V
and its suffix of length m is key % V^m. The highest order uses raw counts; lower orders use
continuation counts N1+(• h w); order 1 is interpolated with the uniform distribution, so every
token has a probability and each conditional distribution sums to 1.
"""
import numpy as np


def ngram_keys(tokens, n, V):
    """Keys of all n-grams of a 1-D int array, [len - n + 1]."""
    keys = np.zeros(len(tokens) - n + 1, dtype=np.int64)
    for j in range(n):
        keys = keys * V + tokens[j:len(tokens) - n + 1 + j].astype(np.int64)
    return keys


class Level:
    """Counts of one order: sorted n-gram keys with counts, and per-context totals and types."""

    def __init__(self, keys, counts, V):
        self.keys, self.counts = keys, counts.astype(np.float64)
        ctx = keys // V
        self.ctx, start = np.unique(ctx, return_index=True)  # keys are sorted, so ctx is too
        self.ctx_total = np.add.reduceat(self.counts, start)
        self.ctx_types = np.diff(np.append(start, len(keys))).astype(np.float64)
        n1 = np.sum(self.counts == 1)
        n2 = np.sum(self.counts == 2)
        self.D = n1 / (n1 + 2.0 * n2) if n1 + n2 > 0 else 0.5

    @staticmethod
    def lookup(sorted_keys, values, query):
        i = np.searchsorted(sorted_keys, query)
        i = np.minimum(i, len(sorted_keys) - 1)
        hit = sorted_keys[i] == query
        return np.where(hit, values[i], 0.0)


class KneserNey:
    def __init__(self, tokens, order, vocab_size):
        V = self.V = vocab_size
        self.order = order
        tokens = np.asarray(tokens, dtype=np.int64)
        self.levels = []
        for n in range(1, order + 1):
            if n == order:
                keys, counts = np.unique(ngram_keys(tokens, n, V), return_counts=True)
            else:  # continuation counts: distinct left extensions of each n-gram
                longer = np.unique(ngram_keys(tokens, n + 1, V))
                keys, counts = np.unique(longer % (V ** n), return_counts=True)
            self.levels.append(Level(keys, counts, V))

    def prob(self, contexts, targets):
        """P(target | context) for arrays contexts [N, order-1] (oldest first) and targets [N]."""
        V = self.V
        targets = np.asarray(targets, dtype=np.int64)
        contexts = np.asarray(contexts, dtype=np.int64).reshape(len(targets), self.order - 1)
        u = self.levels[0]
        c = Level.lookup(u.keys, u.counts, targets)
        total, types = u.counts.sum(), float(len(u.keys))
        p = np.maximum(c - u.D, 0.0) / total + u.D * types / total / V
        ctx = np.zeros(len(targets), dtype=np.int64)
        for n in range(2, self.order + 1):
            lv = self.levels[n - 1]
            # context of length n-1: the last n-1 tokens of `contexts`
            ctx = ctx + contexts[:, self.order - n] * (V ** (n - 2))
            full = ctx * V + targets
            c = Level.lookup(lv.keys, lv.counts, full)
            total = Level.lookup(lv.ctx, lv.ctx_total, ctx)
            types = Level.lookup(lv.ctx, lv.ctx_types, ctx)
            seen = total > 0
            safe = np.where(seen, total, 1.0)
            p = np.where(seen, np.maximum(c - lv.D, 0.0) / safe + lv.D * types / safe * p, p)
        return p

    def stream_bits(self, seq, pad):
        """Total bits of seq[1:] given what precedes each token (left-padded with `pad`)."""
        seq = np.asarray(seq, dtype=np.int64)
        k = self.order - 1
        padded = np.concatenate([np.full(k, pad, dtype=np.int64), seq])
        n = len(seq) - 1
        ctx = np.stack([padded[1 + j:1 + j + n] for j in range(k)], axis=1) if k else np.zeros((n, 0))
        return float(-np.log2(self.prob(ctx, seq[1:])).sum())

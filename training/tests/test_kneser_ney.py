import unittest

import numpy as np

from training.kneser_ney import KneserNey


class KneserNeyTest(unittest.TestCase):
    def test_each_conditional_distribution_sums_to_one(self):
        rng = np.random.default_rng(0)
        V = 23
        tokens = rng.integers(0, V, size=3000) % (1 + rng.integers(1, V, size=3000))
        for order in (1, 2, 3, 4):
            kn = KneserNey(tokens, order, V)
            contexts = [tokens[i:i + order - 1] for i in (0, 100, 2000)]  # seen contexts
            contexts.append(np.array([V - 1] * (order - 1)))  # likely unseen: backs off
            for ctx in contexts:
                p = kn.prob(np.tile(ctx, (V, 1)), np.arange(V))
                self.assertTrue(np.all(p > 0))
                self.assertAlmostEqual(float(p.sum()), 1.0, places=10)

    def test_higher_order_fits_a_deterministic_cycle(self):
        tokens = np.tile(np.arange(7), 200)
        bits = [KneserNey(tokens, k, 7).stream_bits(tokens[:50], 0) for k in (1, 3)]
        self.assertLess(bits[1], bits[0] / 10)


if __name__ == "__main__":
    unittest.main()

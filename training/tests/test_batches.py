import dataclasses
import unittest

import numpy as np

from training.config import smoke_config
from training.train import batch_at, lr_at

EOT = 383
TOKENS = (np.arange(50_000) * 7919) % EOT  # [N] never EOT


def second_phase(**kw):
    shares = {"pairs_share": 0.0, "skip_share": 0.0, **kw}
    return dataclasses.replace(smoke_config(), steps=80, second_from=40, second_lr=5e-3, **shares)


class SecondPhaseTest(unittest.TestCase):
    def test_first_phase_is_the_run_without_a_second(self):
        before = dataclasses.replace(smoke_config(), steps=80, second_from=0)
        after = second_phase(pairs_share=0.5, skip_share=0.3)
        for step in (0, 10, 29, 39):
            for a, b in zip(batch_at(TOKENS, step, before, EOT), batch_at(TOKENS, step, after, EOT)):
                self.assertTrue((a is None and b is None) or bool((a == b).all()))
            self.assertEqual(lr_at(step, before), lr_at(step, after))

    def test_learning_rate_warms_up_again_then_decays_to_min_lr(self):
        cfg = second_phase()
        self.assertLess(lr_at(40, cfg), lr_at(41, cfg))
        self.assertAlmostEqual(lr_at(40 + cfg.warmup - 1, cfg), cfg.second_lr)
        self.assertAlmostEqual(lr_at(79, cfg), cfg.min_lr, delta=0.01 * cfg.second_lr)
        rates = [lr_at(s, cfg) for s in range(40 + cfg.warmup, 80)]
        self.assertTrue(all(a >= b for a, b in zip(rates, rates[1:])))

    def test_shuffled_pairs_score_each_b_after_its_a(self):
        cfg = second_phase(pairs_share=1.0)
        for step in (40, 41, 70):
            x, y, _ = batch_at(TOKENS, step, cfg, EOT)
            for seq, tgt in zip(x.numpy(), y.numpy()):  # [T] each
                span = np.nonzero(tgt == -100)[0]
                n = len(span) // 3  # pairs: the first copy's 2n rows, then the second's n a's
                self.assertEqual(len(span), 3 * n)
                first, a_rows = span[:2 * n], span[2 * n:]
                self.assertTrue((np.diff(first) == 1).all())
                self.assertTrue((np.diff(a_rows) == 2).all())
                self.assertEqual(len(set(seq[first + 1])), 2 * n)  # distinct ids
                pairs = seq[first + 1].reshape(n, 2)  # [n, 2] the first copy's (a, b)
                for i in a_rows + 1:  # predicting each b, at its a
                    row = np.nonzero(pairs[:, 0] == seq[i])[0]
                    self.assertEqual(len(row), 1)
                    self.assertEqual(pairs[row[0], 1], tgt[i])

    def test_skip_triplets_score_the_token_before_the_previous(self):
        cfg = second_phase(skip_share=1.0)
        for step in (40, 55):
            x, y, _ = batch_at(TOKENS, step, cfg, EOT)
            for seq, tgt in zip(x.numpy(), y.numpy()):
                span = np.nonzero(tgt == -100)[0]
                n = len(span) // 2 * 3  # tokens x y x …: two of three unscored
                self.assertEqual(len(span) * 3, n * 2)
                rows = np.arange(span[0], span[0] + n)  # [n] rows predicting the span's tokens
                scored = rows[2::3]
                self.assertTrue((tgt[scored] != -100).all())
                self.assertEqual(len(span) + len(scored), n)
                self.assertTrue((tgt[scored] == seq[scored - 1]).all())  # one back from the input


if __name__ == "__main__":
    unittest.main()

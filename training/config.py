"""The two pipeline configurations: `full` (the bundled model) and `smoke` (CI, minutes)."""
from dataclasses import dataclass, field, asdict
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class Config:
    name: str
    out_dir: str            # exported model folder (transformers.js layout)
    build_dir: str          # corpus, tokens, checkpoints (git-ignored)
    seed: int = 1234
    # corpus: byte caps per source kind, and the held-out share (per mille of files)
    cap_python: int = 10_000_000
    cap_ts_lib: int = 3_500_000
    cap_js: int = 8_000_000
    cap_markdown: int = 4_000_000
    cap_debian_doc: int = 1_500_000
    max_file_bytes: int = 150_000
    max_files_per_source: int = 10**9
    holdout_permille: int = 25
    eval_bytes: int = 400_000     # held-out bytes used for bpb (a fixed prefix of the held-out set)
    # tokenizer
    vocab_size: int = 4096
    bpe_sample_bytes: int = 6_000_000
    # model
    n_layer: int = 4
    n_head: int = 4              # head size 48: the same work in fewer, larger GEMMs, a third less softmax and attention output per analysis
    n_embd: int = 192
    n_positions: int = 512
    pos_init: str = "sinusoidal"  # position embeddings at init: "sinusoidal" or "normal" (GPT-2's random init)
    pos_std: float = 0.02        # the sinusoid's element std at init ("normal" keeps GPT-2's 0.01)
    pos_max_freq: float = 1.0    # the sinusoids' highest frequency, radians a position (pi: period 2, what tells neighbours apart)
    pos_base: float = 10000.0    # highest over lowest frequency
    # optimisation
    batch_size: int = 8
    seq_len: int = 512
    short_seq_len: int = 256     # windows of the first short_steps (twice as many per step)
    short_steps: int = 4000      # short windows: more repeats per step, cheaper attention
    short_offset_share: float = 0.5  # short windows placed at a random later position (trains every position embedding early)
    steps: int = 8000            # ~32.8M tokens (~5 epochs); ~2 h on one thread of this machine
    decay_steps: int = 6000      # cosine reaches min_lr here (then the second phase, or a constant min_lr tail)
    lr: float = 3e-3
    min_lr: float = 3e-4
    warmup: int = 100
    weight_decay: float = 0.1
    pos_weight_decay: float = 0.0  # on the position embeddings: decay erased the sinusoids of positions the short phase never trains
    # data that grows visible heads (see training/README.md, "Recipe runs")
    repeat_share: float = 0.35   # windows that get a span written twice
    repeat_random: float = 0.5   # of those, spans of random token ids (else a span of the same window)
    repeat_small: float = 0.0    # of the random spans, those drawn from a random set of only repeat_alphabet ids
    repeat_alphabet: int = 16    # (repeated ids make a bag of recent tokens ambiguous: copying needs their order)
    repeat_min: int = 10         # span length in tokens
    repeat_max: int = 100
    # A second phase from step second_from (0: none) to steps, after the first has grown the
    # induction head: windows that reward a key holding only the previous token (an induction head
    # that reads a blurred key copies a neighbour; see training/README.md), and the learning rate
    # warmed up again to second_lr, then a cosine to min_lr at steps.
    second_from: int = 6000
    second_lr: float = 3e-3
    pairs_share: float = 0.5     # random (a, b) pairs written twice, the second time shuffled: b after a
    skip_share: float = 0.3      # random triplets (x, y, x): the third is the token before the second
    probe_every: int = 250       # log pattern scores and the repeat loss every this many steps
    checkpoint_seconds: float = 240.0
    threads: int = 1             # one thread trained as fast as two here, and a run is only repeatable at one thread count
    device: str = "cpu"          # the committed model is trained on the CPU; "cuda" only for recipe runs
    kn_order: int = 4
    # corpus-fitted Markov models shipped in <model>/markov/ (markov_export.py): orders 1..markov_order,
    # (h, w) counts below markov_min_counts[len(h)] pruned, the files at most markov_max_bytes
    markov_order: int = 4
    markov_min_counts: tuple = (1, 3, 5, 8, 12)
    markov_max_bytes: int = 7_000_000

    def as_dict(self):
        return asdict(self)


def full_config(out_dir=None):
    return Config(
        name="full",
        out_dir=out_dir or os.path.join(REPO, "model"),
        build_dir=os.path.join(REPO, "training", "build", "full"),
    )


def smoke_config(out_dir=None):
    return Config(
        name="smoke",
        out_dir=out_dir or os.path.join(REPO, "training", "build", "smoke", "model"),
        build_dir=os.path.join(REPO, "training", "build", "smoke"),
        cap_python=150_000, cap_ts_lib=100_000, cap_js=100_000, cap_markdown=80_000,
        cap_debian_doc=0, max_file_bytes=40_000, max_files_per_source=6,
        holdout_permille=200, eval_bytes=20_000,
        vocab_size=384, bpe_sample_bytes=200_000,
        n_layer=2, n_head=2, n_embd=32, n_positions=128,
        batch_size=8, seq_len=128, short_seq_len=64, short_steps=30, steps=40, decay_steps=30, lr=1e-2, min_lr=1e-3, warmup=5,
        second_from=30, second_lr=1e-2,
        checkpoint_seconds=60.0, kn_order=3, threads=1, markov_min_counts=(1, 2, 2, 3, 3),
    )


CONFIGS = {"full": full_config, "smoke": smoke_config}

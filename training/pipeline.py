"""One command from sources to an evaluated, exported model:

    python3 -m training.pipeline --config full|smoke [--out DIR] [--stage STAGE ...]

Stages run in order: corpus, tokenizer, tokens, markov, train, export, fidelity, eval, card. Each reads what
earlier stages left in the build folder, so any stage can be re-run alone (e.g. `--stage export
--stage eval --stage card` after training). Training resumes from its last checkpoint.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from . import corpus as corpus_mod
from .bpe import Tokenizer, train_bpe
from .config import CONFIGS

STAGES = ["corpus", "tokenizer", "tokens", "markov", "train", "export", "fidelity", "eval", "card"]


class Run:
    def __init__(self, cfg):
        self.cfg = cfg
        os.makedirs(cfg.build_dir, exist_ok=True)
        self.log_path = os.path.join(cfg.build_dir, "pipeline.log")

    def path(self, name):
        return os.path.join(self.cfg.build_dir, name)

    def log(self, msg):
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def docs(self):
        return corpus_mod.load_corpus(self.path("corpus.jsonl"))

    def tokenizer(self):
        return Tokenizer.load(self.path("tokenizer"))


def stage_corpus(run):
    docs = corpus_mod.build_corpus(run.cfg)
    corpus_mod.save_corpus(docs, run.path("corpus.jsonl"))
    man = corpus_mod.manifest(docs)
    with open(run.path("manifest.json"), "w", encoding="utf-8") as f:
        json.dump(man, f, indent=1)
    for name, s in man["sources"].items():
        run.log(f"corpus {name}: {s['files']} files, {s['bytes']} bytes "
                f"({s['heldout_files']} files / {s['heldout_bytes']} bytes held out)")


def stage_tokenizer(run):
    docs = [d for d in run.docs() if not d.heldout]
    docs.sort(key=lambda d: corpus_mod.path_hash("bpe:" + d.source + d.path))
    sample, total = [], 0
    for d in docs:
        if total >= run.cfg.bpe_sample_bytes:
            break
        sample.append(d.text)
        total += len(d.text)
    t = time.time()
    merges = train_bpe(sample, run.cfg.vocab_size)
    tok = Tokenizer(merges)
    os.makedirs(run.path("tokenizer"), exist_ok=True)
    tok.save(run.path("tokenizer"), run.cfg.n_positions)
    run.log(f"tokenizer: {tok.vocab_size} tokens from {total} sample chars in {time.time() - t:.0f} s")


def stage_tokens(run):
    tok = run.tokenizer()
    train, held = [], []
    for d in run.docs():
        ids = tok.encode(d.text)
        if d.heldout:
            held.append({"source": d.source, "path": d.path, "ids": ids,
                         "bytes": len(d.text.encode("utf-8"))})
        else:
            train += ids
            train.append(tok.eot_id)
    np.save(run.path("train_tokens.npy"), np.array(train, dtype=np.uint16))
    with open(run.path("heldout_tokens.json"), "w") as f:
        json.dump(held, f)
    n_bytes = sum(len(d.text.encode("utf-8")) for d in run.docs() if not d.heldout)
    run.log(f"tokens: {len(train)} training tokens ({n_bytes / len(train):.2f} bytes/token), "
            f"{sum(len(h['ids']) for h in held)} held-out tokens in {len(held)} files")


def stage_markov(run):
    from .markov_export import export_markov
    export_markov(run)


def stage_train(run):
    from .train import train
    tokens = np.load(run.path("train_tokens.npy"))
    t = time.time()
    train(run.cfg, tokens, run.tokenizer().vocab_size, run.log)
    run.log(f"train: done in {time.time() - t:.0f} s this session")


def stage_export(run):
    from .export import export_model
    from .markov_export import check_model_size
    export_model(run)
    check_model_size(run)


def stage_fidelity(run):
    from .fidelity import write_fixture
    write_fixture(run)


def stage_eval(run):
    from .evaluate import evaluate
    evaluate(run)


def stage_card(run):
    from .card import write_card
    with open(run.path("eval.json")) as f:
        write_card(run, json.load(f))
    run.log(f"card: {os.path.join(run.cfg.out_dir, 'MODEL_CARD.md')}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=sorted(CONFIGS), required=True)
    ap.add_argument("--out", help="exported model folder (default: model/ for full, "
                                  "training/build/smoke/model/ for smoke)")
    ap.add_argument("--build", help="folder for intermediate files and checkpoints "
                                    "(default: training/build/<config>/)")
    ap.add_argument("--stage", action="append", choices=STAGES,
                    help="run only these stages (repeatable); default: all, in order")
    args = ap.parse_args(argv)
    cfg = CONFIGS[args.config](args.out)
    if args.build:
        cfg.build_dir = os.path.abspath(args.build)
        if not args.out and cfg.name == "smoke":
            cfg.out_dir = os.path.join(cfg.build_dir, "model")
    run = Run(cfg)
    wanted = args.stage or STAGES
    run.log(f"pipeline {cfg.name}: stages {', '.join(s for s in STAGES if s in wanted)}")
    for name in STAGES:
        if name in wanted:
            t = time.time()
            globals()["stage_" + name](run)
            run.log(f"stage {name} finished in {time.time() - t:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

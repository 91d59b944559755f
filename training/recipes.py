"""Recipe runs: train the full configuration with some settings changed, then score held-out bits
per byte (the card's measure) and the head probes. For comparing recipes before a full run.

    python3 -m training.recipes --name NAME [--set key=value ...] [--device cuda] [--out results.jsonl]

Reads the corpus, tokenizer and tokens that `npm run train` (stages corpus..tokens) left in
training/build/full/; writes checkpoints to training/build/recipes/NAME/ and one JSON line per run.
"""
import argparse
import dataclasses
import json
import os
import time

import numpy as np
import torch

from .bpe import Tokenizer
from .config import full_config
from .evaluate import eval_subset, model_bits
from .train import probe_heads, train


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--name", required=True)
    ap.add_argument("--set", action="append", default=[], help="config override key=value")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    cfg = full_config()
    src = cfg.build_dir
    types = {f.name: f.type for f in dataclasses.fields(cfg)}
    overrides = {}
    for item in args.set:
        k, v = item.split("=", 1)
        t = types[k] if isinstance(types[k], str) else types[k].__name__
        overrides[k] = {"int": int, "float": float, "str": str}[t](v)
    cfg = dataclasses.replace(cfg, **overrides, device=args.device,
                              build_dir=os.path.join(os.path.dirname(src), "recipes", args.name))
    os.makedirs(cfg.build_dir, exist_ok=True)
    log_path = os.path.join(cfg.build_dir, "train.log")

    def log(msg):
        line = time.strftime("%H:%M:%S ") + f"[{args.name}] " + msg
        print(line, flush=True)
        with open(log_path, "a") as f:
            f.write(line + "\n")

    tok = Tokenizer.load(os.path.join(src, "tokenizer"))
    tokens = np.load(os.path.join(src, "train_tokens.npy"))
    t0 = time.time()
    model = train(cfg, tokens, tok.vocab_size, log, tok.eot_id)
    train_s = time.time() - t0
    model.eval()
    with open(os.path.join(src, "heldout_tokens.json")) as f:
        docs = eval_subset(json.load(f), cfg.eval_bytes)
    bits = n_bytes = 0
    with torch.no_grad():
        for d in docs:
            b, _, _ = model_bits(model, d["ids"], tok.eot_id)
            bits += b
            n_bytes += d["bytes"]
        probe = probe_heads(model, tok.eot_id, length=255, repeats=4)
    result = {"name": args.name, "overrides": overrides, "bpb": bits / n_bytes, "probe": probe,
              "train_seconds": train_s, "tokens": cfg.steps * cfg.batch_size * cfg.seq_len}
    log("result " + json.dumps(result))
    if args.out:
        with open(args.out, "a") as f:
            f.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

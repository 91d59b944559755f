"""Our PyTorch GPT, with weights read back from an exported ONNX model's initializers.

    python3 -m training.reference --model-dir DIR (--ids-json '[1,2,3]' | --ids-file F) --out OUT.json
    python3 -m training.reference --model-dir DIR --bench --tokens N --repeats R

OUT.json holds {"ids", "logits": {"shape": [T, V], "data": [...]},
"attention": {"shape": [L, H, T, T], "data": [...]}} (float32 values). Because the weights come
from the ONNX file itself, this is provably the same model the extension runs.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch

from .gpt import GPT, GPTConfig

PREFIX = "model."  # the export wraps the GPT as `self.model`


def load_from_onnx(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        conf = json.load(f)
    cfg = GPTConfig(vocab_size=conf["vocab_size"], n_positions=conf["n_positions"],
                    n_layer=conf["n_layer"], n_head=conf["n_head"], n_embd=conf["n_embd"])
    model = GPT(cfg)
    graph = onnx.load(os.path.join(model_dir, "onnx", "decoder_model_merged.onnx")).graph
    wanted = set(model.state_dict())
    state = {}
    for init in graph.initializer:
        name = init.name[len(PREFIX):] if init.name.startswith(PREFIX) else init.name
        if name in wanted:
            state[name] = torch.from_numpy(onnx.numpy_helper.to_array(init).copy())
    missing = wanted - set(state)
    if missing:
        raise ValueError(f"{model_dir}: ONNX initializers lack parameters {sorted(missing)[:5]}")
    model.load_state_dict(state)
    model.eval()
    return model


@torch.no_grad()
def forward(model, ids):
    """logits [T,V] and attention [L,H,T,T] as float32 numpy arrays for one sequence."""
    if not ids or len(ids) > model.cfg.n_positions:
        raise ValueError(f"need 1..{model.cfg.n_positions} token ids, got {len(ids)}")
    if min(ids) < 0 or max(ids) >= model.cfg.vocab_size:
        raise ValueError(f"token ids must lie in [0, {model.cfg.vocab_size})")
    x = torch.tensor([ids], dtype=torch.long)  # [1,T]
    logits, _, att = model(x, want_attention=True)  # [1,T,V], [1,L,H,T,T]
    return logits[0].numpy().astype(np.float32), att[0].numpy().astype(np.float32)


def bench(model, tokens, repeats):
    ids = [(i * 7919) % model.cfg.vocab_size for i in range(tokens)]
    forward(model, ids)  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        forward(model, ids)
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--ids-json")
    ap.add_argument("--ids-file")
    ap.add_argument("--out")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        model = load_from_onnx(args.model_dir)
        if args.bench:
            ms = bench(model, min(args.tokens, model.cfg.n_positions), args.repeats)
            print(f"median_ms {ms:.3f}")
            return 0
        if args.ids_file:
            with open(args.ids_file) as f:
                ids = json.load(f)
        elif args.ids_json:
            ids = json.loads(args.ids_json)
        else:
            ap.error("give --ids-json or --ids-file (or --bench)")
        if not args.out:
            ap.error("give --out")
        logits, att = forward(model, [int(i) for i in ids])
    except (OSError, ValueError) as e:
        print(f"reference: {e}", file=sys.stderr)
        return 2
    with open(args.out, "w") as f:
        json.dump({"ids": ids,
                   "logits": {"shape": list(logits.shape), "data": logits.ravel().tolist()},
                   "attention": {"shape": list(att.shape), "data": att.ravel().tolist()}}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

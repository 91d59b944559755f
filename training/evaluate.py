"""Held-out evaluation of the exported model against compression and Markov baselines, then the
model card. Everything is measured on the same held-out bytes (whole files never trained on)."""
import json
import lzma
import gzip
import math
import os
import shutil
import subprocess
import time

import numpy as np
import torch

from .card import write_card
from .heads import head_report
from .kneser_ney import KneserNey
from .reference import load_from_onnx
from .corpus import path_hash


def eval_subset(held, max_bytes):
    """Held-out files taken round-robin across sources (hash order) up to max_bytes."""
    by_source = {}
    for h in sorted(held, key=lambda h: path_hash("eval:" + h["path"])):
        by_source.setdefault(h["source"], []).append(h)
    queues = [by_source[s] for s in sorted(by_source)]
    chosen, total = [], 0
    while total < max_bytes and any(queues):
        for q in queues:
            if q and total < max_bytes:
                h = q.pop(0)
                chosen.append(h)
                total += h["bytes"]
    return chosen


@torch.no_grad()
def model_bits(model, docs, eot_id):
    """Total bits and top-1 hits over every token of every doc, by sliding windows of the context
    (stride half a window: each scored token sees at least half a window of context)."""
    N = model.cfg.n_positions
    stride = N // 2
    bits, hits, count = 0.0, 0, 0
    for d in docs:
        seq = [eot_id] + d["ids"]  # the document starts after a separator, as in training
        scored_to = 1  # seq[1:] are the targets; next unscored target index
        start = 0
        while scored_to < len(seq):
            window = seq[start:start + N]
            logits, _ = model(torch.tensor([window]))  # [1,W,V]
            logp = torch.log_softmax(logits[0].double(), dim=-1)  # [W,V]
            first = max(scored_to, start + 1)
            t = torch.arange(first, start + len(window))  # positions scored in this window
            rows = logp[t - start - 1]  # [n,V]; row j predicts position t[j]
            targets = torch.tensor(seq)[t]  # [n]
            bits -= rows.gather(1, targets[:, None]).sum().item() / math.log(2)
            hits += int((rows.argmax(dim=1) == targets).sum().item())
            count += len(t)
            scored_to = start + len(window)
            start += stride
            if start + N > len(seq) and scored_to >= len(seq):
                break
    return bits, hits, count


def compressed_bits(data, tool):
    if tool == "gzip -9":
        cmd, fallback = ["gzip", "-9", "-c"], lambda b: gzip.compress(b, compresslevel=9)
    else:
        cmd, fallback = ["xz", "-9e", "-c"], lambda b: lzma.compress(b, preset=9 | lzma.PRESET_EXTREME)
    if shutil.which(cmd[0]):
        out = subprocess.run(cmd, input=data, capture_output=True, check=True).stdout
    else:
        out = fallback(data)
    return 8 * len(out)


def evaluate_and_write_card(run):
    cfg = run.cfg
    torch.set_num_threads(cfg.threads)
    t0 = time.time()
    with open(run.path("heldout_tokens.json")) as f:
        held = json.load(f)
    docs = eval_subset(held, cfg.eval_bytes)
    tok = run.tokenizer()
    texts = {(d.source, d.path): d.text for d in run.docs() if d.heldout}
    raw = [texts[(d["source"], d["path"])].encode("utf-8") for d in docs]
    n_bytes = sum(len(b) for b in raw)
    model = load_from_onnx(cfg.out_dir)
    bits, hits, count = model_bits(model, docs, tok.eot_id)
    results = {"eval_files": len(docs), "eval_bytes": n_bytes, "eval_tokens": count,
               "model_bpb": bits / n_bytes, "top1_accuracy": hits / count,
               "model_bits_per_token": bits / count}
    run.log(f"eval: model {results['model_bpb']:.4f} bpb, top-1 {results['top1_accuracy']:.3f}")
    # compressors see the same bytes, one file after another
    blob = b"".join(raw)
    for tool in ("gzip -9", "xz -9e"):
        results[tool] = compressed_bits(blob, tool) / n_bytes
    train_tokens = np.load(run.path("train_tokens.npy"))
    for k in range(1, cfg.kn_order + 1):
        kn = KneserNey(train_tokens, k, tok.vocab_size)
        b = sum(kn.stream_bits([tok.eot_id] + d["ids"], tok.eot_id) for d in docs)
        results[f"kn{k}"] = b / n_bytes
        run.log(f"eval: Kneser–Ney order {k}: {results[f'kn{k}']:.4f} bpb")
    windows = [([tok.eot_id] + d["ids"])[:cfg.n_positions] for d in docs[:24]]
    heads = head_report(model, tok, windows)
    results["heads"] = heads
    results["eval_seconds"] = time.time() - t0
    with open(run.path("eval.json"), "w") as f:
        json.dump(results, f, indent=1)
    baselines = ["gzip -9", "xz -9e"] + [f"kn{k}" for k in range(1, cfg.kn_order + 1)]
    results["beats_all_baselines"] = all(results["model_bpb"] < results[b] for b in baselines)
    write_card(run, results)
    run.log(f"eval: beats every baseline: {results['beats_all_baselines']}")

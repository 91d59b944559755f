"""Held-out evaluation of the exported model against compression and Markov baselines, then the
model card. Every number is measured on the same held-out bytes (whole files never trained on),
both on all chosen held-out files and on those that are not near-duplicates of training files."""
import gzip
import json
import lzma
import math
import shutil
import subprocess
import time

import numpy as np
import torch

from .corpus import path_hash
from .heads import head_report
from .kneser_ney import KneserNey, ngram_keys
from .reference import load_from_onnx

NEAR_DUPLICATE = 0.5  # share of a file's token 8-grams also found in the training tokens


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


def _eight_gram_hashes(tokens):
    a = ngram_keys(np.asarray(tokens, dtype=np.int64), 4, 1 << 12)  # 4-gram keys, 48 bits
    with np.errstate(over="ignore"):
        return a[:-4] * np.int64(1000003) ^ a[4:]  # one hash per 8-gram (two 4-grams)


def training_overlap(docs, train_tokens):
    """Per doc: share of its token 8-grams that also occur in the training tokens."""
    seen = np.unique(_eight_gram_hashes(train_tokens))
    out = []
    for d in docs:
        h = _eight_gram_hashes(d["ids"]) if len(d["ids"]) >= 9 else np.zeros(0, np.int64)
        out.append(float(np.isin(h, seen).mean()) if len(h) else 1.0)
    return out


@torch.no_grad()
def model_bits(model, ids, eot_id):
    """(bits, top-1 hits, tokens) over every token of one document, read after a separator in
    sliding windows of the context (stride half a window, so each scored token sees at least
    half a window of context)."""
    N = model.cfg.n_positions
    dev = next(model.parameters()).device
    stride = N // 2
    seq = [eot_id] + ids
    bits, hits, count = 0.0, 0, 0
    scored_to, start = 1, 0  # seq[1:] are the targets; scored_to = next unscored target
    while scored_to < len(seq):
        window = seq[start:start + N]
        logits, _ = model(torch.tensor([window], device=dev))  # [1,W,V]
        logp = torch.log_softmax(logits[0].double(), dim=-1).cpu()  # [W,V]
        t = torch.arange(max(scored_to, start + 1), start + len(window))  # scored positions
        rows = logp[t - start - 1]  # [n,V]; row j predicts position t[j]
        targets = torch.tensor(seq)[t]  # [n]
        bits -= rows.gather(1, targets[:, None]).sum().item() / math.log(2)
        hits += int((rows.argmax(dim=1) == targets).sum().item())
        count += len(t)
        scored_to = start + len(window)
        start += stride
    return bits, hits, count


def compressed_bits(data, tool):
    if tool == "gzip":
        cmd, fallback = ["gzip", "-9", "-c"], lambda b: gzip.compress(b, compresslevel=9)
    else:
        cmd, fallback = ["xz", "-9e", "-c"], lambda b: lzma.compress(b, preset=9 | lzma.PRESET_EXTREME)
    if shutil.which(cmd[0]):
        return 8 * len(subprocess.run(cmd, input=data, capture_output=True, check=True).stdout)
    return 8 * len(fallback(data))


def summarise(per_doc, raw, keys):
    """Bits per byte of the model and every baseline over the docs in `keys` (indices)."""
    n_bytes = sum(len(raw[i]) for i in keys)
    s = {"files": len(keys), "bytes": n_bytes,
         "tokens": sum(per_doc[i]["tokens"] for i in keys)}
    for name in per_doc[0]:
        if name not in ("tokens", "hits"):
            s[name] = sum(per_doc[i][name] for i in keys) / n_bytes
    s["top1_accuracy"] = sum(per_doc[i]["hits"] for i in keys) / s["tokens"]
    blob = b"".join(raw[i] for i in keys)
    s["gzip -9 (files concatenated)"] = compressed_bits(blob, "gzip") / n_bytes
    s["xz -9e (files concatenated)"] = compressed_bits(blob, "xz") / n_bytes
    baselines = [k for k in s if k.startswith(("gzip", "xz", "Kneser"))]
    s["baselines"] = baselines
    s["beats_all_baselines"] = all(s["model"] < s[b] for b in baselines)
    return s


def by_source(docs, raw, per_doc):
    """Model bits per byte over the held-out files of each source."""
    out = {}
    for d, r, p in zip(docs, raw, per_doc):
        s = out.setdefault(d["source"], {"files": 0, "bytes": 0, "bits": 0.0})
        s["files"] += 1
        s["bytes"] += len(r)
        s["bits"] += p["model"]
    return {k: {"files": v["files"], "bytes": v["bytes"], "model": v["bits"] / v["bytes"]}
            for k, v in sorted(out.items())}


def evaluate(run):
    cfg = run.cfg
    torch.set_num_threads(cfg.threads)
    t0 = time.time()
    with open(run.path("heldout_tokens.json")) as f:
        docs = eval_subset(json.load(f), cfg.eval_bytes)
    tok = run.tokenizer()
    texts = {(d.source, d.path): d.text for d in run.docs() if d.heldout}
    raw = [texts[(d["source"], d["path"])].encode("utf-8") for d in docs]
    train_tokens = np.load(run.path("train_tokens.npy"))
    model = load_from_onnx(cfg.out_dir)
    per_doc = []
    for d, r in zip(docs, raw):
        bits, hits, count = model_bits(model, d["ids"], tok.eot_id)
        per_doc.append({"model": bits, "hits": hits, "tokens": count,
                        "gzip -9 (each file alone)": compressed_bits(r, "gzip"),
                        "xz -9e (each file alone)": compressed_bits(r, "xz")})
    run.log(f"eval: model scored on {len(docs)} files in {time.time() - t0:.0f} s")
    for k in range(1, cfg.kn_order + 1):
        kn = KneserNey(train_tokens, k, tok.vocab_size)
        for d, p in zip(docs, per_doc):
            p[f"Kneser–Ney order {k}"] = kn.stream_bits([tok.eot_id] + d["ids"], tok.eot_id)
    overlap = training_overlap(docs, train_tokens)
    everything = list(range(len(docs)))
    novel = [i for i in everything if overlap[i] < NEAR_DUPLICATE]
    results = {"all": summarise(per_doc, raw, everything),
               "novel": summarise(per_doc, raw, novel) if novel else None,
               "near_duplicate_threshold": NEAR_DUPLICATE,
               "files": [{"source": d["source"], "path": d["path"], "bytes": len(r),
                          "overlap": o, "model_bpb": p["model"] / len(r)}
                         for d, r, o, p in zip(docs, raw, overlap, per_doc)]}
    for name in ("all", "novel"):
        s = results[name]
        if s:
            run.log(f"eval ({name}): model {s['model']:.4f} bpb; "
                    + "; ".join(f"{b} {s[b]:.4f}" for b in s["baselines"]))
    results["by_source"] = by_source(docs, raw, per_doc)
    windows = [([tok.eot_id] + d["ids"])[:cfg.n_positions] for d in docs[:24]]
    results["heads"] = head_report(model, tok, windows)
    results["eval_seconds"] = time.time() - t0
    with open(run.path("eval.json"), "w") as f:
        json.dump(results, f, indent=1)
    run.log(f"eval: beats every baseline: all files {results['all']['beats_all_baselines']}, "
            f"novel files {results['novel'] and results['novel']['beats_all_baselines']}")

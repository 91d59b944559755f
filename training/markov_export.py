"""Token-level Markov models of order 1..K (k tokens of context) fitted on the training tokens,
pruned and written next to the exported model (`<model>/markov/markov.bin` + `markov.json`) for
the extension's compression table (`corpusMarkov1..K`). Depends only on the training tokens and
the vocabulary size, never on the trained network.

Smoothing is interpolated Kneser–Ney, exactly as the card's baselines (kneser_ney.py; order k here
is its order k + 1): the order-k model uses raw counts c(h, w) for its k-token contexts and
continuation counts N1+(• h w) (distinct tokens seen before h w) for every shorter one:
    P_-1(w)    = 1 / V
    P_m(w | h) = a(h, w) + b(h) · P_{m-1}(w | h')     h: the last m tokens, h': the last m − 1
    a(h, w)    = max(c(h, w) − D_m, 0) / c(h)          for kept (h, w), else 0;  c(h) = Σ_w c(h, w)
    b(h)       = 1 − Σ_kept a(h, w)
with D_m = n1 / (n1 + 2 n2) from the level's count-of-counts. Unpruned, b(h) = D_m u(h) / c(h),
Kneser–Ney's own back-off weight. Pruning drops every (h, w) whose raw count is below the order's
threshold (`markov_min_counts`); its discounted mass moves into b(h), so each P_m still sums to 1
over the vocabulary. A context never seen, or not kept, passes P_{m-1} through (so does one with
fewer than m tokens before it). Kneser–Ney rather than the adaptive chains' Witten–Bell: on the
held-out tokens it costs 0.7 bits per token less at order 4 (5.91 against 6.70 unpruned), and the
table's corpus rows then agree with the card's.

The file is a trie of contexts, most recent token first: level m holds the contexts of m tokens,
sorted by (parent context, oldest token), so a node's children are one contiguous, sorted run.
Every section is little-endian and starts at a multiple of 4 bytes; markov.json lists them.
"""
import hashlib
import json
import os

import numpy as np

FORMAT = "attention-lens-markov"
VERSION = 1
SUBDIR = "markov"
MODEL_LIMIT_BYTES = 25 * 1000 * 1000  # the whole exported model folder


def level_counts(tokens, V, m):
    """Counts of (context of m tokens, next token) over the sequence: sorted entry keys
    R(h)·V + w and their counts, where R(h) = ((t[i-1]·V + t[i-2])·V + …)·V + t[i-m]."""
    n = len(tokens)
    key = np.zeros(n - m, dtype=np.int64)  # [n - m], for targets i = m..n-1
    for j in range(1, m + 1):
        key = key * V + tokens[m - j:n - j]
    key = key * V + tokens[m:]
    return np.unique(key, return_counts=True)


def discount(counts):
    """Kneser–Ney's absolute discount for one order, from its count-of-counts (as kneser_ney.py)."""
    n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
    return float(n1 / (n1 + 2.0 * n2)) if n1 + n2 > 0 else 0.5


def build_levels(tokens, V, order, min_counts):
    """Per context length m = 0..order: the kept contexts (node keys) with their totals, and the
    kept entries with their raw counts c(h, w) (the order-m model's own level) and continuation
    counts N1+(• h w) (the level as a lower order of longer models). An entry is kept when its raw
    count is ≥ min_counts[m]; thresholds must not decrease with m, so a kept context's suffix has
    kept entries too (the trie is suffix-closed). Totals and discounts are from the full counts."""
    if V ** (order + 1) >= 2 ** 63:
        raise ValueError(f"vocabulary {V} and order {order}: n-gram keys would not fit in 64 bits")
    if len(min_counts) != order + 1 or min_counts[0] != 1 or any(b < a for a, b in zip(min_counts, min_counts[1:])):
        raise ValueError(f"min_counts needs {order + 1} thresholds, starting at 1, never decreasing: {min_counts}")
    tokens = np.asarray(tokens, dtype=np.int64)
    raw = [level_counts(tokens, V, m) for m in range(order + 1)]
    levels = []
    for m, (keys, counts) in enumerate(raw):
        cont = np.zeros(len(keys), dtype=np.int64)
        if m < order:  # distinct older tokens x before (h, w): map each longer entry (x h, w) to (h, w)
            longer = raw[m + 1][0]
            ck, cc = np.unique((longer // V // V) * V + longer % V, return_counts=True)
            cont[np.searchsorted(keys, ck)] = cc
        ctx, start = np.unique(keys // V, return_index=True)
        levels.append(dict(
            m=m, keys=keys, raw=counts, cont=cont, ctx=ctx, keep=counts >= min_counts[m], min_count=int(min_counts[m]),
            total_raw=np.add.reduceat(counts, start), total_cont=np.add.reduceat(cont, start),
            d_raw=discount(counts), d_cont=discount(cont[cont > 0])))
    # Kept contexts: those with kept entries, plus every suffix of a kept longer context.
    needed = np.zeros(0, dtype=np.int64)
    for lv in reversed(levels):
        nodes = np.union1d(np.unique(lv["keys"][lv["keep"]] // V), needed)
        at = np.searchsorted(lv["ctx"], nodes)  # every kept context was seen
        lv["nodes"], lv["node_raw"], lv["node_cont"] = nodes, lv["total_raw"][at], lv["total_cont"][at]
        needed = np.unique(nodes // V)
    return levels


def uint(a):
    """Unsigned 16-bit when every value fits, else 32-bit."""
    return a.astype(np.uint16 if a.max(initial=0) < 1 << 16 else np.uint32)


def sections(levels, V):
    """The file's arrays, in order: (name, numpy array) per level. Level 0 has no raw counts
    (no order-0 model is shipped); the top level no continuation counts (nothing is above it)."""
    out, K = [], len(levels) - 1
    for lv in levels:
        m, nodes, keep = lv["m"], lv["nodes"], lv["keep"]
        kk = lv["keys"][keep]
        if m >= 1:
            out.append((f"node_token_{m}", (nodes % V).astype(np.uint16)))  # [N_m] the oldest token
            out.append((f"node_raw_total_{m}", lv["node_raw"].astype(np.uint32)))  # [N_m] c(h)
        if m < K:
            out.append((f"node_cont_total_{m}", lv["node_cont"].astype(np.uint32)))  # [N_m] Σ_w N1+(• h w)
        starts = np.append(np.searchsorted(kk // V, nodes, side="left"), len(kk))
        out.append((f"entry_start_{m}", starts.astype(np.uint32)))  # [N_m + 1]
        out.append((f"entry_token_{m}", (kk % V).astype(np.uint16)))  # [E_m], sorted within a node
        if m >= 1:
            out.append((f"entry_raw_{m}", uint(lv["raw"][keep])))  # [E_m]
        if m < K:
            out.append((f"entry_cont_{m}", uint(lv["cont"][keep])))  # [E_m]
            child = levels[m + 1]["nodes"] // V  # each child's parent key, sorted
            cs = np.append(np.searchsorted(child, nodes, side="left"), len(child))
            out.append((f"child_start_{m}", cs.astype(np.uint32)))  # [N_m + 1] children in level m + 1
    return out


def encode(levels, V, meta):
    """(header dict, binary bytes): deterministic for the same tokens and settings."""
    blob, table = bytearray(), []
    for name, arr in sections(levels, V):
        blob += b"\0" * (-len(blob) % 4)
        table.append({"name": name, "dtype": str(arr.dtype), "offset": len(blob), "length": int(arr.size)})
        blob += arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    K = len(levels) - 1
    header = {
        "format": FORMAT, "version": VERSION, "smoothing": "interpolated-kneser-ney",
        "vocabSize": int(V), "maxOrder": K,
        "levels": [{
            "contextLength": lv["m"],
            "discountRaw": lv["d_raw"] if lv["m"] >= 1 else None,
            "discountCont": lv["d_cont"] if lv["m"] < K else None,
            "minCount": lv["min_count"], "nodes": int(len(lv["nodes"])), "entries": int(lv["keep"].sum()),
            "seenContexts": int(len(lv["ctx"])), "seenEntries": int(len(lv["keys"])),
            "prunedEntries": int((~lv["keep"]).sum()), "prunedCount": int(lv["raw"][~lv["keep"]].sum()),
        } for lv in levels],
        "sections": table,
        **meta,
    }
    return header, bytes(blob)


def probabilities(levels, V, ids):
    """P_k(ids[i] | ids[..i]) for k = 1..K, [K, T], from the in-memory levels (the stage's own
    held-out check; tests read the written file independently)."""
    ids = np.asarray(ids, dtype=np.int64)
    T, K = len(ids), len(levels) - 1
    out = np.zeros((K, T))
    for k in range(1, K + 1):
        for i in range(T):
            p, key = 1.0 / V, 0
            for m in range(min(k, i) + 1):
                lv = levels[m]
                key = key * V + ids[i - m] if m > 0 else 0
                j = np.searchsorted(lv["nodes"], key)
                if j == len(lv["nodes"]) or lv["nodes"][j] != key:
                    break  # unseen (or pruned) context: longer ones are too
                kind = "raw" if m == k else "cont"
                total, D = float(lv["node_" + kind][j]), lv["d_" + kind]
                if total == 0:
                    continue
                lo, hi = np.searchsorted(lv["keys"], [key * V, key * V + V])
                c = lv[kind][lo:hi] * lv["keep"][lo:hi]  # pruned entries count 0
                a = np.maximum(c - D, 0.0) / total
                e = lo + np.searchsorted(lv["keys"][lo:hi], key * V + ids[i])
                hit = a[e - lo] if e < hi and lv["keys"][e] == key * V + ids[i] else 0.0
                p = hit + (1.0 - a.sum()) * p
            out[k - 1, i] = p
    return out


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def export_markov(run):
    """The pipeline stage: fit, prune, write `<out>/markov/`, check the size limits."""
    cfg = run.cfg
    tokens = np.load(run.path("train_tokens.npy"))
    V = run.tokenizer().vocab_size
    levels = build_levels(tokens, V, cfg.markov_order, cfg.markov_min_counts)
    meta = {"pruning": "each (context, next token) count below its context length's minCount is dropped; its "
                       "discounted mass moves into the context's back-off weight, so every distribution still sums "
                       "to 1. Context totals c(h) and discounts are from the unpruned counts.",
            "trainingTokens": int(len(tokens)),
            "trainingTokensSha256": hashlib.sha256(tokens.astype("<u2").tobytes()).hexdigest()}
    header, blob = encode(levels, V, meta)
    folder = os.path.join(cfg.out_dir, SUBDIR)
    text = json.dumps(header, indent=1) + "\n"
    size = len(blob) + len(text.encode("utf-8"))
    if size > cfg.markov_max_bytes:
        raise SystemExit(f"markov: the Markov files would take {size} bytes, over the {cfg.markov_max_bytes} "
                         f"allowed; raise markov_min_counts {list(cfg.markov_min_counts)} or lower markov_order")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "markov.bin"), "wb") as f:
        f.write(blob)
    with open(os.path.join(folder, "markov.json"), "w", encoding="utf-8") as f:
        f.write(text)
    for lv in header["levels"]:
        run.log(f"markov: {lv['contextLength']} tokens of context: {lv['entries']} of {lv['seenEntries']} counts kept "
                f"(≥ {lv['minCount']}), {lv['nodes']} contexts")
    run.log(f"markov: {size} bytes in {folder}")
    check_model_size(run)
    heldout_report(run, levels, V)


def check_model_size(run):
    total = folder_bytes(run.cfg.out_dir)
    if total > MODEL_LIMIT_BYTES:
        raise SystemExit(f"the exported model folder {run.cfg.out_dir} holds {total} bytes, over the "
                         f"{MODEL_LIMIT_BYTES} allowed; prune the Markov models harder (markov_min_counts)")


def heldout_report(run, levels, V, max_tokens=10000):
    """Bits per token of the first held-out tokens under each order (a log line, no file)."""
    with open(run.path("heldout_tokens.json")) as f:
        held = json.load(f)
    eot = run.tokenizer().eot_id
    bits, n = np.zeros(len(levels) - 1), 0
    for h in held:
        if n >= max_tokens:
            break
        ids = [eot] + h["ids"][:max_tokens - n]
        p = probabilities(levels, V, ids)[:, 1:]  # [K, T - 1]: the separator is not coded
        bits += -np.log2(p).sum(axis=1)
        n += len(ids) - 1
    per = ", ".join(f"order {k + 1} {b / max(n, 1):.3f}" for k, b in enumerate(bits))
    run.log(f"markov: held-out bits per token over {n} tokens: {per}")

"""Scores of recognisable attention patterns for every head, from attention maps [L,H,T,T].

The definitions and label thresholds live in src/common/headScores.json, shared with the panel
(src/common/stats.ts); a test checks that both compute the same numbers on the same attention.
The card's induction score is that definition on a random token sequence written twice; its
previous-token and sink scores are means over held-out windows.
"""
import json
import os

import numpy as np

from .reference import forward

_SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "src", "common", "headScores.json")
with open(_SHARED, encoding="utf-8") as _f:
    LABELS = json.load(_f)["labels"]
# Card columns -> the shared label threshold of each.
THRESHOLDS = {"previous_token": LABELS["previousToken"], "first_token_sink": LABELS["sink"],
              "induction": LABELS["induction"], "bracket_matching": LABELS["bracketMatching"]}
OPEN, CLOSE = "([{", ")]}"
SHORT_COPY = 100  # a second, shorter repeated sequence for the copy loss (tokens per copy)


def induction_keys(ids):
    """[T,T] 0/1 mask: key j+1 for every earlier j with ids[j] == ids[i] and j+1 <= i-2."""
    ids = np.asarray(ids)
    T = len(ids)
    same = ids[:, None] == ids[None, :]  # [T(i), T(j)]
    i, j = np.nonzero(same & (np.arange(T)[None, :] < np.arange(T)[:, None]))
    keep = j + 1 <= i - 2
    mask = np.zeros((T, T))
    mask[i[keep], j[keep] + 1] = 1.0
    return mask


def head_stats(att, ids, causal=True):
    """Shared statistics of every head: dict name -> [L,H] from attention [L,H,T,T]."""
    att = np.asarray(att, dtype=np.float64)
    T = att.shape[-1]
    first = 1 if causal and T > 1 else 0
    rows = att[:, :, first:, :]  # [L,H,R,T]
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(rows > 0, rows * np.log(np.where(rows > 0, rows, 1.0)), 0.0)
    entropy = -plogp.sum(-1).mean(-1) if rows.shape[2] else np.zeros(att.shape[:2])
    dist = np.abs(np.arange(T)[:, None] - np.arange(T)[None, :])[first:]  # [R,T]
    mean_distance = (rows * dist).sum(-1).mean(-1) if rows.shape[2] else np.zeros(att.shape[:2])
    sink = rows[..., 0].mean(-1) if rows.shape[2] else np.zeros(att.shape[:2])
    q = np.arange(1, T)
    prev = att[:, :, q, q - 1].mean(-1) if T > 1 else np.zeros(att.shape[:2])
    mask = induction_keys(ids)
    has = mask.sum(1) > 0  # [T] queries with at least one such key
    if has.any():
        induction = (att * mask).sum(-1)[:, :, has].mean(-1)
    else:
        induction = np.full(att.shape[:2], np.nan)
    return {"entropy": entropy, "bandwidth": np.exp(entropy), "meanDistance": mean_distance,
            "sink": sink, "previousToken": prev, "induction": induction}


def token_char_spans(tok, ids):
    """[start, end) character offsets of each token in tok.decode(ids) (whole characters)."""
    spans, text_bytes = [], b""
    for i in ids:
        start = len(text_bytes.decode("utf-8", errors="ignore"))
        text_bytes += tok.token_bytes(i)
        spans.append((start, len(text_bytes.decode("utf-8", errors="ignore"))))
    return spans


def bracket_pairs(text):
    """(open char index, close char index) of matched brackets, by a stack over the text."""
    stack, pairs = [], []
    for i, ch in enumerate(text):
        if ch in OPEN:
            stack.append((ch, i))
        elif ch in CLOSE:
            if stack and OPEN.index(stack[-1][0]) == CLOSE.index(ch):
                pairs.append((stack.pop()[1], i))
            else:
                stack.clear()  # unbalanced: start over rather than guess
    return pairs


def score_texts(model, tok, windows):
    """previous-token, sink and bracket scores [L,H] each, averaged over token-id windows."""
    L, H = model.cfg.n_layer, model.cfg.n_head
    prev, sink, brack = np.zeros((L, H)), np.zeros((L, H)), np.zeros((L, H))
    n_brack = 0
    for ids in windows:
        _, att = forward(model, ids)  # [L,H,T,T]
        s = head_stats(att, ids)
        prev += s["previousToken"]
        sink += s["sink"]
        text = tok.decode(ids)
        owner = {}
        for t, (a, e) in enumerate(token_char_spans(tok, ids)):
            for c in range(a, e):
                owner[c] = t
        for o, c in bracket_pairs(text):
            to, tc = owner.get(o), owner.get(c)
            if to is not None and tc is not None and to < tc:
                brack += att[:, :, tc, to]
                n_brack += 1
    n = max(len(windows), 1)
    return prev / n, sink / n, brack / max(n_brack, 1), n_brack


def repeated_sequence(rng, eot_id, length):
    """<|endoftext|>, then `length` random token ids, then the same ids again."""
    seq = rng.integers(0, eot_id, size=length).tolist()
    return [eot_id] + seq + seq


def copy_losses(logits, ids, R):
    """Mean loss (nats) on each copy after its first token (which nothing can predict)."""
    logits = np.asarray(logits, dtype=np.float64)
    m = logits.max(1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(1, keepdims=True))
    nll = -logp[np.arange(len(ids) - 1), ids[1:]]  # [T-1], loss of predicting ids[t+1]
    return nll[1:R].mean(), nll[R + 1:2 * R].mean()


def score_induction(model, eot_id, repeats=4, length=None, seed=7):
    """Induction score [L,H] (shared definition) and the mean loss on the first vs second copy."""
    L, H = model.cfg.n_layer, model.cfg.n_head
    R = length or (model.cfg.n_positions - 1) // 2
    rng = np.random.default_rng(seed)
    score = np.zeros((L, H))
    loss_first = loss_second = 0.0
    for _ in range(repeats):
        ids = repeated_sequence(rng, eot_id, R)
        logits, att = forward(model, ids)  # [T,V], [L,H,T,T]
        score += head_stats(att, ids)["induction"]
        first, second = copy_losses(logits, ids, R)
        loss_first += first
        loss_second += second
    return score / repeats, loss_first / repeats, loss_second / repeats


def head_report(model, tok, windows):
    prev, sink, brack, n_brack = score_texts(model, tok, windows)
    ind, loss1, loss2 = score_induction(model, tok.eot_id)
    short = min(SHORT_COPY, (model.cfg.n_positions - 1) // 2)
    _, short1, short2 = score_induction(model, tok.eot_id, length=short)
    scores = {"previous_token": prev, "first_token_sink": sink, "induction": ind,
              "bracket_matching": brack}
    passing = {k: [(int(l), int(h), float(v[l, h])) for l, h in zip(*np.nonzero(v >= THRESHOLDS[k]))]
               for k, v in scores.items()}
    return {"scores": {k: v.tolist() for k, v in scores.items()}, "passing": passing,
            "thresholds": THRESHOLDS, "bracket_pairs": n_brack,
            "copy_length": (model.cfg.n_positions - 1) // 2,
            "copy_loss_first": float(loss1), "copy_loss_second": float(loss2),
            "short_copy_length": short,
            "short_copy_loss_first": float(short1), "short_copy_loss_second": float(short2)}

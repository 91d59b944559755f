"""Scores of recognisable attention patterns for every head, from attention maps [L,H,T,T].

- previous token: mean weight a query puts on the key just before it;
- first-token sink: mean weight on key 0 (queries from position 4 on);
- induction: on a random token sequence repeated twice, mean weight a query in the second copy
  puts on the token that followed its previous occurrence (the key a copying circuit needs);
- bracket matching: mean weight a closing bracket puts on its matching opening bracket.
"""
import numpy as np

from .reference import forward

THRESHOLDS = {"previous_token": 0.4, "first_token_sink": 0.5, "induction": 0.3,
              "bracket_matching": 0.15}
OPEN, CLOSE = "([{", ")]}"


def token_char_spans(tok, ids):
    """[start, end) character offsets of each token in tok.decode(ids) (whole characters)."""
    spans, nbytes, text_bytes = [], 0, b""
    for i in ids:
        b = tok.token_bytes(i)
        start = len(text_bytes.decode("utf-8", errors="ignore"))
        text_bytes += b
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
    n_prev = n_sink = n_brack = 0
    for ids in windows:
        _, att = forward(model, ids)  # [L,H,T,T]
        T = len(ids)
        q = np.arange(1, T)
        prev += att[:, :, q, q - 1].sum(axis=2)  # [L,H]
        n_prev += len(q)
        q = np.arange(4, T)
        sink += att[:, :, q, 0].sum(axis=2)
        n_sink += len(q)
        text = tok.decode(ids)
        spans = token_char_spans(tok, ids)
        owner = {}
        for t, (s, e) in enumerate(spans):
            for c in range(s, e):
                owner[c] = t
        for o, c in bracket_pairs(text):
            to, tc = owner.get(o), owner.get(c)
            if to is not None and tc is not None and to < tc:
                brack += att[:, :, tc, to]
                n_brack += 1
    return prev / max(n_prev, 1), sink / max(n_sink, 1), brack / max(n_brack, 1), n_brack


def score_induction(model, eot_id, repeats=4, length=None, seed=7):
    """Induction score [L,H] and the model's mean loss (nats) on the first vs second copy."""
    L, H = model.cfg.n_layer, model.cfg.n_head
    R = length or (model.cfg.n_positions - 1) // 2
    rng = np.random.default_rng(seed)
    score = np.zeros((L, H))
    loss_first = loss_second = 0.0
    for _ in range(repeats):
        seq = rng.integers(0, eot_id, size=R).tolist()
        ids = [eot_id] + seq + seq  # positions: copy 1 at 1..R, copy 2 at R+1..2R
        logits, att = forward(model, ids)  # [T,V], [L,H,T,T]
        q = np.arange(R + 1, 2 * R + 1)
        score += att[:, :, q, q - R + 1].mean(axis=2)  # key after the earlier occurrence
        logp = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) \
            - logits.max(1, keepdims=True)
        nll = -logp[np.arange(len(ids) - 1), ids[1:]]  # [T-1], loss of predicting ids[t+1]
        loss_first += nll[1:R].mean()
        loss_second += nll[R + 1:2 * R].mean()
    return score / repeats, loss_first / repeats, loss_second / repeats


def head_report(model, tok, windows):
    prev, sink, brack, n_brack = score_texts(model, tok, windows)
    ind, loss1, loss2 = score_induction(model, tok.eot_id)
    scores = {"previous_token": prev, "first_token_sink": sink, "induction": ind,
              "bracket_matching": brack}
    passing = {k: [(int(l), int(h), float(v[l, h])) for l, h in zip(*np.nonzero(v >= THRESHOLDS[k]))]
               for k, v in scores.items()}
    return {"scores": {k: v.tolist() for k, v in scores.items()}, "passing": passing,
            "thresholds": THRESHOLDS, "bracket_pairs": n_brack,
            "copy_loss_first": float(loss1), "copy_loss_second": float(loss2)}

"""Training loop: AdamW, linear warm-up, cosine decay to min_lr at decay_steps, then constant
min_lr up to steps; random windows of the training tokens (short ones first, see shape_at),
a checkpoint every few minutes (training resumes from it), fixed seeds."""
import math
import os
import time

import numpy as np
import torch

from .gpt import GPT, GPTConfig


def model_config(cfg, vocab_size):
    return GPTConfig(vocab_size=vocab_size, n_positions=cfg.n_positions, n_layer=cfg.n_layer,
                     n_head=cfg.n_head, n_embd=cfg.n_embd)


def init_positions(model, cfg):
    """Sinusoidal position embeddings at init (still trained): attending to the position k back
    is then one fixed linear map of the embedding at every position, which a previous-token head
    can learn at once; random embeddings must learn it position by position."""
    if cfg.pos_init == "normal":
        return
    if cfg.pos_init != "sinusoidal":
        raise ValueError(f"pos_init must be 'normal' or 'sinusoidal', not {cfg.pos_init!r}")
    P, C = model.wpe.weight.shape  # [n_positions, C]
    pos = torch.arange(P, dtype=torch.float32)[:, None]  # [P,1]
    freq = torch.exp(-math.log(cfg.pos_base) * torch.arange(0, C, 2, dtype=torch.float32) / C)  # [C/2]
    if cfg.pos_max_freq != 1.0:  # (kept apart so the default init stays bit for bit as before)
        freq = freq * cfg.pos_max_freq
    pe = torch.zeros(P, C)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)
    with torch.no_grad():
        model.wpe.weight.copy_(pe * (cfg.pos_std / pe.std()))


def warm_cosine(step, peak, warmup, length, floor):
    """Linear warm-up over `warmup` steps to `peak`, then a cosine to `floor` at step `length` (and
    `floor` after it)."""
    if step < warmup:
        return peak * (step + 1) / warmup
    frac = (step - warmup) / max(1, length - warmup)
    return floor + 0.5 * (peak - floor) * (1.0 + math.cos(math.pi * min(1.0, frac)))


def lr_at(step, cfg):
    if cfg.second_from and step >= cfg.second_from:
        return warm_cosine(step - cfg.second_from, cfg.second_lr, cfg.warmup, cfg.steps - cfg.second_from, cfg.min_lr)
    return warm_cosine(step, cfg.lr, cfg.warmup, cfg.decay_steps, cfg.min_lr)  # a min_lr tail after decay_steps


def make_optimizer(model, cfg):
    own_pos = cfg.pos_weight_decay != cfg.weight_decay  # a group of its own only when it differs
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and not (own_pos and n == "wpe.weight")]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    if own_pos:
        groups.append({"params": [model.wpe.weight], "weight_decay": cfg.pos_weight_decay})
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.95), eps=1e-8)


def shape_at(step, cfg):
    """(batch, window) of a step: the first short_steps use windows of short_seq_len, more of
    them, for the same tokens per step (attention over short windows costs less per token);
    the rest use the full context so every position embedding is trained."""
    if step < cfg.short_steps:
        return cfg.batch_size * cfg.seq_len // cfg.short_seq_len, cfg.short_seq_len
    return cfg.batch_size, cfg.seq_len


def batch_at(tokens, step, cfg, eot_id):
    """Windows for one step, drawn from a generator seeded by (seed, step): resumable, repeatable.

    Every window starts with <|endoftext|> (the BOS the tokenizer adds), so a first-token sink has
    a fixed place to form. A share of windows (repeat_share) gets a span written twice, which
    makes in-context copying pay off directly: either random token ids (repeat_random of them; the
    first copy is not scored, since nothing can predict it) or a span of the same window copied to
    a later place. Targets of -100 are not scored.

    With short_offset_share, that share of short windows sits at a random later place in the
    context (first_pos [B]; the window still starts with <|endoftext|>), so positions past
    short_seq_len are trained from the first step, not only in the last steps.
    """
    B, T = shape_at(step, cfg)
    g = np.random.default_rng([cfg.seed, step])
    starts = g.integers(0, len(tokens) - T, size=B)
    seq = np.empty((B, T + 1), dtype=np.int64)  # [B,T+1]: inputs seq[:, :-1], targets seq[:, 1:]
    seq[:, 0] = eot_id
    for b, s in enumerate(starts):
        seq[b, 1:] = tokens[s:s + T]
    y = seq[:, 1:].copy()  # [B,T]
    pointers = cfg.second_from and step >= cfg.second_from
    for b in range(B):
        if pointers:
            u = g.random()
            if u < cfg.pairs_share:
                shuffled_pairs(seq[b], y[b], g, cfg, eot_id)
                continue
            if u < cfg.pairs_share + cfg.skip_share:
                skip_triplets(seq[b], y[b], g, cfg, eot_id)
                continue
        if g.random() >= cfg.repeat_share:
            continue
        n = span_length(g, cfg, T)
        a = int(g.integers(1, T + 1 - 2 * n + 1))  # first copy seq[a:a+n]
        c = int(g.integers(a + n, T + 1 - n + 1))  # second copy seq[c:c+n]
        if g.random() < cfg.repeat_random:
            if cfg.repeat_small and g.random() < cfg.repeat_small:
                seq[b, a:a + n] = g.choice(g.integers(0, eot_id, size=cfg.repeat_alphabet), size=n)
            else:
                seq[b, a:a + n] = g.integers(0, eot_id, size=n)
            y[b, a - 1:a + n - 1] = -100  # the first random copy is unpredictable
        seq[b, c:c + n] = seq[b, a:a + n]
        y[b, c - 1:c + n - 1] = seq[b, c:c + n]
    first_pos = None
    if cfg.short_offset_share and T < cfg.n_positions:  # drawn last: the draws above are unchanged
        moved = g.random(B) < cfg.short_offset_share
        first_pos = torch.from_numpy(np.where(moved, g.integers(1, cfg.n_positions - T + 1, size=B), 0))
    return torch.from_numpy(seq[:, :-1].copy()), torch.from_numpy(y), first_pos


def span_length(g, cfg, T):
    """Tokens of a repeated span in a window of T: repeat_min..repeat_max, two copies fit."""
    return int(g.integers(cfg.repeat_min, min(cfg.repeat_max, T // 2 - 1) + 1))


def shuffled_pairs(seq, y, g, cfg, eot_id):
    """Write n pairs of distinct random ids a1 b1 … an bn into the window seq [T+1], and the same
    pairs again later in a shuffled order; only each b of the second copy is scored (y [T]).

    Unlike a span copied verbatim, the token before a2 in the second copy is not b1, so only the
    exact previous token identifies where b2 was: an induction head whose key blurs the previous
    token with the one before it (or with itself) copies a neighbour instead."""
    T = len(y)
    n = span_length(g, cfg, T) // 2  # pairs
    a = int(g.integers(1, T + 1 - 4 * n + 1))  # first copy seq[a:a+2n]
    c = int(g.integers(a + 2 * n, T + 1 - 2 * n + 1))  # second copy seq[c:c+2n]
    ids = g.choice(eot_id, size=2 * n, replace=False)  # [2n] distinct: no pair is ambiguous
    seq[a:a + 2 * n] = ids
    order = g.permutation(n)
    seq[c:c + 2 * n] = ids.reshape(n, 2)[order].reshape(-1)
    y[a - 1:a + 2 * n - 1] = -100  # the first copy is unpredictable
    y[c - 1:c + 2 * n - 1:2] = -100  # each a of the second copy too (its order is random)
    y[c:c + 2 * n:2] = seq[c + 1:c + 2 * n + 1:2]  # each b: the token after the same a before


def skip_triplets(seq, y, g, cfg, eot_id):
    """Write n triplets of random ids x y x into the window seq [T+1]; only each third token is
    scored (y [T]): it is the token before the one that precedes it, so a head that looks exactly one
    back and copies predicts it, and one that blurs in the token itself or the one before copies a
    wrong token."""
    T = len(y)
    n = span_length(g, cfg, T) // 3 * 3  # tokens
    a = int(g.integers(1, T + 1 - n + 1))  # seq[a:a+n]
    xy = g.integers(0, eot_id, size=(n // 3, 2))  # [n/3, 2]
    seq[a:a + n] = np.concatenate([xy, xy[:, :1]], axis=1).reshape(-1)  # [n/3, 3] → x y x …
    y[a - 1:a + n - 1] = -100
    y[a + 1:a + n - 1:3] = seq[a + 2:a + n:3]  # each third: predicted at the second


@torch.no_grad()
def probe_heads(model, eot_id, rng_seed=11, length=100, repeats=2):
    """Pattern scores and the repeat loss while training (the card's definitions, shorter
    sequences): max previous-token, induction and sink over heads, loss on each copy."""
    from .heads import copy_losses, head_stats, repeated_sequence
    length = min(length, (model.cfg.n_positions - 1) // 2)
    was_training = model.training
    model.eval()
    rng = np.random.default_rng(rng_seed)
    out = {"previousToken": 0.0, "induction": 0.0, "sink": 0.0, "copy1": 0.0, "copy2": 0.0}
    dev = next(model.parameters()).device
    for _ in range(repeats):
        ids = repeated_sequence(rng, eot_id, length)
        logits, _, att = model(torch.tensor([ids], device=dev), want_attention=True)
        s = head_stats(att[0].float().cpu().numpy(), ids)
        for k in ("previousToken", "induction", "sink"):
            out[k] += float(np.nanmax(s[k])) / repeats
        first, second = copy_losses(logits[0].float().cpu().numpy(), ids, length)
        out["copy1"] += first / repeats
        out["copy2"] += second / repeats
    model.train(was_training)
    return out


def save_checkpoint(path, model, opt, step, elapsed, losses, probes=()):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
                "elapsed": elapsed, "losses": losses, "probes": list(probes), "gpt_config": model.cfg.__dict__}, tmp)
    os.replace(tmp, path)


def load_model(ckpt_path):
    ck = torch.load(ckpt_path, map_location="cpu")
    model = GPT(GPTConfig(**ck["gpt_config"]))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def train(cfg, tokens, vocab_size, log, eot_id=None):
    eot_id = vocab_size - 1 if eot_id is None else eot_id  # <|endoftext|> is last
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    ckpt = os.path.join(cfg.build_dir, "checkpoint.pt")
    model = GPT(model_config(cfg, vocab_size))
    init_positions(model, cfg)  # draws no random numbers: every other weight is as with "normal"
    model = model.to(cfg.device)
    opt = make_optimizer(model, cfg)
    step, elapsed, losses, probes = 0, 0.0, [], []
    if os.path.exists(ckpt):
        ck = torch.load(ckpt, map_location=cfg.device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, elapsed, losses = ck["step"], ck["elapsed"], ck["losses"]
        probes = ck.get("probes", [])
        log(f"resumed at step {step} ({elapsed:.0f} s so far)")
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params} parameters; {cfg.steps} steps of {cfg.batch_size}×{cfg.seq_len} tokens")
    model.train()
    t0, last_save, window = time.time() - elapsed, time.time(), []
    while step < cfg.steps:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        x, y, first_pos = batch_at(tokens, step, cfg, eot_id)
        loss = model.loss(x.to(cfg.device), y.to(cfg.device),
                          None if first_pos is None else first_pos.to(cfg.device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        window.append(loss.item())
        if step % 10 == 0 or step == cfg.steps:
            el = time.time() - t0
            tps = step * cfg.batch_size * cfg.seq_len / el  # tokens per step are constant
            losses.append((step, sum(window) / len(window)))
            window = []
            log(f"step {step}/{cfg.steps} loss {losses[-1][1]:.4f} lr {lr_at(step - 1, cfg):.2e} "
                f"{tps:.0f} tok/s elapsed {el:.0f}s eta {(cfg.steps - step) * el / step:.0f}s")
        if cfg.probe_every and (step % cfg.probe_every == 0 or step == cfg.steps):
            p = probe_heads(model, eot_id)
            probes.append((step, p))
            log(f"probe step {step}: previous-token {p['previousToken']:.2f} induction "
                f"{p['induction']:.2f} sink {p['sink']:.2f} copy loss {p['copy1']:.2f} -> {p['copy2']:.2f}")
        if time.time() - last_save > cfg.checkpoint_seconds or step == cfg.steps:
            save_checkpoint(ckpt, model, opt, step, time.time() - t0, losses, probes)
            last_save = time.time()
    model.eval()
    return model

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


def lr_at(step, cfg):
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    frac = (step - cfg.warmup) / max(1, cfg.decay_steps - cfg.warmup)  # ≥ 1: min_lr tail
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1.0 + math.cos(math.pi * min(1.0, frac)))


def make_optimizer(model, cfg):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=cfg.lr, betas=(0.9, 0.95), eps=1e-8)


def shape_at(step, cfg):
    """(batch, window) of a step: the first short_steps use windows of short_seq_len, more of
    them, for the same tokens per step (attention over short windows costs less per token);
    the rest use the full context so every position embedding is trained."""
    if step < cfg.short_steps:
        return cfg.batch_size * cfg.seq_len // cfg.short_seq_len, cfg.short_seq_len
    return cfg.batch_size, cfg.seq_len


def batch_at(tokens, step, cfg):
    """Windows for one step, drawn from a generator seeded by (seed, step): resumable, repeatable."""
    B, T = shape_at(step, cfg)
    g = np.random.default_rng([cfg.seed, step])
    starts = g.integers(0, len(tokens) - T - 1, size=B)
    x = np.stack([tokens[s:s + T] for s in starts]).astype(np.int64)  # [B,T]
    y = np.stack([tokens[s + 1:s + 1 + T] for s in starts]).astype(np.int64)  # [B,T]
    return torch.from_numpy(x), torch.from_numpy(y)


def save_checkpoint(path, model, opt, step, elapsed, losses):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
                "elapsed": elapsed, "losses": losses, "gpt_config": model.cfg.__dict__}, tmp)
    os.replace(tmp, path)


def load_model(ckpt_path):
    ck = torch.load(ckpt_path, map_location="cpu")
    model = GPT(GPTConfig(**ck["gpt_config"]))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def train(cfg, tokens, vocab_size, log):
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    ckpt = os.path.join(cfg.build_dir, "checkpoint.pt")
    model = GPT(model_config(cfg, vocab_size))
    opt = make_optimizer(model, cfg)
    step, elapsed, losses = 0, 0.0, []
    if os.path.exists(ckpt):
        ck = torch.load(ckpt, map_location="cpu")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step, elapsed, losses = ck["step"], ck["elapsed"], ck["losses"]
        log(f"resumed at step {step} ({elapsed:.0f} s so far)")
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params} parameters; {cfg.steps} steps of {cfg.batch_size}×{cfg.seq_len} tokens")
    model.train()
    t0, last_save, window = time.time() - elapsed, time.time(), []
    while step < cfg.steps:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        x, y = batch_at(tokens, step, cfg)
        loss = model.loss(x, y)
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
        if time.time() - last_save > cfg.checkpoint_seconds or step == cfg.steps:
            save_checkpoint(ckpt, model, opt, step, time.time() - t0, losses)
            last_save = time.time()
    model.eval()
    return model

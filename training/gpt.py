"""A GPT-2-architecture decoder (pre-LN, GELU, tied embeddings), small and readable.

Dimension letters: B batch, T new tokens, P past tokens, S = P + T keys, C = n_embd,
H heads, D = C / H head size, V vocabulary. Linear weights are stored [in, out] so that the
ONNX export is a plain MatMul on a named initializer (parameter names survive the export).
"""
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

NEG = -1e9  # "minus infinity" that stays finite when two masks add up


@dataclass
class GPTConfig:
    vocab_size: int
    n_positions: int
    n_layer: int
    n_head: int
    n_embd: int


class Linear(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out).normal_(0.0, 0.02))  # [in, out]
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head = cfg.n_head
        self.c_attn = Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = Linear(cfg.n_embd, cfg.n_embd)

    def forward(self, x, bias, past):
        """x [B,T,C]; bias [B or 1,1,T,S] additive mask (causal and padding); past: (k, v) [B,H,P,D] or None."""
        B, T, C = x.shape
        H, D = self.n_head, C // self.n_head
        q, k, v = (x @ self.c_attn.weight + self.c_attn.bias).split(C, dim=2)  # 3 × [B,T,C]
        q = q.view(B, T, H, D).transpose(1, 2)  # [B,H,T,D]
        k = k.view(B, T, H, D).transpose(1, 2)  # [B,H,T,D]
        v = v.view(B, T, H, D).transpose(1, 2)  # [B,H,T,D]
        if past is not None:
            k = torch.cat([past[0], k], dim=2)  # [B,H,S,D]
            v = torch.cat([past[1], v], dim=2)  # [B,H,S,D]
        # Scaling q [B,H,T,D] rather than the scores [B,H,T,S], and one in-place add of a mask built
        # once per forward, keep elementwise passes over the largest tensor to a minimum (in
        # training and in every exported forward).
        scores = (q * (1.0 / math.sqrt(D))) @ k.transpose(-2, -1)  # [B,H,T,S]
        scores = scores.add_(bias)
        att = F.softmax(scores, dim=-1)  # [B,H,T,S], rows sum to 1
        y = (att @ v).transpose(1, 2).reshape(B, T, C)  # [B,T,C]
        return self.c_proj(y), att, (k, v)


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.c_proj = Linear(4 * cfg.n_embd, cfg.n_embd)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd)
        self.attn = Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = MLP(cfg)

    def forward(self, x, bias, past):
        a, att, present = self.attn(self.ln_1(x), bias, past)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, att, present


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)  # [V,C], also the output head
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)  # [n_positions,C]
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        # Constant causal mask, sliced at run time (a Trilu on booleans has no runtime kernel).
        P = cfg.n_positions
        self.register_buffer("causal", torch.tril(torch.ones(P, P)).bool().view(1, 1, P, P),
                             persistent=False)
        nn.init.normal_(self.wte.weight, 0.0, 0.02)
        nn.init.normal_(self.wpe.weight, 0.0, 0.01)
        for name, p in self.named_parameters():  # GPT-2's scaled init of residual projections
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg.n_layer))

    def forward(self, input_ids, attention_mask=None, past=None, want_attention=False, first_pos=None):
        """input_ids [B,T]; attention_mask [B,S] of 1/0; past: list of (k, v) [B,H,P,D];
        first_pos [B]: training only, the position of each window's first token (default 0).

        Returns logits [B,T,V], presents (list of (k, v) [B,H,S,D]) and, if asked,
        attention [B,L,H,T,S].
        """
        B, T = input_ids.shape
        P = 0 if past is None else past[0][0].shape[2]
        pos = torch.arange(T, dtype=torch.long, device=input_ids.device) + P  # [T]
        if first_pos is not None:
            pos = pos[None, :] + first_pos[:, None]  # [B,T]
        x = self.wte(input_ids) + self.wpe(pos)  # [B,T,C]
        # Additive mask [B or 1, 1, T, S]: 0 where attended, NEG where a key is later than the query
        # (causal) or padded; NEG stays finite where both apply.
        S = P + T
        allowed = self.causal[:, :, P:S, :S]  # [1,1,T,S]
        bias = torch.zeros(allowed.shape, dtype=x.dtype, device=x.device).masked_fill_(~allowed, NEG)
        if attention_mask is not None:
            bias = bias + (1.0 - attention_mask.to(x.dtype))[:, None, None, :] * NEG  # [B,1,T,S]
        atts, presents = [], []
        for i, block in enumerate(self.h):
            x, att, present = block(x, bias, None if past is None else past[i])
            atts.append(att)
            presents.append(present)
        x = self.ln_f(x)
        logits = x @ self.wte.weight.t()  # [B,T,V], tied with the input embedding
        if want_attention:
            return logits, presents, torch.stack(atts, dim=1)  # [B,L,H,T,S]
        return logits, presents

    def loss(self, idx, targets, first_pos=None):
        logits, _ = self.forward(idx, first_pos=first_pos)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1))

"""Export to the transformers.js layout: config files, tokenizer files and
onnx/decoder_model_merged.onnx (one graph; an `If` on use_cache_branch chooses the with-past or
the no-past decoder; weights stored once in the outer graph)."""
import json
import os
import shutil
import tempfile

import torch

from .merge import merge_decoders
from .train import load_model


class NoPast(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        logits, presents = self.model(input_ids, attention_mask)
        return (logits,) + tuple(t for kv in presents for t in kv)


class WithPast(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, attention_mask, past)
        return (logits,) + tuple(t for kv in presents for t in kv)


def io_names(n_layer):
    past = [f"past_key_values.{i}.{kv}" for i in range(n_layer) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(n_layer) for kv in ("key", "value")]
    return past, present


class KeepEveryParameter:
    """The exporter merges initializers with equal values (e.g. two all-zero biases) under one
    name; parameters must keep their own names so the reference can read them back by name.
    Sharing between the two branches is done by `merge` instead."""

    def __enter__(self):
        self.saved = torch._C._jit_pass_onnx_deduplicate_initializers
        torch._C._jit_pass_onnx_deduplicate_initializers = lambda graph, params, training: params

    def __exit__(self, *exc):
        torch._C._jit_pass_onnx_deduplicate_initializers = self.saved


def export_branch(module, args, input_names, output_names, path):
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    for n in input_names:
        if n.startswith("past_key_values"):
            axes[n] = {0: "batch_size", 2: "past_sequence_length"}
    for n in output_names:
        if n.startswith("present"):
            axes[n] = {0: "batch_size", 2: "total_sequence_length"}
    with KeepEveryParameter():
        torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                          dynamic_axes=axes, opset_version=14, do_constant_folding=False)


def write_configs(out_dir, cfg, vocab_size, eot_id):
    conf = {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "vocab_size": vocab_size, "n_positions": cfg.n_positions, "n_ctx": cfg.n_positions,
        "n_embd": cfg.n_embd, "n_layer": cfg.n_layer, "n_head": cfg.n_head, "n_inner": None,
        "activation_function": "gelu", "layer_norm_epsilon": 1e-5,
        "bos_token_id": eot_id, "eos_token_id": eot_id,
        "tie_word_embeddings": True, "use_cache": True, "torch_dtype": "float32",
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(conf, f, indent=2)
    gen = {"bos_token_id": eot_id, "eos_token_id": eot_id, "pad_token_id": eot_id}
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump(gen, f, indent=2)


def export_model(run):
    cfg = run.cfg
    model, ck = load_model(run.path("checkpoint.pt"))
    tok = run.tokenizer()
    L, H, C = cfg.n_layer, cfg.n_head, cfg.n_embd
    os.makedirs(os.path.join(cfg.out_dir, "onnx"), exist_ok=True)
    write_configs(cfg.out_dir, cfg, tok.vocab_size, tok.eot_id)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(run.path(os.path.join("tokenizer", name)), os.path.join(cfg.out_dir, name))
    past_names, present_names = io_names(L)
    ids = torch.tensor([[1, 2, 3]], dtype=torch.long)  # [B=1,T=3]
    past = tuple(torch.zeros(1, H, 2, C // H) for _ in range(2 * L))  # each [B,H,P=2,D]
    with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
        with_past, no_past = os.path.join(tmp, "with_past.onnx"), os.path.join(tmp, "no_past.onnx")
        export_branch(WithPast(model), (ids, torch.ones(1, 5, dtype=torch.long)) + past,
                      ["input_ids", "attention_mask"] + past_names, ["logits"] + present_names,
                      with_past)
        export_branch(NoPast(model), (ids, torch.ones(1, 3, dtype=torch.long)),
                      ["input_ids", "attention_mask"], ["logits"] + present_names, no_past)
        path = os.path.join(cfg.out_dir, "onnx", "decoder_model_merged.onnx")
        merge_decoders(with_past, no_past, path)
    run.log(f"export: {path} ({os.path.getsize(path)} bytes) from step {ck['step']}")

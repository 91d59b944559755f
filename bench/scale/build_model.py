"""Builds the scale benchmark's model: GPT-2-small-shaped (12 layers x 12 heads x 768 wide, 1,024
positions), random weights from a fixed seed (speed does not depend on the values), the bundled
model's tokenizer and vocabulary, exported by the project's own exporter (training/export.py,
training/gpt.py, training/merge.py: imported, not changed) into the transformers.js layout.

    python3 bench/scale/build_model.py --repo ROOT --out DIR

Writes DIR/{config.json, generation_config.json, tokenizer*.json, onnx/decoder_model_merged.onnx}
and, last, DIR/built.json (the recipe): a folder without it is incomplete.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

RECIPE = {"n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024, "seed": 1234, "version": 1}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True, help="repository root (training/ and model/ are read from it)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    sys.path.insert(0, args.repo)
    import torch
    from training.export import NoPast, WithPast, export_branch, io_names, write_configs
    from training.gpt import GPT, GPTConfig
    from training.merge import merge_decoders

    t0 = time.time()
    bundled = os.path.join(args.repo, "model")
    with open(os.path.join(bundled, "config.json")) as f:
        bundled_conf = json.load(f)
    vocab, eot = bundled_conf["vocab_size"], bundled_conf["eos_token_id"]
    torch.manual_seed(RECIPE["seed"])
    cfg = GPTConfig(vocab_size=vocab, n_positions=RECIPE["n_positions"], n_layer=RECIPE["n_layer"],
                    n_head=RECIPE["n_head"], n_embd=RECIPE["n_embd"])
    model = GPT(cfg).eval()
    L, H, C = cfg.n_layer, cfg.n_head, cfg.n_embd

    out = os.path.abspath(args.out)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "onnx"))
    write_configs(out, cfg, vocab, eot)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(bundled, name), os.path.join(out, name))
    past_names, present_names = io_names(L)
    ids = torch.tensor([[1, 2, 3]], dtype=torch.long)  # [B=1, T=3]
    past = tuple(torch.zeros(1, H, 2, C // H) for _ in range(2 * L))  # each [B, H, P=2, D]
    with tempfile.TemporaryDirectory(dir=out) as tmp, torch.no_grad():
        with_past, no_past = os.path.join(tmp, "with_past.onnx"), os.path.join(tmp, "no_past.onnx")
        export_branch(WithPast(model), (ids, torch.ones(1, 5, dtype=torch.long)) + past,
                      ["input_ids", "attention_mask"] + past_names, ["logits"] + present_names, with_past)
        export_branch(NoPast(model), (ids, torch.ones(1, 3, dtype=torch.long)),
                      ["input_ids", "attention_mask"], ["logits"] + present_names, no_past)
        merge_decoders(with_past, no_past, os.path.join(out, "onnx", "decoder_model_merged.onnx"))
    params = sum(p.numel() for p in model.parameters())
    with open(os.path.join(out, "built.json"), "w") as f:
        json.dump({**RECIPE, "vocab_size": vocab, "params": params, "seconds": round(time.time() - t0, 1)}, f)
    print(json.dumps({"out": out, "params": params, "seconds": round(time.time() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

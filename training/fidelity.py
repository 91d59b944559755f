"""Fidelity fixture next to the exported model: sample texts, their token ids, and the PyTorch
logits [T,V] and attention [L,H,T,T] as little-endian float32 files, listed in index.json.
The Node tests run the ONNX model on the same ids and compare (max abs difference ≤ 1e-4)."""
import json
import os

from .bpe import Tokenizer
from .reference import forward, load_from_onnx

SAMPLES = {
    "python": (
        "def mean(values):\n"
        "    \"\"\"Average of a non-empty list.\"\"\"\n"
        "    return sum(values) / len(values)\n"),
    "typescript": (
        "export function clamp(x: number, lo: number, hi: number): number {\n"
        "  return Math.min(hi, Math.max(lo, x));\n}\n"),
    "long": (
        "# Attention, seen as a kernel smoother\n\n"
        "Each query position takes a weighted average of the value vectors at earlier "
        "positions, with weights softmax(q·k/√d). One row of a heatmap is one such kernel.\n\n"
        "```ts\nconst rows = attention.length; // [Q]\nfor (let q = 0; q < rows; q++) {\n"
        "  let total = 0;\n  for (let k = 0; k <= q; k++) total += attention[q][k];\n"
        "  console.assert(Math.abs(total - 1) < 1e-5, `row ${q} sums to ${total}`);\n}\n```\n\n"
        "A causal language model is a Markov model of bounded order: given the last tokens, it "
        "predicts the next one. Repeat: the quick brown fox jumps over the lazy dog; the quick "
        "brown fox jumps over the lazy dog. Café, naïve, 東京, emoji 😀, tabs\tand CRLF\r\nend.\n"),
}


MAX_TOKENS = 160  # the long sample stays ≥ 128 tokens while the fixture stays a few MB


def fit_ids(tok, text, limit):
    """<|endoftext|> (the BOS the exported tokenizer adds) and the token ids of `text`, at most
    `limit` in all, cut such that encode(decode(ids[1:])) == ids[1:]."""
    ids = tok.encode(text)[:limit - 1]
    while ids and tok.encode(tok.decode(ids)) != ids:
        ids = ids[:-1]
    return [tok.eot_id] + ids


def write_fixture(run):
    out = os.path.join(run.cfg.out_dir, "fidelity")
    os.makedirs(out, exist_ok=True)
    tok = Tokenizer.load(run.cfg.out_dir)
    model = load_from_onnx(run.cfg.out_dir)
    entries = []
    for name, text in SAMPLES.items():
        ids = fit_ids(tok, text, min(MAX_TOKENS, model.cfg.n_positions))
        logits, att = forward(model, ids)
        logits.astype("<f4").tofile(os.path.join(out, f"{name}.logits.bin"))
        att.astype("<f4").tofile(os.path.join(out, f"{name}.attention.bin"))
        entries.append({"name": name, "text": tok.decode(ids[1:]), "ids": ids,
                        "logits": {"file": f"{name}.logits.bin", "shape": list(logits.shape)},
                        "attention": {"file": f"{name}.attention.bin", "shape": list(att.shape)}})
    index = {"dtype": "float32", "byteOrder": "little", "tolerance": 1e-4,
             "layout": {"logits": "[T, V]", "attention": "[L, H, T, T]"}, "samples": entries}
    with open(os.path.join(out, "index.json"), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, ensure_ascii=False)
    run.log(f"fidelity: {len(entries)} samples, lengths {[len(e['ids']) for e in entries]}")

"""Writes MODEL_CARD.md from the pipeline's own measurements (never edited by hand)."""
import json
import os
import time

from .bpe import PRETOKENIZE

BASELINES = [("gzip -9", "gzip -9 on the held-out bytes"), ("xz -9e", "xz -9e on the held-out bytes")]


def _table(rows):
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows[1:]]
    return out


def _training_facts(run):
    import torch
    ck = torch.load(run.path("checkpoint.pt"), map_location="cpu")
    losses = ck["losses"]
    return (ck["step"], ck["elapsed"], losses[-1][1] if losses else float("nan"), ck["gpt_config"],
            ck.get("probes", []))


def write_card(run, r):
    cfg = run.cfg
    with open(run.path("manifest.json")) as f:
        man = json.load(f)
    step, wall, last_loss, gcfg, probes = _training_facts(run)
    n_params = (gcfg["vocab_size"] + gcfg["n_positions"]) * gcfg["n_embd"] + gcfg["n_layer"] * (
        12 * gcfg["n_embd"] ** 2 + 13 * gcfg["n_embd"]) + 2 * gcfg["n_embd"]
    L = [f"# Attention Lens bundled model ({cfg.name} configuration)", "",
         "Written by `python3 -m training.pipeline --config " + cfg.name + "` on "
         + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()) + "; do not edit by hand.", "",
         "A small GPT-2-architecture decoder trained from scratch, on CPU, on licence-clean code "
         "and prose, so the extension works offline without downloading weights.",
         "", "## Architecture", ""]
    L += _table([["setting", "value"],
                 ["layers / heads / width", f"{gcfg['n_layer']} / {gcfg['n_head']} / {gcfg['n_embd']}"],
                 ["context (n_positions)", gcfg["n_positions"]],
                 ["vocabulary", f"{gcfg['vocab_size']} (byte-level BPE, `<|endoftext|>` last)"],
                 ["parameters", f"{n_params:,} (embeddings tied with the output head)"],
                 ["blocks", "pre-LayerNorm, GELU MLP ×4, causal softmax attention"],
                 ["ONNX", "`onnx/decoder_model_merged.onnx`, fp32, opset 14, `If` on `use_cache_branch`"],
                 ["Markov chains", f"`markov/`: interpolated Kneser–Ney with 1–{cfg.markov_order} tokens of context, "
                                   f"fitted on the training tokens, counts below "
                                   f"{'/'.join(map(str, cfg.markov_min_counts[1:]))} pruned (`markov_export.py`)"]])
    L += ["", "## Training", ""]
    L += _table([["setting", "value"],
                 ["optimiser", f"AdamW (β 0.9/0.95, weight decay {cfg.weight_decay} on matrices"
                               + (f", {cfg.pos_weight_decay} on the position embeddings"
                                  if cfg.pos_weight_decay != cfg.weight_decay else "")
                               + "), grad clip 1.0"],
                 ["schedule", f"warm-up {cfg.warmup} steps to {cfg.lr}, cosine to {cfg.min_lr} at step "
                              f"{cfg.decay_steps}"
                              + (f"; from step {cfg.second_from}: warm-up {cfg.warmup} steps to {cfg.second_lr}, "
                                 f"cosine to {cfg.min_lr} at step {cfg.steps}" if cfg.second_from
                                 else f", then constant {cfg.min_lr}")],
                 ["steps × batch", f"{min(step, cfg.short_steps)} × "
                                   f"{cfg.batch_size * cfg.seq_len // cfg.short_seq_len} windows of "
                                   f"{cfg.short_seq_len} tokens, then {max(0, step - cfg.short_steps)} × "
                                   f"{cfg.batch_size} windows of {cfg.seq_len} "
                                   f"({step * cfg.batch_size * cfg.seq_len:,} tokens)"
                                   + (f"; {cfg.short_offset_share:.0%} of the short windows sit at a random "
                                      "later position in the context, so every position embedding is trained "
                                      "from the start" if cfg.short_offset_share else "")],
                 ["data", f"every window starts with `<|endoftext|>` (the BOS the tokenizer adds); "
                          f"{cfg.repeat_share:.0%} of windows get a span of {cfg.repeat_min}–"
                          f"{cfg.repeat_max} tokens written twice ({cfg.repeat_random:.0%} of them "
                          "random token ids whose first copy is not scored, the rest a span of the "
                          "same window copied later)"
                          + (f"; {cfg.repeat_small:.0%} of the random spans drawn from only "
                             f"{cfg.repeat_alphabet} ids, where copying needs the tokens' order"
                             if cfg.repeat_small else "")
                          + (f"; from step {cfg.second_from}, {cfg.pairs_share:.0%} of windows hold random "
                             "(a, b) pairs written twice, the second time shuffled (only each b scored), and "
                             f"{cfg.skip_share:.0%} random triplets x y x (only the third scored): both are "
                             "predicted only by a head that looks exactly one token back"
                             if cfg.second_from else "")],
                 ["initialisation", "GPT-2's (normal, std 0.02; residual projections scaled by 1/√(2 × layers)); "
                                    + (f"position embeddings sinusoidal, scaled to element std {cfg.pos_std}"
                                       if cfg.pos_init == "sinusoidal" else "position embeddings normal, std 0.01")],
                 ["final training loss", f"{last_loss:.3f} nats/token (mean of the last 10 steps)"],
                 ["wall time", f"{wall / 60:.1f} min on {cfg.threads} CPU thread{'s' if cfg.threads != 1 else ''} (machine shared with other work)"],
                 ["seed", cfg.seed],
                 ["tokenizer", f"merges learned from {cfg.bpe_sample_bytes:,} sample characters; "
                               "pre-tokenization pattern below"]])
    L += ["", "Pre-tokenization pattern (tokenizer.json `Split`, then byte-level):", "",
          "```", PRETOKENIZE, "```"]
    L += _evaluation_section(r, gcfg)
    L += _heads_section(r["heads"])
    L += _probes_section(probes)
    L += _corpus_section(man)
    with open(os.path.join(cfg.out_dir, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")


def _evaluation_section(r, gcfg):
    a, n = r["all"], r["novel"]
    L = ["", "## Held-out evaluation", "",
         f"Held-out files are whole files never trained on, held out with their whole group (an npm "
         f"package, a top-level stdlib package or module) by a hash of the group's name; "
         f"{a['files']} of them ({a['bytes']:,} bytes, {a['tokens']:,} tokens) are evaluated, "
         "taken in turn from each source. Some may still resemble training files (licence headers, "
         "boilerplate shared across packages), which rewards memorising n-grams; so every number "
         "is also given for the held-out files "
         f"whose token 8-grams are less than {r['near_duplicate_threshold']:.0%} found in the "
         "training tokens (\"novel\"" + (f": {n['files']} files, {n['bytes']:,} bytes)." if n else ": none).") ,
         "",
         f"The model reads each file after a `<|endoftext|>` in sliding windows of "
         f"{gcfg['n_positions']} tokens (stride half a window). gzip and xz compress either each "
         "file alone (like the model, which carries nothing from one file to the next) or all "
         "files concatenated (which lets them copy across files). The Markov models are "
         "token-level with interpolated Kneser–Ney smoothing, trained on all training tokens.", ""]
    rows = [["bits per byte", "all held-out files", "novel held-out files"],
            ["**this model**", f"**{a['model']:.4f}**", f"**{n['model']:.4f}**" if n else "–"]]
    for b in a["baselines"]:
        rows.append([b, f"{a[b]:.4f}", f"{n[b]:.4f}" if n else "–"])
    rows.append(["top-1 next-token accuracy (model)", f"{a['top1_accuracy']:.4f}",
                 f"{n['top1_accuracy']:.4f}" if n else "–"])
    L += _table(rows)
    if r.get("by_source"):
        L += ["", "By source (model, all held-out files):", ""]
        L += _table([["source", "files", "bytes", "bits per byte"]] +
                    [[k, v["files"], f"{v['bytes']:,}", f"{v['model']:.4f}"] for k, v in r["by_source"].items()])
    L.append("")
    for name, s in (("all held-out files", a), ("novel held-out files", n)):
        if not s:
            continue
        lost = [b for b in s["baselines"] if s["model"] >= s[b]]
        L.append(f"- On {name} the model beats every baseline (the bar is met)." if not lost else
                 f"- On {name} the model does **not** beat: {', '.join(lost)} (the bar "
                 "\"lower than every baseline\" is not met).")
    return L + [""]


def _heads_section(h):
    th = h["thresholds"]
    L = ["## Attention heads", "",
         "Scores per head (layer.head), by the definitions the panel's head statistics use too "
         "(`src/common/headScores.json`). Previous token: mean weight on the key just before the "
         "query, and first-token sink: mean weight on key 0 (queries from 1 on), both over held-out "
         "windows that start with `<|endoftext|>`. Induction: on a random token sequence repeated "
         "twice, mean weight a query puts on the tokens that followed earlier copies of its own "
         "token. Bracket matching: mean weight from a closing bracket to its opening one "
         f"({h['bracket_pairs']} pairs in held-out text).", ""]
    kinds = list(h["scores"])
    first = h["scores"][kinds[0]]
    rows = [["head"] + [f"{k} (≥ {th[k]})" for k in kinds]]
    for l in range(len(first)):
        for hh in range(len(first[0])):
            rows.append([f"{l}.{hh}"] + [f"{h['scores'][k][l][hh]:.3f}" for k in kinds])
    L += _table(rows)
    L += [""]
    for k in kinds:
        names = ", ".join(f"{l}.{hh} ({v:.2f})" for l, hh, v in h["passing"][k]) or "none"
        L.append(f"- {k}: {names}")
    L += ["", "In-context copying (random token ids after `<|endoftext|>`, written twice; mean loss "
          "per token of each copy after its first token):", ""]
    rows = [["tokens per copy", "first copy (nats)", "second copy (nats)"]]
    if "short_copy_length" in h and h["short_copy_length"] != h.get("copy_length"):
        rows.append([h["short_copy_length"], f"{h['short_copy_loss_first']:.3f}",
                     f"{h['short_copy_loss_second']:.3f}"])
    rows.append([h.get("copy_length", "–"), f"{h['copy_loss_first']:.3f}", f"{h['copy_loss_second']:.3f}"])
    L += _table(rows)
    return L + [""]


def _probes_section(probes):
    """How the pattern scores and the copy loss grew during training (100-token random copies)."""
    if not probes:
        return []
    L = ["## During training", "",
         "Every few hundred steps: the highest previous-token, induction and sink score over all "
         "heads, and the loss on each copy, on random token ids written twice (100 tokens per copy).", ""]
    rows = [["step", "previous-token", "induction", "sink", "copy loss 1st → 2nd (nats)"]]
    every = max(1, len(probes) // 12)
    for i, (step, p) in enumerate(probes):
        if i % every == 0 or i == len(probes) - 1:
            rows.append([step, f"{p['previousToken']:.2f}", f"{p['induction']:.2f}", f"{p['sink']:.2f}",
                         f"{p['copy1']:.2f} → {p['copy2']:.2f}"])
    return L + _table(rows) + [""]


def _corpus_section(man):
    L = ["## Training data", "",
         "Files are picked per source in a fixed hash order up to a byte cap; whole packages (npm "
         "packages, top-level stdlib packages or modules) are held out by a hash of their name; exact "
         "copies and near copies (at least 60 % of a file's substantive lines already taken) are "
         "dropped.", ""]
    rows = [["source", "licences", "files", "bytes", "held-out files", "held-out bytes"]]
    desc = {"python-stdlib": "Python 3.11 standard library (/usr/lib/python3.11)",
            "typescript-lib": "TypeScript lib.*.d.ts (node_modules/typescript/lib)",
            "npm-code": "JS/TS sources of permissively licensed npm packages",
            "npm-markdown": "Markdown of the same packages",
            "debian-readme": "README files of Debian packages with permissive DEP-5 copyright"}
    for name, s in man["sources"].items():
        rows.append([desc.get(name, name), ", ".join(s["licences"]), s["files"], f"{s['bytes']:,}",
                     s["heldout_files"], f"{s['heldout_bytes']:,}"])
    L += _table(rows)
    L += ["", f"npm packages ({len(man['npm_packages'])}; package.json `license`, bytes used):", ""]
    L.append(", ".join(f"{p} ({v['licence']}, {v['bytes']:,})" for p, v in man["npm_packages"].items()))
    return L + [""]

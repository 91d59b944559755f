"""Corpus from licence-clean offline sources, with deterministic file lists and whole-file hold-out.

Sources: Python's standard library (PSF-2.0), TypeScript's lib.*.d.ts (Apache-2.0), code and
Markdown of npm packages in node_modules whose package.json licence is permissive, and English
README files of Debian packages whose machine-readable copyright file names only permissive
licences. Every document records its source, path and licence for the model card.
"""
import gzip
import hashlib
import json
import os
import re
from dataclasses import dataclass

from .config import REPO

PERMISSIVE = {"MIT", "ISC", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "Apache-2.0", "Expat", "BSD"}
CODE_EXT = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")


@dataclass
class Doc:
    source: str
    path: str      # relative to the source root, stable across machines
    licence: str
    text: str
    heldout: bool


def path_hash(path):
    """Stable 64-bit hash of a path: decides the file order within a source and the hold-out."""
    return int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:8], "big")


def holdout_group(source, path):
    """What is held out together: a whole npm package, a top-level stdlib package or module,
    a Debian package's docs. Files of one group are often near-copies of each other (a
    package's esm/cjs/browser builds, the stdlib's generated codecs), so splitting a group
    between training and evaluation would leak."""
    parts = path.split("/")
    if source.startswith("npm-"):
        return "npm:" + "/".join(parts[:2] if parts[0].startswith("@") else parts[:1])
    return source + ":" + parts[0]


def is_heldout(group, permille):
    return (path_hash("holdout:" + group) % 1000) < permille


def line_keys(text):
    """Hashes of a file's substantive lines (stripped, at least 12 characters)."""
    lines = (raw.strip() for raw in text.split("\n"))
    return {hashlib.blake2b(line.encode("utf-8"), digest_size=8).digest()
            for line in lines if len(line) >= 12}


def read_text(path, max_bytes, gz=False):
    """UTF-8 text of a file, or None for binary, minified, tiny or huge files."""
    try:
        opener = gzip.open if gz else open
        with opener(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError:
        return None
    if len(raw) > max_bytes or len(raw) < 200 or b"\0" in raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if max(len(line) for line in text.split("\n")) > 1000:
        return None  # minified or generated
    return text


def walk_sorted(root, accept):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if accept(full) and os.path.isfile(full) and not os.path.islink(full):
                found.append(full)
    return found


def python_files():
    root = "/usr/lib/python3.11"
    skip = re.compile(r"/(test|tests|idle_test|site-packages|dist-packages|__pycache__)/")
    return root, walk_sorted(root, lambda p: p.endswith(".py") and not skip.search(p))


def ts_lib_files():
    root = os.path.join(REPO, "node_modules", "typescript", "lib")
    names = sorted(n for n in os.listdir(root) if n.startswith("lib.") and n.endswith(".d.ts"))
    return root, [os.path.join(root, n) for n in names]


def pinned_npm_packages():
    """Names in training/npm_packages.txt: the corpus's npm part is limited to them, so adding a
    devDependency (or an npm version bringing new packages) never changes the training data."""
    with open(os.path.join(REPO, "training", "npm_packages.txt"), encoding="utf-8") as f:
        return {line.strip() for line in f if line.strip() and not line.startswith("#")}


def npm_packages():
    """(package dir, name, licence) for the pinned top-level packages with a permissive licence, sorted."""
    nm = os.path.join(REPO, "node_modules")
    pinned = pinned_npm_packages()
    dirs = []
    for name in sorted(os.listdir(nm)):
        if name.startswith("."):
            continue
        if name.startswith("@"):
            dirs += [os.path.join(nm, name, sub) for sub in sorted(os.listdir(os.path.join(nm, name)))]
        else:
            dirs.append(os.path.join(nm, name))
    out = []
    for d in dirs:
        try:
            with open(os.path.join(d, "package.json"), encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError):
            continue
        lic = meta.get("license")
        if meta.get("name", os.path.basename(d)) in pinned and isinstance(lic, str) and lic.strip("()") in PERMISSIVE:
            out.append((d, meta.get("name", os.path.basename(d)), lic.strip("()")))
    return out


def npm_files(packages, want_markdown):
    files = []
    for d, name, lic in packages:
        def accept(p):
            if "/node_modules/" in p[len(d):]:
                return False  # nested packages carry their own licences
            if want_markdown:
                return p.lower().endswith(".md")
            return p.endswith(CODE_EXT) and not p.endswith(".min.js")
        files += [(p, lic) for p in walk_sorted(d, accept)]
    return files


DEP5_LICENCE = re.compile(r"^License:\s*(\S+)", re.M)


def debian_readmes():
    """README files of Debian packages whose DEP-5 copyright names only permissive licences."""
    root = "/usr/share/doc"
    out = []
    for pkg in sorted(os.listdir(root)):
        try:
            with open(os.path.join(root, pkg, "copyright"), encoding="utf-8") as f:
                lics = set(DEP5_LICENCE.findall(f.read()))
        except (OSError, UnicodeDecodeError):
            continue
        if not lics or not lics <= PERMISSIVE:
            continue
        lic = "/".join(sorted(lics))
        for name in sorted(os.listdir(os.path.join(root, pkg))):
            if name.upper().startswith("README") and "debian" not in name.lower():
                out.append((os.path.join(root, pkg, name), lic))
    return out


NEAR_COPY = 0.6  # share of a file's substantive lines already taken that makes it a near-copy


def take(source, root, files_with_licence, cap, cfg, seen, seen_lines):
    """Documents from one source, in hash order, until its byte cap; exact and near copies of
    files already taken are dropped, so the cap buys distinct text."""
    docs, total = [], 0
    order = sorted(files_with_licence, key=lambda fl: path_hash(os.path.relpath(fl[0], root)))
    for full, lic in order:
        if total >= cap or len(docs) >= cfg.max_files_per_source:
            break
        text = read_text(full, cfg.max_file_bytes, gz=full.endswith(".gz"))
        if text is None:
            continue
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        if digest in seen:
            continue
        seen.add(digest)
        keys = line_keys(text)
        if keys and len(keys & seen_lines) >= NEAR_COPY * len(keys):
            continue
        seen_lines |= keys
        rel = os.path.relpath(full, root)
        group = holdout_group(source, rel)
        docs.append(Doc(source, rel, lic, text, is_heldout(group, cfg.holdout_permille)))
        total += len(text.encode("utf-8"))
    return docs


def build_corpus(cfg):
    """All documents, in a fixed order (source, then path hash)."""
    seen, seen_lines = set(), set()
    docs = []
    root, files = python_files()
    docs += take("python-stdlib", root, [(f, "PSF-2.0") for f in files], cfg.cap_python, cfg, seen, seen_lines)
    root, files = ts_lib_files()
    docs += take("typescript-lib", root, [(f, "Apache-2.0") for f in files], cfg.cap_ts_lib, cfg, seen, seen_lines)
    packages = npm_packages()
    nm = os.path.join(REPO, "node_modules")
    docs += take("npm-code", nm, npm_files(packages, False), cfg.cap_js, cfg, seen, seen_lines)
    docs += take("npm-markdown", nm, npm_files(packages, True), cfg.cap_markdown, cfg, seen, seen_lines)
    if cfg.cap_debian_doc > 0:
        docs += take("debian-readme", "/usr/share/doc", debian_readmes(), cfg.cap_debian_doc, cfg, seen, seen_lines)
    return docs


def manifest(docs):
    """Per-source and per-package sizes and licences, for the model card."""
    sources, packages = {}, {}
    for d in docs:
        n = len(d.text.encode("utf-8"))
        s = sources.setdefault(d.source, {"files": 0, "bytes": 0, "heldout_files": 0,
                                          "heldout_bytes": 0, "licences": set()})
        s["files"] += 1
        s["bytes"] += n
        s["licences"].add(d.licence)
        if d.heldout:
            s["heldout_files"] += 1
            s["heldout_bytes"] += n
        if d.source.startswith("npm-"):
            parts = d.path.split("/")
            pkg = "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]
            p = packages.setdefault(pkg, {"licence": d.licence, "bytes": 0})
            p["bytes"] += n
    for s in sources.values():
        s["licences"] = sorted(s["licences"])
    return {"sources": sources, "npm_packages": dict(sorted(packages.items()))}


def save_corpus(docs, path):
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d.__dict__, ensure_ascii=False) + "\n")


def load_corpus(path):
    with open(path, encoding="utf-8") as f:
        return [Doc(**json.loads(line)) for line in f]

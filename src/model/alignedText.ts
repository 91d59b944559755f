// Text as the tokenizer's normaliser and pre-tokenizer rewrite it, each UTF-16 unit of the result
// remembering the range of the original text it came from.
//
// Every step mirrors what transformers.js 2.17 does to the text (its normalizers, the Metaspace
// and ByteLevel prefixes), so the tokens it produces can be matched against this text exactly.
// Units inserted by the tokenizer (a prepended ▁, spaces around CJK characters) have an empty
// range; characters it deletes (controls, stripped accents) are simply absent.

type Json = Record<string, unknown>;

export interface Aligned {
  text: string;
  /** [start[i], end[i]) is the original range of text unit i; start === end: inserted. */
  start: Int32Array;
  end: Int32Array;
  /** Where the original text ends (insertions at the end land here). */
  tail: number;
}

/** The identity alignment of `text`, its offsets shifted by `offset`. */
export function alignedOf(text: string, offset = 0): Aligned {
  const start = new Int32Array(text.length);
  const end = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) { start[i] = offset + i; end[i] = offset + i + 1; }
  // A surrogate pair is one character: both units carry the pair's range.
  for (let i = 0; i + 1 < text.length; i++) {
    if (isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1))) { end[i] = offset + i + 2; start[i + 1] = offset + i; i++; }
  }
  return { text, start, end, tail: offset + text.length };
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

class Builder {
  private readonly parts: string[] = [];
  private readonly s: number[] = [];
  private readonly e: number[] = [];
  constructor(private readonly from: Aligned) {}
  /** Output `str` for input units [i, j) (i === j: inserted before unit i). */
  push(str: string, i: number, j: number): void {
    if (str.length === 0) return;
    const a = this.from;
    let s: number;
    let e: number;
    if (i < j) {
      s = a.start[i]!; e = a.end[i]!;
      for (let k = i + 1; k < j; k++) { s = Math.min(s, a.start[k]!); e = Math.max(e, a.end[k]!); }
    } else {
      s = e = i < a.text.length ? a.start[i]! : a.tail;
    }
    this.parts.push(str);
    for (let k = 0; k < str.length; k++) { this.s.push(s); this.e.push(e); }
  }
  /** Input units [i, j) unchanged. */
  copy(i: number, j: number): void {
    if (i >= j) return;
    const a = this.from;
    this.parts.push(a.text.slice(i, j));
    for (let k = i; k < j; k++) { this.s.push(a.start[k]!); this.e.push(a.end[k]!); }
  }
  done(): Aligned {
    return { text: this.parts.join(''), start: Int32Array.from(this.s), end: Int32Array.from(this.e), tail: this.from.tail };
  }
}

/** Length in units of the character at i (a lone surrogate counts as one). */
function charLength(text: string, i: number): number {
  return isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
}

/**
 * Whether `c` is a non-starter a normal form may reorder (canonical combining class > 1): such a
 * character would be moved in front of U+0334 (class 1). Variation selectors and other class-0
 * marks are starters: they stay put and need not join the run before them.
 */
const reorderable = new Map<string, boolean>();
function isReorderable(c: string): boolean {
  let r = reorderable.get(c);
  if (r === undefined) reorderable.set(c, (r = (c + '\u0334').normalize('NFD') !== c.normalize('NFD') + '\u0334'));
  return r;
}

/** Applies `f` to each character on its own. */
export function mapChars(a: Aligned, f: (ch: string) => string): Aligned {
  const b = new Builder(a);
  for (let i = 0; i < a.text.length; ) {
    const n = charLength(a.text, i);
    b.push(f(a.text.slice(i, i + n)), i, i + n);
    i += n;
  }
  return b.done();
}

/**
 * Applies a whole-text transform (a Unicode normal form) to the smallest runs of characters it
 * treats independently: a run grows while f(run + next) differs from f(run) + f(next) (and, when
 * marks were reordered across runs, over every reorderable mark), so Hangul
 * jamo that compose, or marks that reorder, stay with their base.
 */
export function segmentwise(a: Aligned, f: (s: string) => string, growOverMarks = false): Aligned {
  const whole = f(a.text);
  if (whole === a.text) return a;
  const b = new Builder(a);
  let i = 0;
  while (i < a.text.length) {
    let j = i + charLength(a.text, i);
    let run = a.text.slice(i, j);
    let out = f(run);
    while (j < a.text.length && a.text.charCodeAt(j) >= 0x300) {
      const n = charLength(a.text, j);
      const next = a.text.slice(j, j + n);
      const joined = f(run + next);
      if (joined === out + f(next) && !(growOverMarks && isReorderable(next))) break;
      run += next; out = joined; j += n;
    }
    // A base the marks could not attach to (a control character) keeps its own range.
    const first = charLength(a.text, i);
    if (growOverMarks && j > i + first && out === f(run.slice(0, first)) + f(run.slice(first))) {
      b.push(f(run.slice(0, first)), i, i + first);
      b.push(f(run.slice(first)), i + first, j);
    } else {
      b.push(out, i, j);
    }
    i = j;
  }
  const result = b.done();
  if (result.text === whole) return result;
  // Marks reordered across runs (canonical ordering): keep every run of marks with its base.
  if (!growOverMarks) return segmentwise(a, f, true);
  // Still not the whole (should not happen): one run for everything, exact as a whole.
  const one = new Builder(a);
  one.push(whole, 0, a.text.length);
  return one.done();
}

/** toLowerCase, character by character, with the one context rule (final sigma) taken from the whole. */
function lowercase(a: Aligned): Aligned {
  const whole = a.text.toLowerCase();
  if (whole === a.text) return a;
  const mapped = mapChars(a, (c) => c.toLowerCase());
  if (mapped.text === whole) return mapped;
  if (mapped.text.length === whole.length) return { ...mapped, text: whole }; // σ ↔ ς only
  return segmentwise(a, (s) => s.toLowerCase());
}

/** String.replaceAll(re, content) with each replacement taking the range of what it replaced. */
export function replaceAligned(a: Aligned, re: RegExp, content: string): Aligned {
  const b = new Builder(a);
  let last = 0;
  let matched = false;
  for (const m of a.text.matchAll(re)) {
    const at = m.index!;
    if (at > last) copy(b, a, last, at);
    b.push(content, at, at + m[0].length);
    last = at + m[0].length;
    matched = true;
  }
  if (!matched) return a;
  copy(b, a, last, a.text.length);
  return b.done();
}

function copy(b: Builder, _a: Aligned, from: number, to: number): void {
  b.copy(from, to);
}

export function prepend(a: Aligned, str: string): Aligned {
  const b = new Builder(a);
  b.push(str, 0, 0);
  copy(b, a, 0, a.text.length);
  return b.done();
}

function strip(a: Aligned, left: boolean, right: boolean): Aligned {
  let from = 0;
  let to = a.text.length;
  if (left) from = a.text.length - a.text.trimStart().length;
  if (right) to = a.text.trimEnd().length;
  if (from >= to) return { text: '', start: new Int32Array(0), end: new Int32Array(0), tail: a.tail };
  const b = new Builder(a);
  copy(b, a, from, to);
  return b.done();
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The regex transformers.js builds from a tokenizer.json pattern (global, unicode). */
export function patternRegExp(pattern: Json | undefined): RegExp | null {
  if (typeof pattern?.Regex === 'string') {
    return new RegExp(pattern.Regex.replace(/\\([#&~])/g, '$1').replaceAll("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'([sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))"), 'gu');
  }
  if (typeof pattern?.String === 'string') return new RegExp(escapeRegExp(pattern.String), 'gu');
  return null;
}

const isControl = (ch: string) => ch !== '\t' && ch !== '\n' && ch !== '\r' && /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u.test(ch);
const isCjkUnit = (cp: number) =>
  (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff);
const stripAccentsNfd = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

function bertNormalize(a: Aligned, n: Json): Aligned {
  let out = a;
  if (n.clean_text) out = mapChars(out, (c) => (c.charCodeAt(0) === 0 || c === '\uFFFD' || isControl(c) ? '' : /^\s$/.test(c) ? ' ' : c));
  if (n.handle_chinese_chars) {
    // 2.17 tests UTF-16 units, so only BMP ideographs get spaces (inserted, not from the text).
    const b = new Builder(out);
    for (let i = 0; i < out.text.length; i++) {
      const cjk = isCjkUnit(out.text.charCodeAt(i));
      if (cjk) b.push(' ', i, i);
      b.push(out.text[i]!, i, i + 1);
      if (cjk) b.push(' ', i + 1, i + 1);
    }
    out = b.done();
  }
  if (n.lowercase) {
    out = lowercase(out);
    if (n.strip_accents !== false) out = segmentwise(out, stripAccentsNfd);
  } else if (n.strip_accents) {
    out = segmentwise(out, stripAccentsNfd);
  }
  return out;
}

function precompiled(s: string): string {
  const t = s.includes('\uFF5E') ? s.split('\uFF5E').map((p) => p.normalize('NFKC')).join('\uFF5E') : s.normalize('NFKC');
  return t;
}

/** The text after tokenizer.json's `normalizer`, aligned to the original. */
export function normalizeAligned(a: Aligned, n: Json | null | undefined): Aligned {
  if (!n) return a;
  switch (n.type) {
    case 'Sequence': return ((n.normalizers ?? []) as Json[]).reduce((acc, c) => normalizeAligned(acc, c), a);
    case 'BertNormalizer': return bertNormalize(a, n);
    case 'NFC': case 'NFKC': case 'NFKD': { const form = n.type; return segmentwise(a, (s) => s.normalize(form)); }
    case 'Lowercase': return lowercase(a);
    case 'StripAccents': return mapChars(a, (c) => c.replace(/[\u0300-\u036f]/g, ''));
    case 'Prepend': return prepend(a, String(n.prepend ?? ''));
    case 'Strip': return strip(a, n.strip_left === true, n.strip_right === true);
    case 'Replace': { const re = patternRegExp(n.pattern as Json); return re ? replaceAligned(a, re, String(n.content ?? '')) : a; }
    case 'Precompiled': {
      const cleaned = mapChars(a, (c) => (/^[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]$/.test(c) ? ''
        : /^[\u0009\u000A\u000C\u000D\u1680\u200B\u200C\u200E\u200F\u2028\u2029\u2581\uFEFF\uFFFD]$/.test(c) ? ' ' : c));
      return segmentwise(cleaned, precompiled);
    }
    default: return a;
  }
}

/** The text changes a pre-tokenizer makes before splitting (Metaspace ▁, prefix spaces); splits are the matcher's business. */
export function preTokenizeAligned(a: Aligned, p: Json | null | undefined, sectionIndex: number): Aligned {
  if (!p) return a;
  switch (p.type) {
    case 'Sequence': {
      let out = a;
      let split = false;
      for (const c of (p.pretokenizers ?? []) as Json[]) {
        const adds = (c.type === 'Metaspace' || c.type === 'ByteLevel') && c.add_prefix_space === true;
        // After a split a prefix goes before every piece: left to the matcher's marker rule.
        if (split && adds) break;
        if (c.type === 'Metaspace' || c.type === 'ByteLevel' || c.type === 'Replace') out = preTokenizeAligned(out, c, sectionIndex);
        else split = true;
      }
      return out;
    }
    case 'Metaspace': {
      const rep = String(p.str_rep || p.replacement || '▁');
      let out = replaceAligned(a, / /g, rep);
      const scheme = (p.prepend_scheme as string | undefined) ?? 'always';
      if (p.add_prefix_space && !out.text.startsWith(String(p.replacement)) && (scheme === 'always' || (scheme === 'first' && sectionIndex === 0))) out = prepend(out, rep);
      return out;
    }
    case 'ByteLevel': return p.add_prefix_space && !a.text.startsWith(' ') ? prepend(a, ' ') : a;
    case 'Replace': { const re = patternRegExp(p.pattern as Json); return re ? replaceAligned(a, re, String(p.content ?? '')) : a; }
    default: return a;
  }
}

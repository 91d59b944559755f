// Random strings from a fixed seed, built from the kinds of text that break token ranges, and a
// shrinker that cuts a failing string down to a minimal one.

/** mulberry32: small, fast, and the same sequence on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cp = (...c: number[]) => String.fromCodePoint(...c);

/** Pieces by kind; each kind is a function of the random source. */
const KINDS: Array<(r: () => number, pick: <T>(xs: T[]) => T) => string> = [
  (_, pick) => pick(['the', 'Hello', 'naïve', 'CAFÉ', 'x', 'it’s', "don't", 'résumé', 'Straße', 'İstanbul', 'ΟΔΥΣΣΕΥΣ', 'ﬁne']),
  (_, pick) => pick(['def f(x):', '\treturn x', 'if (a && b) {', '}', '// ✓ done', 'x += 1;', '#include <stdio.h>', 'a->b', '0x1F', '1.5e-3', '=>', '   ']),
  (_, pick) => pick(['\r\n', '\n', '\r', '\n\n', '\r\n\r\n', '\t', ' ', '  ', '\n   ']),
  (_, pick) => pick(['😀', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷', '🇯🇵🇰🇷', '1️⃣', '❤️', '🤗', '👍e', '🤗a']),
  (r, pick) => pick(['e', 'a', 'o', '\u0131']) + Array.from({ length: 1 + Math.floor(r() * 3) }, () => cp(pick([0x301, 0x308, 0x323, 0x351, 0x36f, 0x1dc0, 0x20d7, 0xfe0f, 0xfe20, 0x0951]))).join(''),
  (_, pick) => pick(['\u0301', '\uFE0F', '\u0351', '\u09cd\u09b7', 'क्ष', 'ณ์', '\u0e33']),
  (_, pick) => pick(['中文', '好世', '語ü', '你好，世界', '日本語', '𠀀', '丽', '。', '〜', '\uFF5E']),
  (_, pick) => pick(['한국어', '한', '\u1100\u1161', '\u1100\u1161\u11a8', '\u1112\u1161\u11ab', '가\u11a8', 'ᄀ']),
  (_, pick) => pick(['\u202E', '\u202A', '\u202C', '\u2066', '\u2069', '\u200E', '\u200F', '\u061C', 'مرحبا', 'שלום', 'abc\u202Edef']),
  (_, pick) => pick(['\uD800', '\uDC00', '\uD83D', '\uDE00x', 'a\uD800b']),
  (_, pick) => pick(['<|endoftext|>', '[MASK]', '[CLS]', '[UNK]', '[SEP]', '<s>', '</s>', '<unk>', '<bos>', '<eos>', '<mask>', '<|im_start|>', '<start_of_turn>', '<unused3>', '▁▁', '▁']),
  (r) => cp(0xe000 + Math.floor(r() * 0x1900)) + (r() < 0.3 ? cp(0xf0000 + Math.floor(r() * 100)) : ''),
  (_, pick) => pick(['\u3000', '\u00A0', '\u2002', '\u2009', '\u200A', '\u2028', '\u2029', '\u1680', '\u205F', '\u0085', '\u2060', '\uFEFF', '\u200B', '\u200D']),
  (_, pick) => pick(['\f', '\v', '\u0000', '\u0007', '\u007F', '\u001B', '\u0089', '\u00AD']),
  (r) => String.fromCharCode(0x20 + Math.floor(r() * 0x5f)),
  (r) => cp(0xa0 + Math.floor(r() * 0x2fff)),
];

/** One random string of 1–8 pieces. */
export function randomText(r: () => number): string {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const count = 1 + Math.floor(r() * 8);
  let out = '';
  for (let i = 0; i < count; i++) out += pick(KINDS)(r, pick);
  return out;
}

/** How many strings a property test runs: PROPERTY_STRINGS in the environment, else `fallback`. */
export function propertyCount(fallback: number): number {
  const n = Number(process.env.PROPERTY_STRINGS);
  return Number.isFinite(n) && n > 0 ? Math.round(n) : fallback;
}

/** The smallest string (by deleting runs of code units) for which `fails` still holds. */
export function shrink(text: string, fails: (s: string) => boolean): string {
  let best = text;
  for (let size = Math.max(1, best.length >> 1); size >= 1; size = size === 1 ? 0 : size >> 1) {
    for (let at = 0; at < best.length; ) {
      const candidate = best.slice(0, at) + best.slice(at + size);
      if (candidate !== best && fails(candidate)) best = candidate;
      else at += size;
    }
  }
  return best;
}

/** Runs `check` on each string; on the first failure, throws with the shrunk minimal case. */
export function forAll(label: string, texts: Iterable<string>, check: (s: string) => void): number {
  let count = 0;
  for (const text of texts) {
    try {
      check(text);
    } catch (err) {
      const fails = (s: string) => { try { check(s); return false; } catch { return true; } };
      const minimal = shrink(text, fails);
      let why = '';
      try { check(minimal); } catch (e) { why = (e as Error).message; }
      throw new Error(`${label}: string ${count} fails; minimal case ${JSON.stringify(minimal)}: ${why}\n(original ${JSON.stringify(text)}: ${(err as Error).message})`);
    }
    count++;
  }
  return count;
}

export function* randomTexts(seed: number, count: number): Generator<string> {
  const r = rng(seed);
  for (let i = 0; i < count; i++) yield randomText(r);
}

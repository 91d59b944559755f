// Notes the CLI writes to stderr when it changed what was asked for: a flag capped by the model,
// input bytes that were not UTF-8. Silence would make the output look like what was asked.

/** Decodes UTF-8 input; invalid bytes become U+FFFD, and the note says where the first one was. */
export function decodeInput(bytes: Uint8Array, source: string): { text: string; note: string | null } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), note: null };
  } catch {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    return { text, note: `${source} is not valid UTF-8 (first invalid byte at offset ${firstInvalid(bytes)}); each invalid sequence was read as U+FFFD (�).` };
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalid(bytes: Uint8Array): number {
  const strict = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // The longest valid prefix, by bisection (a cut inside a character counts as invalid).
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try { strict.decode(bytes.subarray(0, mid)); lo = mid; } catch { hi = mid - 1; }
  }
  return lo;
}

/** Notes for flags the model caps: --max-tokens above its context. */
export function cappedFlagNotes(args: { maxTokens: number }, model: { contextLength: number; name: string }): string[] {
  const notes: string[] = [];
  if (args.maxTokens > model.contextLength) {
    notes.push(`--max-tokens ${args.maxTokens} is more than ${model.name}'s context of ${model.contextLength} tokens; at most ${model.contextLength} are analysed.`);
  }
  return notes;
}

// Every `attentionLens.*` setting, read in one place with its default and sane bounds, and which
// scope's value counts. Pure: takes a getter, so it is unit-tested without the editor.

/** How surprisal colours are chosen: by rank bucket or by probability decade. */
export type SurprisalMode = 'rank' | 'probability';

export interface Settings {
  model: string;
  topK: number;
  maxTokens: number;
  /** Above this many MB of float32 attention, an analysis keeps it compact (16-bit codes). */
  attentionMemoryMB: number;
  /** Divides the logits of displayed distributions; 1 = the model's own distribution. */
  temperature: number;
  liveProbe: { enabled: boolean; debounceMs: number };
  surprisal: { enabled: boolean; mode: SurprisalMode };
  ghostText: { enabled: boolean; maxTokens: number };
}

/** The configuration section: every setting is `attentionLens.<key>`. */
export const SECTION = 'attentionLens';

export const MIN_TEMPERATURE = 0.05;
export const MAX_TEMPERATURE = 10;

/** `get(key)` returns the raw value of `attentionLens.<key>` or undefined. */
export type SettingGetter = (key: string) => unknown;

function num(v: unknown, fallback: number, min: number, max: number, integer = false): number {
  let n = typeof v === 'number' && Number.isFinite(v) ? v : fallback;
  if (integer) n = Math.round(n);
  return Math.min(max, Math.max(min, n));
}

function bool(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

export function readSettings(get: SettingGetter): Settings {
  const mode = get('surprisal.mode');
  return {
    model: typeof get('model') === 'string' ? (get('model') as string) : 'bundled',
    topK: num(get('topK'), 10, 1, 100, true),
    maxTokens: num(get('maxTokens'), 512, 2, 8192, true),
    attentionMemoryMB: num(get('attentionMemoryMB'), 512, 16, 65536, true),
    temperature: num(get('temperature'), 1, MIN_TEMPERATURE, MAX_TEMPERATURE),
    liveProbe: {
      enabled: bool(get('liveProbe.enabled'), false),
      debounceMs: num(get('liveProbe.debounceMs'), 15, 0, 2000, true),
    },
    surprisal: {
      enabled: bool(get('surprisal.enabled'), false),
      mode: mode === 'probability' ? 'probability' : 'rank',
    },
    ghostText: {
      enabled: bool(get('ghostText.enabled'), false),
      maxTokens: num(get('ghostText.maxTokens'), 8, 1, 64, true),
    },
  };
}

/** A setting's values per scope, as `WorkspaceConfiguration.inspect` returns them. */
export interface SettingScopes<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The value that counts. In an untrusted workspace only user settings count: a workspace (or
 * folder) value is ignored and returned as `ignored` so the panel can say so.
 */
export function effectiveSetting<T>(scopes: SettingScopes<T> | undefined, trusted: boolean): { value: T | undefined; ignored?: T } {
  const user = scopes?.globalValue ?? scopes?.defaultValue;
  const workspace = scopes?.workspaceFolderValue ?? scopes?.workspaceValue;
  if (trusted) return { value: workspace ?? user };
  return workspace === undefined ? { value: user } : { value: user, ignored: workspace };
}

// Turns the `attentionLens.model` setting into a model folder. Pure (node:path only) so it is unit-tested.
import * as path from 'node:path';

export interface ModelSpec {
  /** Display name: "bundled" or the folder's name. */
  name: string;
  /** Absolute folder path. */
  path: string;
}

export interface ResolveContext {
  extensionPath: string;
  homeDir: string;
  /** Workspace folder paths, first one wins for relative settings. */
  workspaceFolders: readonly string[];
}

/**
 * `bundled` (or empty) → `<extensionPath>/model`; `~/x` → home; an absolute path as is; a relative
 * path against the first workspace folder (or the home folder when no folder is open).
 */
export function resolveModelSetting(setting: string | undefined, ctx: ResolveContext): ModelSpec {
  const raw = (setting ?? '').trim();
  if (raw === '' || raw.toLowerCase() === 'bundled') {
    return { name: 'bundled', path: path.join(ctx.extensionPath, 'model') };
  }
  let p = raw;
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) p = path.join(ctx.homeDir, p.slice(1));
  if (!path.isAbsolute(p)) p = path.resolve(ctx.workspaceFolders[0] ?? ctx.homeDir, p);
  p = path.normalize(p);
  // A trailing separator would make basename() empty.
  const trimmed = p.length > 1 ? p.replace(/[\\/]+$/, '') : p;
  return { name: path.basename(trimmed) || trimmed, path: trimmed };
}

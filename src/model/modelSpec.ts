// Which model a setting names: the `attentionLens.model` setting and the CLI's --model both go
// through resolveModelSetting, so they accept the same values and check them in the same order.
// Pure (node:path only, the folder check injected) so it is unit-tested.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { formatHubId, isExplicitHubId, parseHubId } from './hub/id';
import type { ModelSpec } from './types';

/** The bundled model folder inside an extension (or repository) root. */
export function bundledModelPath(extensionRoot: string): string {
  return path.join(extensionRoot, 'model');
}

/** Whether `p` is an existing folder (the usual ResolveContext.isDirectory). */
export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export interface ResolveContext {
  /** The extension (or repository) root holding the bundled model. */
  extensionPath: string;
  homeDir: string;
  /** Workspace folder paths (the CLI: its working folder), first one wins for relative settings. */
  workspaceFolders: readonly string[];
  /** Whether a folder exists: `owner/name` is a relative folder when one is there, else a Hub id. */
  isDirectory?: (absolutePath: string) => boolean;
}

/**
 * `bundled` (or empty) → `<extensionPath>/model`; `hf:owner/name[@rev]`, or `owner/name[@rev]` when
 * no such relative folder exists → a Hub id; `~/x` → home; an absolute path as is; a relative
 * path against the first workspace folder (or the home folder when no folder is open).
 */
export function resolveModelSetting(setting: string | undefined, ctx: ResolveContext): ModelSpec {
  const raw = (setting ?? '').trim();
  if (raw === '' || raw.toLowerCase() === 'bundled') {
    return { name: 'bundled', path: bundledModelPath(ctx.extensionPath) };
  }
  const hub = parseHubId(raw);
  if (hub) {
    const asFolder = path.resolve(ctx.workspaceFolders[0] ?? ctx.homeDir, raw);
    if (isExplicitHubId(raw) || !(ctx.isDirectory?.(asFolder) ?? false)) {
      return { name: formatHubId(hub), path: `hf:${hub.owner}/${hub.name}@${hub.revision}`, hub };
    }
  }
  let p = raw;
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) p = path.join(ctx.homeDir, p.slice(1));
  if (!path.isAbsolute(p)) p = path.resolve(ctx.workspaceFolders[0] ?? ctx.homeDir, p);
  p = path.normalize(p);
  // A trailing separator would make basename() empty.
  const trimmed = p.length > 1 ? p.replace(/[\\/]+$/, '') : p;
  return { name: path.basename(trimmed) || trimmed, path: trimmed };
}

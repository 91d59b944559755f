// Turns the `attentionLens.model` setting into a model folder or a Hub id. Pure (node:path only) so it is unit-tested.
import * as path from 'node:path';
import { formatHubId, isExplicitHubId, parseHubId, type HubId } from '../model/hub/id';

export interface ModelSpec {
  /** Display name: "bundled", the folder's name, or the Hub id. */
  name: string;
  /** Absolute folder path; for a Hub id a key `hf:owner/name@revision` (the folder is known after download). */
  path: string;
  /** Set when the setting names a Hugging Face model. */
  hub?: HubId;
}

export interface ResolveContext {
  extensionPath: string;
  homeDir: string;
  /** Workspace folder paths, first one wins for relative settings. */
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
    return { name: 'bundled', path: path.join(ctx.extensionPath, 'model') };
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

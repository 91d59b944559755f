// Hugging Face model ids as the `attentionLens.model` setting writes them: `owner/name`, with an
// optional `@revision` (branch, tag or commit) and an optional `hf:` prefix. Parsing lives here only.

export interface HubId {
  owner: string;
  name: string;
  /** Branch, tag or commit; 'main' when none was given. */
  revision: string;
}

const PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

/**
 * The Hub id in `text`, or undefined when it does not have the shape of one. `hf:` forces the
 * Hub reading; without it callers decide whether an `owner/name` that is also a folder is a folder.
 */
export function parseHubId(text: string): HubId | undefined {
  let raw = text.trim();
  if (raw.toLowerCase().startsWith('hf:')) raw = raw.slice(3).trim();
  const at = raw.indexOf('@');
  const repo = at < 0 ? raw : raw.slice(0, at);
  const revision = at < 0 ? 'main' : raw.slice(at + 1);
  const parts = repo.split('/');
  if (parts.length !== 2) return undefined;
  const [owner, name] = parts as [string, string];
  if (!PART.test(owner) || !PART.test(name) || !REVISION.test(revision)) return undefined;
  // '..' anywhere would let an id climb out of the download folder.
  if ([owner, name, ...revision.split('/')].some((p) => p === '.' || p === '..' || p.includes('..'))) return undefined;
  return { owner, name, revision };
}

/** True when `text` explicitly asks for the Hub (`hf:owner/name`). */
export function isExplicitHubId(text: string): boolean {
  return text.trim().toLowerCase().startsWith('hf:') && parseHubId(text) !== undefined;
}

/** `owner/name` (the repository, without revision). */
export function hubRepo(id: HubId): string {
  return `${id.owner}/${id.name}`;
}

/** `owner/name`, plus `@revision` when it is not 'main': the form the setting stores. */
export function formatHubId(id: HubId): string {
  return id.revision === 'main' ? hubRepo(id) : `${hubRepo(id)}@${id.revision}`;
}

// Workspace trust for the model settings: in an untrusted workspace only user settings count for
// the restricted keys (model, quantized, remoteHost) and nothing is downloaded.
import * as vscode from 'vscode';
import { effectiveSetting } from './settings';

/** `attentionLens.<key>` as it counts here: workspace values only when the workspace is trusted. */
export function restrictedSetting(key: string): unknown {
  return effectiveSetting(vscode.workspace.getConfiguration('attentionLens').inspect<unknown>(key), vscode.workspace.isTrusted).value;
}

/** What the panel says in an untrusted workspace; undefined when trusted. */
export function restrictedNotice(): string | undefined {
  if (vscode.workspace.isTrusted) return undefined;
  const { value, ignored } = effectiveSetting(vscode.workspace.getConfiguration('attentionLens').inspect<unknown>('model'), false);
  const ignoredText = ignored === undefined ? '' : `this workspace's attentionLens.model (“${String(ignored)}”) is ignored and “${String(value ?? 'bundled')}” from your user settings is used; `;
  return `Restricted mode: ${ignoredText}no models are downloaded until you trust this workspace.`;
}

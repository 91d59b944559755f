// The models a person used recently (newest first), for Choose Model's list: remembered by the
// model service when a model loads.
import type * as vscode from 'vscode';

const RECENT_KEY = 'attentionLens.recentModels';
const MAX_RECENT = 8;

/** Settings values used recently, newest first. */
export function recentModels(state: vscode.Memento): string[] {
  const v = state.get<unknown>(RECENT_KEY);
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** Remembers a setting value that loaded, for the quick pick. */
export function rememberModel(state: vscode.Memento, setting: string): Thenable<void> {
  const value = setting.trim();
  if (value === '' || value.toLowerCase() === 'bundled') return Promise.resolve();
  const list = [value, ...recentModels(state).filter((s) => s !== value)].slice(0, MAX_RECENT);
  return state.update(RECENT_KEY, list);
}

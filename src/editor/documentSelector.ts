// The documents the editor's providers serve: every language, in the schemes a person writes in.
// Naming schemes keeps hovers and ghost text off output channels and diff originals, and keeps
// VS Code from warning about a selector without a scheme.
import type * as vscode from 'vscode';

export const WRITABLE_DOCUMENTS: vscode.DocumentFilter[] = ['file', 'untitled', 'vscode-remote', 'vscode-vfs', 'vscode-notebook-cell']
  .map((scheme) => ({ scheme }));

// Saves exports the webview asks for: the current view as PNG, the analysis as JSON, one head as CSV.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import * as vscode from 'vscode';
import type { WebviewToHost } from '../common/protocol';
import { fetchLayers, missingLayers, writeAnalysisJson, type AnalysisResult } from '../model';
import { headCsv, safeFileName } from './analysisData';

type ExportMessage = Extract<WebviewToHost, { type: 'export' }>;

export async function saveExport(m: ExportMessage, current: { id: number; result: AnalysisResult } | null): Promise<void> {
  let bytes: Uint8Array | null = null;
  let json: AnalysisResult | null = null;
  let name: string;
  let filters: Record<string, string[]>;
  if (m.format === 'png') {
    const match = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(m.dataUrl);
    if (!match) throw new Error('the view could not be captured as PNG');
    bytes = Buffer.from(match[1], 'base64');
    name = safeFileName(m.suggestedName.endsWith('.png') ? m.suggestedName : `${m.suggestedName}.png`);
    filters = { 'PNG image': ['png'] };
  } else {
    if (!current || current.id !== m.analysisId) throw new Error('that analysis is no longer shown; run Inspect Selection again');
    if (m.format === 'json') {
      json = current.result; // written once the file is chosen, in pieces: a large analysis's JSON fits in no string
      name = 'attention-analysis.json';
      filters = { JSON: ['json'] };
    } else {
      const sel = m.selector;
      if (!sel || (sel.kind !== 'head' && sel.kind !== 'layerMean')) throw new Error('choose one head or a layer mean to export as CSV');
      const r = current.result;
      if (missingLayers(r, [sel.layer]).length > 0) await fetchLayers(r, [sel.layer]); // dropped over the budget: recomputed first
      bytes = new TextEncoder().encode(headCsv(r, sel));
      name = sel.kind === 'head' ? `attention-L${sel.layer}-H${sel.head}.csv` : `attention-L${sel.layer}-mean.csv`;
      filters = { CSV: ['csv'] };
    }
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters });
  if (!target) return; // the person cancelled
  if (json) await saveJson(target, json);
  else await vscode.workspace.fs.writeFile(target, bytes!);
  void vscode.window.showInformationMessage(`Attention Lens: saved ${vscode.workspace.asRelativePath(target)}`);
}

/** The analysis's JSON into `target`: streamed into a local file; elsewhere through VS Code's file system, as bytes. */
async function saveJson(target: vscode.Uri, result: AnalysisResult): Promise<void> {
  if (target.scheme !== 'file') {
    const encoder = new TextEncoder();
    const pieces: Uint8Array[] = [];
    await writeAnalysisJson(result, (p) => void pieces.push(encoder.encode(p))); // recomputes dropped layers as it goes
    await vscode.workspace.fs.writeFile(target, Buffer.concat(pieces));
    return;
  }
  const out = createWriteStream(target.fsPath);
  try {
    await writeAnalysisJson(result, (piece) => (out.write(piece) ? undefined : once(out, 'drain').then(() => undefined)));
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    throw err;
  }
}

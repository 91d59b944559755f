// Collects benchmark rows and writes them as a console table, JSON and Markdown.
// A row with a bar always shows PASS or FAIL next to it; a figure that could not be
// measured shows why instead of a number.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineSummary } from './machine';
import { round } from './stats';

export interface Bar {
  /** The figure must be at most this. */
  max: number;
  /** Where the bar comes from, e.g. "issue 2". */
  source: string;
}

export interface Row {
  section: string;
  name: string;
  /** null when not measured; `note` says why. */
  value: number | null;
  unit: string;
  /** The latest.json key, when the row has one. */
  key?: string;
  bar?: Bar;
  note?: string;
}

export class Report {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];
  /** Extra JSON-only figures (splits, raw summaries). */
  readonly extra: Record<string, unknown> = {};

  add(row: Row): void {
    this.rows.push(row);
  }

  /** Records that a whole section could not run, with every key it owns set to null. */
  fail(section: string, keys: { name: string; key?: string; unit: string; bar?: Bar }[], reason: string): void {
    for (const k of keys) this.add({ section, ...k, value: null, note: reason });
    this.notes.push(`${section}: not measured — ${reason}`);
  }

  metrics(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const r of this.rows) if (r.key) out[r.key] = r.value === null ? null : round(r.value);
    return out;
  }
}

export function verdict(r: Row): string {
  if (!r.bar) return '';
  if (r.value === null) return 'NOT MEASURED';
  return r.value <= r.bar.max ? 'PASS' : 'FAIL';
}

function fmt(v: number | null): string {
  return v === null ? '—' : String(round(v));
}

function barText(r: Row): string {
  return r.bar ? `≤ ${r.bar.max} (${r.bar.source})` : '';
}

/** Plain-text table for the console. */
export function consoleTable(report: Report): string {
  const head = ['section', 'figure', 'value', 'unit', 'bar', 'verdict', 'note'];
  const body = report.rows.map((r) => [r.section, r.name, fmt(r.value), r.unit, barText(r), verdict(r), r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Markdown table (the README copies it). Pipes in text are escaped. */
export function markdownTable(report: Report): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| Section | Figure | Value | Unit | Bar | Verdict | Note |', '|---|---|---:|---|---|---|---|'];
  for (const r of report.rows) {
    const v = verdict(r);
    lines.push(`| ${esc(r.section)} | ${esc(r.name)} | ${fmt(r.value)} | ${r.unit} | ${esc(barText(r))} | ${v ? `**${v}**` : ''} | ${esc(r.note ?? '')} |`);
  }
  return lines.join('\n');
}

export interface RunInfo {
  date: string;
  modelDir: string;
  modelLabel: string;
  /** True when the bundled model was not used (smoke/test model instead). */
  notBundled: boolean;
  totalSeconds: number;
  /** 1-minute load average when the run ended (the start is in the machine summary). */
  loadAvgAtEnd: number;
}

export function writeResults(dir: string, report: Report, machine: MachineSummary, run: RunInfo): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'latest.json');
  const md = path.join(dir, 'latest.md');
  const payload = {
    ...report.metrics(),
    date: run.date,
    model: { dir: run.modelDir, label: run.modelLabel, bundled: !run.notBundled },
    machine,
    totalSeconds: round(run.totalSeconds),
    loadAvgAtEnd: round(run.loadAvgAtEnd),
    rows: report.rows.map((r) => ({ ...r, value: r.value === null ? null : round(r.value), verdict: verdict(r) || undefined })),
    notes: report.notes,
    extra: report.extra,
  };
  writeFileSync(json, JSON.stringify(payload, null, 2) + '\n');

  const m = machine;
  const text = [
    '# Attention Lens benchmark — latest run',
    '',
    `- Date: ${run.date} (whole run ${round(run.totalSeconds)} s)`,
    `- Model: ${run.modelLabel} (\`${run.modelDir}\`)`,
    run.notBundled
      ? '- **These figures are from the small smoke/test model, NOT the bundled model.** Bars in the issues are defined for the bundled model.'
      : '- Figures are for the bundled model.',
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}`,
    `- Load: 1-minute load average ${m.loadAvgAtStart[0]} at the start and ${round(run.loadAvgAtEnd)} at the end on ${m.cores} cores.` +
      (Math.max(m.loadAvgAtStart[0], run.loadAvgAtEnd) > m.cores
        ? ' **The CPUs were shared with other work during this run, so absolute times are slower than on an idle machine;** ratios compare figures measured back to back.'
        : ' The machine was close to idle.'),
    `- Software: Node ${m.node}, onnxruntime-node ${m.onnxruntime}, @xenova/transformers ${m.transformers}, PyTorch ${m.torch}, ${m.chromium}`,
    '',
    markdownTable(report),
    '',
    ...(report.notes.length ? ['## Notes', '', ...report.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
  writeFileSync(md, text);
  return { json, md };
}

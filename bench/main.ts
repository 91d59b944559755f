// Entry of `npm run bench` (through scripts/bench.mjs): runs every section, prints the table,
// writes bench/results/latest.json and latest.md. A section that fails is reported with its
// reason and its figures left empty; the run goes on.
//
// Usage: node --expose-gc --import tsx bench/main.ts [--model DIR] [--quick] [--only a,b] [--out DIR] [--in-thread] [--scale]
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REQUIRED_KEYS } from './bars';
import { makeContext, type BenchContext, type BenchOptions } from './context';
import { machineSummary } from './machine';
import { consoleTable, Report, writeResults } from './report';
import { now } from './stats';
import { runCompute } from './section-compute';
import { runLoad } from './section-load';
import { runAnalysis } from './section-analysis';
import { runProbe } from './section-probe';
import { runReach } from './section-reach';
import { runMemory } from './section-memory';
import { runInternals } from './section-internals';
import { runBytes } from './section-bytes';
import { runRender } from './section-render';
import { disposeSharedModel, runSharedModelInThread, sharedModelWhere } from './model-api';
import { runScale } from './scale/section';

/** `optIn`: runs only when that flag is given (the scale section builds and runs a 124M-parameter model: many minutes). */
const SECTIONS: { name: string; title: keyof typeof REQUIRED_KEYS; run: (ctx: BenchContext) => Promise<void>; optIn?: 'scale' }[] = [
  { name: 'compute', title: 'compute limit', run: runCompute },
  { name: 'load', title: 'model load', run: runLoad },
  { name: 'analysis', title: 'analysis', run: runAnalysis },
  { name: 'probe', title: 'live probe', run: runProbe },
  { name: 'internals', title: 'internals', run: runInternals },
  { name: 'reach', title: 'reach and baselines', run: runReach },
  { name: 'memory', title: 'memory', run: runMemory },
  { name: 'bytes', title: 'host→webview bytes', run: runBytes },
  { name: 'render', title: 'webview rendering', run: runRender },
  { name: 'scale', title: 'scale (GPT-2-small shape)', run: runScale, optIn: 'scale' },
];

/** Whether a section runs in this invocation. */
const selected = (s: (typeof SECTIONS)[number], opts: BenchOptions) => (!opts.only.length || opts.only.includes(s.name)) && (!s.optIn || opts[s.optIn]);

function parseArgs(argv: string[], repoRoot: string): BenchOptions {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const known = new Set(['--model', '--quick', '--only', '--out', '--help', '--in-thread', '--scale']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a} (see --help)`);
  const bundled = path.join(repoRoot, 'model');
  const smoke = path.join(repoRoot, 'training/build/smoke/model');
  // The bundled model once it has landed; until then the smoke model the training pipeline builds.
  const fallback = existsSync(path.join(bundled, 'config.json')) ? bundled : smoke;
  const only = (value('--only') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of only) if (!SECTIONS.some((s) => s.name === o)) throw new Error(`unknown section ${o}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
  return {
    repoRoot,
    modelDir: path.resolve(value('--model') ?? fallback),
    quick: argv.includes('--quick'),
    inThread: argv.includes('--in-thread'),
    scale: argv.includes('--scale') || only.includes('scale'), // --only scale implies --scale
    only,
    python: '/usr/bin/python3',
    chromium: '/usr/bin/chromium',
    outDir: path.resolve(value('--out') ?? path.join(repoRoot, 'bench/results')),
  };
}

const HELP = `npm run bench -- [--model DIR] [--quick] [--only ${SECTIONS.map((s) => s.name).join(',')}] [--out DIR]
  --model DIR  transformers.js-format model folder (default: model/ when it has config.json, else the smoke model)
  --quick      few repeats, to check the harness
  --only LIST  run only these sections (the JSON then holds only their figures)
  --out DIR    where latest.json / latest.md go (default bench/results)
  --in-thread  run the shared model on the benchmark's thread instead of the model worker (to compare)
  --scale      also run the scale section: a GPT-2-small-shaped model (built once into bench/.cache)
               side by side with PyTorch at 512 and 1,024 tokens; probe, cold load, peak RSS, the CLI`;

async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '..');
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(HELP);
    return;
  }
  const opts = parseArgs(argv, repoRoot);
  const t0 = now();
  const report = new Report();
  const machine = machineSummary(opts.python, opts.chromium);
  const ctx = makeContext(opts, report);
  runSharedModelInThread(opts.inThread);
  report.notes.push(`shared model ${sharedModelWhere()}`);
  const bundled = path.resolve(opts.modelDir) === path.join(repoRoot, 'model');
  console.log(`Attention Lens benchmark — model ${opts.modelDir}${bundled ? ' (bundled)' : ' (NOT the bundled model)'}`);
  console.log(`${machine.cpuModel}, ${machine.cores} cores, load average ${machine.loadAvgAtStart.join(' / ')}`);
  if (ctx.skippedSizes.length) report.notes.push(`sizes ${ctx.skippedSizes.join(', ')} exceed the model's context (${ctx.dims.contextLength}); not measured`);

  for (const s of SECTIONS) {
    if (!selected(s, opts)) continue;
    const ts = now();
    process.stdout.write(`• ${s.title} … `);
    try {
      await s.run(ctx);
      console.log(`${((now() - ts) / 1000).toFixed(1)} s`);
    } catch (err) {
      // Whole message on one line (build errors put the useful part on later lines), kept short.
      const reason = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').slice(0, 300);
      console.log(`FAILED: ${reason}`);
      // Keys the section already wrote stay; the missing required ones are recorded as not measured.
      const have = new Set(report.rows.map((r) => r.key));
      report.fail(s.title, REQUIRED_KEYS[s.title].filter((k) => !have.has(k.key)), reason);
    }
  }
  await disposeSharedModel();
  // Required keys a section did not write (skipped by --only, or written under another size) stay visible as empty.
  const have = new Set(report.rows.map((r) => r.key));
  for (const s of SECTIONS) {
    if (s.optIn && !opts[s.optIn]) continue; // not asked for: no empty rows
    const missing = REQUIRED_KEYS[s.title].filter((k) => !have.has(k.key));
    const ran = selected(s, opts);
    for (const k of missing) {
      const size = Number(/_(\d+)$/.exec(k.key)?.[1]);
      const why = !ran
        ? 'section not run (--only)'
        : ctx.skippedSizes.includes(size)
          ? `the model's context is ${ctx.dims.contextLength} tokens`
          : 'not measured in this run (see notes)';
      report.add({ section: s.title, ...k, value: null, note: why });
    }
  }
  // Keep each section's rows together, in run order.
  const titles: string[] = SECTIONS.map((s) => s.title);
  titles.splice(titles.indexOf('analysis') + 1, 0, 'PyTorch reference'); // its rows come from the analysis section
  const order = (title: string) => titles.indexOf(title);
  report.rows.sort((a, b) => order(a.section) - order(b.section));

  const totalSeconds = (now() - t0) / 1000;
  const files = writeResults(opts.outDir, report, machine, {
    date: new Date().toISOString(),
    modelDir: path.relative(repoRoot, opts.modelDir) || opts.modelDir,
    modelLabel: bundled ? 'bundled model' : `${path.basename(path.dirname(opts.modelDir))}/${path.basename(opts.modelDir)} (not the bundled model)`,
    notBundled: !bundled,
    totalSeconds,
    loadAvgAtEnd: os.loadavg()[0],
  });
  console.log('\n' + consoleTable(report));
  if (report.notes.length) console.log('\nNotes:\n' + report.notes.map((n) => `- ${n}`).join('\n'));
  console.log(`\nwrote ${path.relative(process.cwd(), files.json)} and ${path.relative(process.cwd(), files.md)} (${totalSeconds.toFixed(0)} s)`);
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

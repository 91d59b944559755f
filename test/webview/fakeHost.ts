// Stands in for VS Code inside the test page: provides acquireVsCodeApi (recording every posted
// message and saved state), sets theme classes/variables the way VS Code does, and answers data
// requests with the panel's own responder code, sending an analysis as the real panel does (header
// first, head statistics on a later turn). Bundled by the harness and run before the page.
import { answerRequest, sendAnalysis, type CurrentAnalysis } from '../../src/panel/responder';
import type { AnalysisResult, TokenInfo } from '../../src/model';
import { internalsMessage, neededInternals, storeInternals } from '../../src/panel/internalsResponder';
import type { InternalsViewName } from '../../src/common/protocol';
import type { HostToWebview, WebviewToHost } from '../../src/common/protocol';
import { THEMES, type ThemeName } from './themes';

export interface FakeAnalysis {
  tokens: string[];
  ids?: number[];
  logprobs?: (number | null)[];
  nLayers: number;
  nHeads: number;
  /** Flat [L, H, T, T] (a Float32Array for long selections, built in the page). */
  attention: number[] | Float32Array;
  kind?: 'decoder' | 'encoder';
  /** Top-k per position: [T][k] of [token, prob]. */
  topK?: [string, number][][];
  /** Per token: it holds part of a character (its bytes, e.g. ‹0xED 0x95›); a continuation shares the range of the token before and has no text of its own. */
  parts?: ({ partial: string; continuation: boolean } | null)[];
  /** What the model would compute for the internals views (absent: the view reports a problem). */
  valueNorms?: number[]; // [L, H, T]
  rollout?: number[]; // [T, T]
  logitLens?: { k: number; ids: number[]; probs: number[] }; // [L, T, k]
  ablation?: { delta: number[]; top1Changed: number[]; top1: number[] }; // [L, H, T], [T]
  headsOff?: { layer: number; head: number }[];
  qk?: { D: number; q: number[]; k: number[]; scale: number[]; scores: number[] }; // [L, H, T, D] ×2, [L], [L, H, T, K]
}

let fake: FakeAnalysis | null = null;

/** The fake model's answer for one internals view, as model.internals() would give it. */
function computeInternals(view: InternalsViewName): Parameters<typeof storeInternals>[2] {
  const a = fake!;
  const T = a.tokens.length;
  const base = { ids: a.ids ?? a.tokens.map((_, i) => i), shape: { nLayers: a.nLayers, nHeads: a.nHeads, nTokens: T }, problems: {}, timings: {} };
  if (view === 'valueNorms' && a.valueNorms) return { ...base, valueNorms: new Float32Array(a.valueNorms) };
  if (view === 'rollout' && a.rollout) return { ...base, rollout: new Float32Array(a.rollout) };
  if (view === 'logitLens' && a.logitLens) return { ...base, logitLens: { k: a.logitLens.k, ids: new Int32Array(a.logitLens.ids), probs: new Float32Array(a.logitLens.probs) } };
  if (view === 'ablation' && a.ablation) {
    return { ...base, ablation: { delta: new Float32Array(a.ablation.delta), top1Changed: new Uint8Array(a.ablation.top1Changed), top1: new Int32Array(a.ablation.top1) } };
  }
  if (view === 'qk' && a.qk) return { ...base, qk: { D: a.qk.D, q: new Float32Array(a.qk.q), k: new Float32Array(a.qk.k), scale: new Float32Array(a.qk.scale), scores: new Float32Array(a.qk.scores) } };
  return { ...base, problems: { [view]: `The fake model cannot compute ${view}.` } };
}

interface FakeHostApi {
  posted: WebviewToHost[];
  /** Messages the host sent (typed arrays summarised by byte length). */
  sent: { type: string; bytes: number }[];
  state: unknown;
  load(a: FakeAnalysis): number;
  send(m: HostToWebview): void;
  setTheme(name: ThemeName): void;
  cspViolations: string[];
}

const saved = sessionStorage.getItem('fakeHostState');
let current: CurrentAnalysis | null = null;
let nextId = 1;
let ready = false;

function applyTheme(name: ThemeName): void {
  const t = THEMES[name];
  for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
  const body = document.body;
  if (body) {
    body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
    body.classList.add(t.bodyClass);
  }
}

function send(m: HostToWebview): void {
  const data = (m as { data?: ArrayBufferView }).data;
  api.sent.push({ type: m.type, bytes: data ? data.byteLength : 0 });
  setTimeout(() => window.postMessage(m, '*'), 0); // asynchronous, like the real channel
}

const api: FakeHostApi = {
  posted: [],
  sent: [],
  state: saved ? JSON.parse(saved) : undefined,
  cspViolations: [],
  send,
  setTheme: applyTheme,
  load(a) {
    fake = a;
    const T = a.tokens.length;
    const kind = a.kind ?? 'decoder';
    let offset = 0;
    let prev = { start: 0, end: 0 };
    const tokens: TokenInfo[] = a.tokens.map((text, i) => {
      const part = a.parts?.[i] ?? null;
      if (part?.continuation) return { id: a.ids?.[i] ?? i, text, display: '', partial: part.partial, continuation: true, ...prev, logprob: a.logprobs?.[i] ?? null, rank: null, special: false };
      const start = offset;
      offset += text.length;
      prev = { start, end: offset };
      return { id: a.ids?.[i] ?? i, text, display: text.replace(/ /g, '␣').replace(/\n/g, '⏎').replace(/\t/g, '⇥'), partial: part?.partial ?? null, start, end: offset, logprob: a.logprobs?.[i] ?? null, rank: null, special: false };
    });
    const k = a.topK?.[0]?.length ?? 0;
    const vocabIds = new Map<string, number>();
    const ids = new Int32Array(T * k), probs = new Float32Array(T * k);
    a.topK?.forEach((row, i) => row.forEach(([tok, p], r) => {
      if (!vocabIds.has(tok)) vocabIds.set(tok, 1000 + vocabIds.size);
      ids[i * k + r] = vocabIds.get(tok)!; // [T, k]
      probs[i * k + r] = p;
    }));
    const names = new Map([...vocabIds].map(([t, id]) => [id, t]));
    const result: AnalysisResult = {
      model: { name: 'fake', path: '/fake', kind, modelType: 'gpt2', nLayers: a.nLayers, nHeads: a.nHeads, contextLength: 4096, vocabSize: 5000 },
      text: a.tokens.filter((_, i) => !a.parts?.[i]?.continuation).join(''),
      tokens,
      shape: { nLayers: a.nLayers, nHeads: a.nHeads, nTokens: T },
      attention: new Float32Array(a.attention),
      topK: { k, ids, probs },
      next: [],
      truncated: null,
      timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 },
      release: () => undefined,
      ...(a.headsOff ? { headsOff: a.headsOff } : {}),
    };
    current = { id: nextId++, result, source: { fileName: 'sample.ts', tokenText: (id) => names.get(id) ?? `#${id}` }, stats: null };
    if (ready) sendCurrent();
    return current.id;
  },
};

function sendCurrent(): void {
  const shown = current!;
  sendAnalysis(shown, send, () => current === shown);
}

function onPosted(m: WebviewToHost): void {
  api.posted.push(JSON.parse(JSON.stringify(m)));
  if (m.type === 'ready') {
    ready = true;
    if (current) sendCurrent();
  } else if (m.type === 'requestAttention' || m.type === 'requestOverview' || m.type === 'requestInternals') {
    const view = neededInternals(m, current);
    if (view && current) storeInternals(current, view, computeInternals(view));
    const answer = m.type === 'requestInternals' ? (current && current.id === m.analysisId ? internalsMessage(current, m.view, m) : null) : answerRequest(m, current);
    if (answer) send(answer);
  }
}

(window as unknown as { __fakeHost: FakeHostApi }).__fakeHost = api;
(window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => {
  // VS Code has the theme in place before the webview's script runs.
  applyTheme((sessionStorage.getItem('fakeHostTheme') as ThemeName | null) ?? 'dark');
  return {
    postMessage: (m: WebviewToHost) => onPosted(m),
    getState: () => api.state,
    setState: (s: unknown) => { api.state = s; sessionStorage.setItem('fakeHostState', JSON.stringify(s)); },
  };
};
document.addEventListener('securitypolicyviolation', (e) => api.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));

// A stand-in for the Hugging Face Hub on 127.0.0.1: serves model folders in the Hub's URL layout
// (`/{owner}/{name}/resolve/{revision}/{file}`), with switches for slow, corrupt, failing and
// missing files, and a log of every request. Plus builders for small model folders in each layout.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { graphReference, testGraphsDir } from './graphs';

export interface HubServer {
  /** `http://127.0.0.1:PORT/`, for the remote host setting. */
  host: string;
  /** Every request path, in order. */
  requests: string[];
  /** Serve `owner/name` from `dir` (any revision). */
  add(repo: string, dir: string): void;
  /** Bodies of these files (repo-relative, e.g. `onnx/model.onnx`) go out in `chunk`-byte pieces every `delayMs`. */
  slow: { files: Set<string>; chunk: number; delayMs: number };
  /** Files served with garbage bytes of the right length. */
  corrupt: Set<string>;
  /** Files answered with HTTP 500. */
  fail: Set<string>;
  /** Files answered with HTTP 401 (a gated or private repository). */
  deny: Set<string>;
  /** Files answered with 404 even when present. */
  missing: Set<string>;
  close(): Promise<void>;
}

export async function startHubServer(): Promise<HubServer> {
  const repos = new Map<string, string>();
  const sockets = new Set<Socket>();
  const state: Omit<HubServer, 'host' | 'close'> = {
    requests: [],
    add: (repo, dir) => void repos.set(repo, dir),
    slow: { files: new Set(), chunk: 4096, delayMs: 20 },
    corrupt: new Set(),
    fail: new Set(),
    deny: new Set(),
    missing: new Set(),
  };
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    state.requests.push(url);
    const m = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url);
    const dir = m ? repos.get(`${m[1]}/${m[2]}`) : undefined;
    const file = m?.[4] ?? '';
    const full = dir ? path.join(dir, file) : '';
    if (state.fail.has(file)) return void res.writeHead(500).end('internal error');
    if (state.deny.has(file)) return void res.writeHead(401).end('unauthorized');
    if (!dir || state.missing.has(file) || !existsSync(full) || !statSync(full).isFile()) return void res.writeHead(404).end('Entry not found');
    let body = readFileSync(full);
    if (state.corrupt.has(file)) body = Buffer.alloc(body.length, 0x5a); // same length, wrong bytes
    res.writeHead(200, { 'Content-Length': String(body.length), 'Content-Type': 'application/octet-stream' });
    if (!state.slow.files.has(file)) return void res.end(body);
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      if (at >= body.length) return void res.end();
      res.write(body.subarray(at, at + state.slow.chunk));
      at += state.slow.chunk;
      setTimeout(next, state.slow.delayMs);
    };
    next();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...state,
    host: `http://127.0.0.1:${port}/`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A WordPiece tokenizer whose ids 0..n-1 are the letters a, b, c…, split on whitespace. */
export function letterTokenizer(n: number) {
  const letters = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i));
  return {
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: { type: 'WordPiece', prefix: '##', cleanup: false },
    model: { type: 'WordPiece', unk_token: 'a', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(letters.map((l, i) => [l, i])) },
  };
}

export type HubLayout = 'flat-decoder' | 'merged-decoder' | 'quantized-decoder' | 'both-precisions' | 'encoder' | 'fused-attention';

/** Graphs from test/model/fixtures per layout: [graph file, name under onnx/]. */
const LAYOUTS: Record<HubLayout, Array<[string, string]>> = {
  'flat-decoder': [['flat_decoder.onnx', 'decoder_model.onnx']],
  'merged-decoder': [['merged_decoder.onnx', 'decoder_model_merged.onnx']],
  'quantized-decoder': [['quantized_decoder.onnx', 'decoder_model_quantized.onnx']],
  'both-precisions': [['flat_decoder.onnx', 'decoder_model.onnx'], ['quantized_decoder.onnx', 'decoder_model_quantized.onnx']],
  encoder: [['encoder.onnx', 'model.onnx']],
  'fused-attention': [['fused_attention.onnx', 'decoder_model.onnx']],
};

/** A small model folder in one layout (the tiny test graphs with a letter tokenizer) under `dir`. */
export function buildLayout(dir: string, layout: HubLayout): string {
  const ref = graphReference();
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const encoder = layout === 'encoder';
  const config = encoder
    ? { model_type: 'bert', architectures: ['BertForMaskedLM'], num_attention_heads: ref.heads, max_position_embeddings: 32 }
    : { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_head: ref.heads, n_positions: 32 };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ vocab_size: ref.vocab, ...config }));
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(letterTokenizer(ref.vocab)));
  const mask = encoder ? { mask_token: String.fromCharCode(97 + ref.vocab - 1) } : {};
  writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer', model_max_length: 32, ...mask }));
  for (const [graph, name] of LAYOUTS[layout]) copyFileSync(path.join(testGraphsDir(), graph), path.join(dir, 'onnx', name));
  return dir;
}

/** `a b c` for ids [0, 1, 2]: text the letter tokenizer maps back to those ids. */
export const lettersOf = (ids: number[]) => ids.map((i) => String.fromCharCode(97 + i)).join(' ');

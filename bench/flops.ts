// Counts the floating-point work of one transformer forward pass from the model's config.json.
// Only matrix products are counted (2 FLOPs per multiply-add); softmax, norms and activations
// are a few percent at these sizes and are left out, so the limit derived from this is a floor.

/** The dimensions that decide the matmul work, read from config.json of any common family. */
export interface ModelDims {
  modelType: string;
  nLayers: number;
  nHeads: number;
  /** Key/value heads (fewer than nHeads with grouped-query attention). */
  nKvHeads: number;
  dModel: number;
  dHead: number;
  dFf: number;
  /** Gated MLPs (SwiGLU-style) have three d×ff matrices instead of two. */
  gatedMlp: boolean;
  vocabSize: number;
  contextLength: number;
}

type Config = Record<string, unknown>;

function num(cfg: Config, ...names: string[]): number | undefined {
  for (const n of names) {
    const v = cfg[n];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

const GATED_TYPES = new Set(['llama', 'mistral', 'qwen2', 'gemma', 'gemma2', 'phi3', 'olmo', 'stablelm']);

export function dimsFromConfig(cfg: Config): ModelDims {
  const modelType = String(cfg.model_type ?? 'unknown');
  const nLayers = num(cfg, 'n_layer', 'num_hidden_layers', 'num_layers');
  const nHeads = num(cfg, 'n_head', 'num_attention_heads', 'num_heads');
  const dModel = num(cfg, 'n_embd', 'hidden_size', 'd_model');
  const vocabSize = num(cfg, 'vocab_size');
  if (!nLayers || !nHeads || !dModel || !vocabSize) {
    throw new Error(`config.json lacks layer/head/width/vocab sizes (model_type ${modelType})`);
  }
  const dHead = num(cfg, 'head_dim') ?? dModel / nHeads;
  const gatedMlp = GATED_TYPES.has(modelType) || cfg.hidden_act === 'silu';
  return {
    modelType,
    nLayers,
    nHeads,
    nKvHeads: num(cfg, 'num_key_value_heads', 'n_kv_heads') ?? nHeads,
    dModel,
    dHead,
    dFf: num(cfg, 'n_inner', 'intermediate_size', 'ffn_dim', 'd_ff') ?? 4 * dModel,
    gatedMlp,
    vocabSize,
    contextLength: num(cfg, 'n_positions', 'n_ctx', 'max_position_embeddings') ?? 0,
  };
}

/** FLOPs split by kind, so the table can say where the work goes. */
export interface FlopCount {
  qkv: number;
  scores: number;
  attnTimesV: number;
  outProj: number;
  mlp: number;
  lmHead: number;
  total: number;
}

/**
 * One forward pass over `nNew` new tokens attending to `nNew + nPast` keys (nPast = 0: a full
 * analysis; nNew = 1: one cached probe step). Scores and attention×V are counted over every key
 * (the runtime computes the full masked matrix); logits are produced at every new position.
 */
export function forwardFlops(d: ModelDims, nNew: number, nPast = 0): FlopCount {
  const T = nNew;
  const K = nNew + nPast;
  const dQ = d.nHeads * d.dHead;
  const dKv = d.nKvHeads * d.dHead;
  const perLayer = {
    qkv: 2 * T * d.dModel * (dQ + 2 * dKv),
    scores: 2 * d.nHeads * T * K * d.dHead, // [H, Q, dh] x [H, dh, K]
    attnTimesV: 2 * d.nHeads * T * K * d.dHead, // [H, Q, K] x [H, K, dh]
    outProj: 2 * T * dQ * d.dModel,
    mlp: 2 * T * d.dModel * d.dFf * (d.gatedMlp ? 3 : 2),
  };
  const L = d.nLayers;
  const c = {
    qkv: L * perLayer.qkv,
    scores: L * perLayer.scores,
    attnTimesV: L * perLayer.attnTimesV,
    outProj: L * perLayer.outProj,
    mlp: L * perLayer.mlp,
    lmHead: 2 * T * d.dModel * d.vocabSize,
  };
  return { ...c, total: c.qkv + c.scores + c.attnTimesV + c.outProj + c.mlp + c.lmHead };
}

/** Weight count of the matmul parameters (for the machine summary and sanity checks). */
export function matmulParams(d: ModelDims): number {
  const dQ = d.nHeads * d.dHead;
  const dKv = d.nKvHeads * d.dHead;
  const perLayer = d.dModel * (dQ + 2 * dKv) + dQ * d.dModel + d.dModel * d.dFf * (d.gatedMlp ? 3 : 2);
  return d.nLayers * perLayer + d.dModel * d.vocabSize;
}

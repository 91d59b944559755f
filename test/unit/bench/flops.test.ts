// The FLOP counter behind the benchmark's compute limit, against hand-counted products.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dimsFromConfig, forwardFlops, matmulParams } from '../../../bench/flops';

test('a tiny GPT-2 config: every matmul counted by hand', () => {
  const d = dimsFromConfig({ model_type: 'gpt2', n_layer: 1, n_head: 2, n_embd: 4, n_inner: 16, n_positions: 8, vocab_size: 10 });
  const f = forwardFlops(d, 3);
  // T=3, d=4, H=2, dh=2, ff=16, V=10; 2 FLOPs per multiply-add.
  assert.equal(f.qkv, 2 * 3 * 4 * 12);
  assert.equal(f.scores, 2 * 2 * 3 * 3 * 2);
  assert.equal(f.attnTimesV, 2 * 2 * 3 * 3 * 2);
  assert.equal(f.outProj, 2 * 3 * 4 * 4);
  assert.equal(f.mlp, 2 * 3 * 4 * 16 * 2);
  assert.equal(f.lmHead, 2 * 3 * 4 * 10);
  assert.equal(f.total, 288 + 72 + 72 + 96 + 768 + 240);
});

test('one cached step attends to past + 1 keys and does the dense work once', () => {
  const d = dimsFromConfig({ model_type: 'gpt2', n_layer: 2, n_head: 4, n_embd: 8, n_positions: 64, vocab_size: 50 });
  const step = forwardFlops(d, 1, 9);
  assert.equal(step.scores, 2 * (2 * 4 * 1 * 10 * 2));
  assert.equal(step.mlp, 2 * (2 * 1 * 8 * 32 * 2)); // n_inner defaults to 4·d
  // Dense work of one new token is 2 FLOPs per matmul weight.
  assert.equal(step.qkv + step.outProj + step.mlp + step.lmHead, 2 * matmulParams(d));
});

test('GPT-2 small has the known ~123.5M matmul weights (tied head included once)', () => {
  const d = dimsFromConfig({ model_type: 'gpt2', n_layer: 12, n_head: 12, n_embd: 768, n_positions: 1024, vocab_size: 50257 });
  assert.equal(matmulParams(d), 12 * (768 * 2304 + 768 * 768 + 2 * 768 * 3072) + 768 * 50257);
  assert.equal(d.contextLength, 1024);
});

test('Llama-style configs: grouped KV heads and a gated MLP', () => {
  const d = dimsFromConfig({ model_type: 'llama', num_hidden_layers: 2, num_attention_heads: 8, num_key_value_heads: 2, hidden_size: 64, intermediate_size: 172, max_position_embeddings: 256, vocab_size: 100 });
  assert.equal(d.nKvHeads, 2);
  assert.equal(d.gatedMlp, true);
  const f = forwardFlops(d, 5);
  assert.equal(f.qkv, 2 * (2 * 5 * 64 * (64 + 2 * 16)));
  assert.equal(f.mlp, 2 * (2 * 5 * 64 * 172 * 3));
});

test('a config without sizes is refused with a message', () => {
  assert.throws(() => dimsFromConfig({ model_type: 'mystery' }), /lacks layer\/head\/width\/vocab/);
});

// Whole-model check: the reference model and src/model's tfjs model with the same weights agree on every
// layer's pre/post activation, the loss, every parameter gradient and the weights after 3 SGD steps.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { builtinWasmMaxPoolGrad } from '../src/backend/wasm-maxpool-grad.ts';
import { readyBackend } from '../src/backend/index.ts';
import { MODEL_CASES, checkModel } from '../src/check/model-check.ts';

describe.each(['cpu', 'wasm'] as const)('whole model on %s', (backend) => {
  it.each(MODEL_CASES.map((m) => [m.name, m] as const))('%s', async (_n, m) => {
    await readyBackend(backend);
    const rows = checkModel(m, backend);
    const kinds = new Set(rows.map((r) => r.op.split('.').slice(2).join('.')));
    expect([...kinds].sort()).toEqual(['grad', 'logits', 'loss', 'post', 'pre', 'sgd3']);
    expect(rows.filter((r) => r.op.endsWith('.pre')).length).toBe(m.arch.depth);
    // every trainable weight has a gradient row and an after-SGD row
    const grads = rows.filter((r) => r.op.endsWith('.grad'));
    expect(grads.length).toBe(rows.filter((r) => r.op.endsWith('.sgd3')).length);
    expect(grads.some((r) => r.case.endsWith('head/kernel'))).toBe(true);
    if (m.arch.kind === 'residual-bn') expect(grads.some((r) => r.case.endsWith('bn7/gamma'))).toBe(true);
    for (const r of rows) {
      expect(r.verdict, `${r.op} ${r.case}: ${r.detail}`).toBe('pass');
      // the tolerance is scale-aware, never vacuous: atol is 1e-4 of the largest reference entry
      expect(r.rtol).toBe(1e-3);
    }
    expect(m.arch.kind === 'plain' ? m.arch.depth >= 10 : true).toBe(true);
  });
});

describe('whole-model check leaves no tensors behind', () => {
  it.each(MODEL_CASES.map((m) => [m.name, m] as const))('%s on cpu', async (_n, m) => {
    await readyBackend('cpu');
    const before = tf.memory().numTensors;
    checkModel(m, 'cpu');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('whole-model check has teeth', () => {
  it('residual5-tanh on wasm with tfjs\'s built-in MaxPoolGrad swapped back in: gradients fail, forward passes', async () => {
    const b = await readyBackend('wasm');
    expect(b.kernels).toContain('MaxPoolGrad');
    const builtin = builtinWasmMaxPoolGrad()!;
    const ours = tf.getKernel('MaxPoolGrad', 'wasm')!;
    const m = MODEL_CASES.find((c) => c.name === 'residual5-tanh')!;
    let rows;
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel(builtin);
    try {
      rows = checkModel(m, 'wasm');
    } finally {
      tf.unregisterKernel('MaxPoolGrad', 'wasm');
      tf.registerKernel(ours);
    }
    for (const r of rows.filter((x) => x.op.endsWith('.pre') || x.op.endsWith('.post') || x.op.endsWith('.loss'))) expect(r.verdict).toBe('pass');
    expect(rows.filter((x) => x.op.endsWith('.grad') && x.verdict === 'fail').length).toBeGreaterThan(0);
    // and with ours back, the same case passes
    for (const r of checkModel(m, 'wasm')) expect(r.verdict, `${r.op} ${r.case}`).toBe('pass');
  });

  it('plain12 on cpu with one conv5 kernel entry off by 1% on the tfjs side fails from conv5 on', async () => {
    await readyBackend('cpu');
    const m = MODEL_CASES.find((c) => c.name === 'plain12')!;
    const rows = checkModel(m, 'cpu', { tamper: (w) => void (w['conv5/kernel']![7]! *= 1.01) });
    const failedPre = rows.filter((r) => r.op.endsWith('.pre') && r.verdict === 'fail').map((r) => r.case.split(' ').pop());
    expect(failedPre[0]).toBe('conv5');
    const passedPre = rows.filter((r) => r.op.endsWith('.pre') && r.verdict === 'pass').map((r) => r.case.split(' ').pop());
    expect(passedPre.slice(0, 4)).toEqual(['conv1', 'conv2', 'conv3', 'conv4']);
    expect(failedPre.length).toBeGreaterThanOrEqual(4);
    // and the weight itself, after 3 SGD steps, is off where it was tampered with
    const sgd = rows.find((r) => r.op.endsWith('.sgd3') && r.case.endsWith('conv5/kernel'))!;
    expect(sgd.verdict).toBe('fail');
    expect(sgd.detail).toContain('[0,0,1,1]'); // flat index 7 of (3,3,6,6)
  });
});

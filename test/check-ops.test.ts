// Reference vs tfjs on the per-op case table, on cpu and on wasm (with our Conv2DBackprop and MaxPoolGrad kernels).
// Backends are process-global, so cpu runs first and wasm after it in this one file.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckRow } from '../src/core/types.ts';
import { readyBackend } from '../src/backend/index.ts';
import { ALL_CASES, caseInputs, referenceOutputs } from '../src/check/cases.ts';
import { checkOpsOnBackend } from '../src/check/ops.ts';
import { compare, describeMismatches } from '../src/check/compare.ts';

const caseLabels = ALL_CASES.map((c) => [`${c.op} ${c.name}`, c.op, c.name] as const);

function rowsFor(rows: CheckRow[], op: string, name: string): CheckRow[] {
  return rows.filter((r) => r.op.startsWith(`${op}.`) && r.case === name);
}

describe('reference vs tfjs cpu', () => {
  let rows: CheckRow[] = [];
  beforeAll(async () => {
    await readyBackend('cpu');
    rows = checkOpsOnBackend('cpu');
  });
  it.each(caseLabels)('%s', (_l, op, name) => {
    const mine = rowsFor(rows, op, name);
    expect(mine.length).toBeGreaterThan(1);
    for (const r of mine) {
      if (r.verdict === 'skip') {
        // only conv2d gradients with dilation > 1, which tfjs 4.22 does not implement
        expect(r.detail).toContain('dilation > 1');
        continue;
      }
      expect(r.verdict, `${r.op}: ${r.detail}`).toBe('pass');
    }
  });
});

describe('reference vs tfjs wasm', () => {
  let rows: CheckRow[] = [];
  beforeAll(async () => {
    const b = await readyBackend('wasm');
    expect(b.kernels).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad']));
    rows = checkOpsOnBackend('wasm');
  });
  it.each(caseLabels)('%s', (_l, op, name) => {
    for (const r of rowsFor(rows, op, name)) {
      if (r.verdict === 'skip') {
        expect(r.detail).toContain('dilation > 1');
        continue;
      }
      expect(r.verdict, `${r.op}: ${r.detail}`).toBe('pass');
    }
  });
  it('conv2d grads on wasm run through our kernels for every stride/padding case, and dx through the built-in too', () => {
    const ours = rows.filter((r) => r.op.startsWith('conv2d.grad.') && !r.case.endsWith('[builtin dx]') && r.verdict !== 'skip');
    expect(ours.length).toBe(3 * 15);
    for (const r of ours) expect(r.verdict, `${r.op} ${r.case}: ${r.detail}`).toBe('pass');
    const builtin = rows.filter((r) => r.case.endsWith('[builtin dx]') && r.verdict !== 'skip');
    expect(builtin.length).toBe(15);
    for (const r of builtin) expect(r.verdict, `${r.op} ${r.case}: ${r.detail}`).toBe('pass');
  });
});

/** The tfjs findings the README states, by hand: gradient of sum(maxPool 2×2) and of sum(avgPool 2×2 'same'). */
function poolFindings() {
  return tf.tidy(() => {
    // rows [5, 6, −4, −3] and [7, 8, −2, −1]: the left window's max is 8, the right one is all negative (max −1)
    const x = tf.tensor4d([5, 6, -4, -3, 7, 8, -2, -1], [1, 2, 4, 1]);
    const dy = tf.tensor4d([10, 100], [1, 1, 2, 1]);
    const maxGrad = Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), dy)))(x).dataSync());
    const ones = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
    const avgFwd = Array.from(tf.avgPool(ones, 2, 2, 'same').dataSync());
    const avgGrad = Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.avgPool(t as tf.Tensor4D, 2, 2, 'same')))(ones).dataSync());
    return { maxGrad, avgFwd, avgGrad };
  });
}

describe('tfjs 4.22 pooling findings', () => {
  it('cpu: max-pool grads go to each window max; avg-pool same divides by real cells forward, by the full window backward', async () => {
    await readyBackend('cpu');
    const f = poolFindings();
    expect(f.maxGrad).toEqual([0, 0, 0, 0, 0, 10, 0, 100]);
    expect(f.avgFwd).toEqual([1, 1, 1, 1]);
    // the bottom-right output averages one real cell, yet sends back only 1/4
    expect(f.avgGrad[8]).toBe(0.25);
  });
  // the built-in wasm MaxPoolGrad loses it; test/wasm-maxpool.test.ts pins that
  it('wasm: max-pool grads go to each window max, an all-negative window too (our MaxPoolGrad)', async () => {
    const b = await readyBackend('wasm');
    expect(b.kernels).toContain('MaxPoolGrad');
    expect(poolFindings().maxGrad).toEqual([0, 0, 0, 0, 0, 10, 0, 100]);
  });
});

describe('compare', () => {
  it('reports max abs, max rel, count and the first 5 mismatches with their indices', () => {
    const got = [1, 2, 3.5, 4, 0, 0, 0, 0, 0, 0];
    const want = [1, 2, 3, 4, 1, 1, 1, 1, 1, 1];
    const c = compare(got, want, [2, 5], { atol: 0.1, rtol: 0 });
    expect(c.ok).toBe(false);
    expect(c.mismatches).toBe(7);
    expect(c.maxAbs).toBe(1);
    expect(c.maxRel).toBe(1);
    expect(c.first.map((m) => m.at)).toEqual([[0, 2], [0, 4], [1, 0], [1, 1], [1, 2]]);
    expect(describeMismatches(c)).toMatch(/^7 mismatches: \[0,2\] got 3\.50000 expected 3\.00000/);
  });
  it('NaN is a mismatch; |a−r| ≤ atol + rtol·|r| is inclusive', () => {
    expect(compare([NaN], [0], [1], { atol: 1, rtol: 1 }).ok).toBe(false);
    expect(compare([2], [1], [1], { atol: 0.5, rtol: 0.5 }).ok).toBe(true);
  });
  it('a deliberately wrong reference output is caught (conv2d x=[1,5,5,1] w=[3,3,1,1] s=1 p=valid)', () => {
    const c = ALL_CASES[0]!;
    const out = referenceOutputs(c, caseInputs(c)).forward;
    const bad = Float64Array.from(out.data);
    bad[4]! += 1e-3;
    expect(compare(bad, out.data, out.shape, { atol: 1e-5, rtol: 1e-4 }).first[0]!.at).toEqual([0, 1, 1, 0]);
  });
});

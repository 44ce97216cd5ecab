/**
 * Our WASM MaxPoolGrad against the tfjs cpu backend's (which routes each window's gradient to the
 * first strictly-greatest cell). Each row: the same x and cotangent dy on both backends, dx compared
 * element-wise with |ours − cpu| ≤ ATOL + RTOL·|cpu|, ATOL = RTOL = 0: routing a gradient is exact
 * (copies and sums of dy values), so any difference is a routing error. Rows with dimRoundingMode
 * call the kernel directly: tfjs-core's MaxPool gradient does not pass that attr on.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import { builtinWasmMaxPoolGrad } from '../src/backend/wasm-maxpool-grad.ts';
import { Rng } from '../src/core/rng.ts';

const ATOL = 0;
const RTOL = 0;

type Shape4 = [number, number, number, number];
type Pad = 'valid' | 'same' | number | [[0, 0], [number, number], [number, number], [0, 0]];
type Fill = 'negative' | 'normal' | 'ties' | 'negative-ties' | 'tanh';

interface Case {
  x: Shape4;
  k: number | [number, number];
  s: number | [number, number];
  p: Pad;
  round?: 'floor' | 'round' | 'ceil';
  fill: Fill;
}

const CASES: Case[] = [
  { x: [1, 2, 2, 1], k: 2, s: 2, p: 'valid', fill: 'negative' },
  { x: [2, 6, 6, 3], k: 2, s: 2, p: 'valid', fill: 'negative' },
  { x: [2, 6, 6, 3], k: 2, s: 2, p: 'valid', fill: 'normal' },
  { x: [2, 6, 6, 3], k: 2, s: 2, p: 'valid', fill: 'ties' },
  { x: [2, 6, 6, 3], k: 2, s: 2, p: 'valid', fill: 'negative-ties' },
  { x: [2, 7, 7, 3], k: 3, s: 2, p: 'valid', fill: 'tanh' },
  { x: [2, 7, 7, 3], k: 3, s: 2, p: 'valid', fill: 'negative-ties' },
  { x: [2, 9, 9, 2], k: 3, s: 2, p: 'same', fill: 'ties' },
  { x: [2, 7, 5, 3], k: 2, s: 2, p: 'same', fill: 'negative' },
  { x: [2, 7, 5, 3], k: 3, s: 2, p: 'same', fill: 'tanh' },
  { x: [1, 5, 7, 2], k: 3, s: 1, p: 'same', fill: 'negative' },
  { x: [1, 7, 6, 2], k: [3, 2], s: [2, 1], p: 'same', fill: 'negative-ties' },
  { x: [1, 6, 6, 2], k: 3, s: 2, p: [[0, 0], [1, 2], [2, 1], [0, 0]], fill: 'negative' },
  { x: [2, 6, 6, 2], k: 2, s: 2, p: 1, fill: 'negative' },
  { x: [2, 7, 7, 2], k: 3, s: 2, p: 1, round: 'ceil', fill: 'negative' },
  { x: [2, 7, 7, 2], k: 2, s: 3, p: 0, round: 'round', fill: 'tanh' },
  { x: [2, 8, 8, 2], k: 3, s: 2, p: 1, round: 'floor', fill: 'ties' },
  { x: [4, 16, 16, 8], k: 2, s: 2, p: 'valid', fill: 'tanh' },
  { x: [8, 32, 32, 16], k: 2, s: 2, p: 'valid', fill: 'tanh' },
  { x: [3, 15, 15, 5], k: 3, s: 2, p: 'same', fill: 'tanh' },
];

function pair(v: number | [number, number]): string {
  return typeof v === 'number' ? String(v) : `[${v.join(',')}]`;
}
function caseName(c: Case): string {
  const p = typeof c.p === 'string' || typeof c.p === 'number' ? String(c.p) : `explicit(${c.p[1].join(',')},${c.p[2].join(',')})`;
  const round = c.round === undefined ? '' : ` round=${c.round}`;
  return `x=[${c.x.join(',')}] k=${pair(c.k)} s=${pair(c.s)} p=${p}${round} ${c.fill}`;
}

function draw(n: number, fill: Fill, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (fill) {
      case 'negative':
        out[i] = -(0.1 + 4.9 * rng.uniform());
        break;
      case 'normal':
        out[i] = rng.normal();
        break;
      case 'ties':
        out[i] = rng.int(4) - 2; // {-2,-1,0,1}: most windows hold equal maxima
        break;
      case 'negative-ties':
        out[i] = -2 - rng.int(2); // {-3,-2}
        break;
      case 'tanh':
        out[i] = Math.tanh(1.5 * rng.normal()); // a tanh layer's output: half the windows mostly negative
        break;
    }
  }
  return out;
}

/** dx of <maxPool(x), dy> on the active backend; no tensor outlives the call. */
function dxOnActive(c: Case, x: Float32Array, dyOf: (shape: number[]) => Float32Array): Float32Array {
  const before = tf.memory().numTensors;
  const dx = tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const y = tf.maxPool(xt, c.k, c.s, c.p, c.round);
    const dy = tf.tensor4d(dyOf(y.shape), y.shape as Shape4);
    if (c.round !== undefined) {
      const attrs = { filterSize: c.k, strides: c.s, pad: c.p, dimRoundingMode: c.round };
      return (tf.engine().runKernel('MaxPoolGrad', { dy, input: xt, output: y }, attrs) as tf.Tensor).dataSync() as Float32Array;
    }
    return tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.p))(xt, dy).dataSync() as Float32Array;
  });
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return dx;
}

function expectExact(got: Float32Array, ref: Float32Array): void {
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const ok = Math.abs(got[i]! - ref[i]!) <= ATOL + RTOL * Math.abs(ref[i]!);
    if (!ok) expect(got[i], `dx[${i}]: wasm ${got[i]} vs cpu ${ref[i]} (atol ${ATOL}, rtol ${RTOL})`).toBe(ref[i]);
  }
}

async function onBoth(c: Case, x: Float32Array, dyOf: (shape: number[]) => Float32Array): Promise<{ got: Float32Array; ref: Float32Array }> {
  await tf.setBackend('cpu');
  const ref = dxOnActive(c, x, dyOf);
  await tf.setBackend('wasm');
  const got = dxOnActive(c, x, dyOf);
  return { got, ref };
}

/** dy with distinct values, so a gradient routed to the wrong window's cell cannot go unnoticed */
function dyDistinct(shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, i) => 1 + i);
}

/** the built-in WASM MaxPoolGrad on one case (its setup still runs: we register with it) */
function builtinDx(c: Case, x: Float32Array, dyOf: (shape: number[]) => Float32Array): Float32Array {
  const builtin = builtinWasmMaxPoolGrad();
  if (builtin === undefined) throw new Error('the built-in wasm MaxPoolGrad was not registered');
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const y = tf.maxPool(xt, c.k, c.s, c.p);
    const dy = tf.tensor4d(dyOf(y.shape), y.shape as Shape4);
    const info = builtin.kernelFunc({
      inputs: { dy, input: xt, output: y },
      backend: tf.backend(),
      attrs: { filterSize: c.k, strides: c.s, pad: c.p } as never,
    }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(info).dataSync() as Float32Array;
  });
}

describe('wasm MaxPoolGrad vs the cpu backend', () => {
  beforeAll(async () => {
    const b = await readyBackend('wasm');
    expect(b.kernels).toContain('MaxPoolGrad');
  });

  CASES.forEach((c, i) => {
    it(caseName(c), async () => {
      const x = draw(c.x.reduce((a, b) => a * b, 1), c.fill, 4000 + 31 * i);
      const { got, ref } = await onBoth(c, x, (shape) => draw(shape.reduce((a, b) => a * b, 1), 'normal', 5000 + 31 * i));
      expectExact(got, ref);
      // every dy value lands somewhere (no all −∞/NaN windows here), so dx is not vacuously zero
      expect(ref.some((v) => v !== 0)).toBe(true);
    });
  });

  it('x=[1,2,2,1] k=2 s=2 p=valid all-negative: known answer, and the built-in kernel is wrong', async () => {
    const c: Case = { x: [1, 2, 2, 1], k: 2, s: 2, p: 'valid', fill: 'negative' };
    const x = new Float32Array([-3, -1, -2, -4]);
    const { got, ref } = await onBoth(c, x, () => new Float32Array([1]));
    expect(Array.from(ref)).toEqual([0, 1, 0, 0]);
    expect(Array.from(got)).toEqual([0, 1, 0, 0]);
    // the bug this kernel replaces (if a later tfjs fixes it, this fails: then drop our kernel)
    expect(Array.from(builtinDx(c, x, () => new Float32Array([1])))).toEqual([1, 0, 0, 0]);
  });

  it('x=[1,2,8,1] k=2 s=2 p=valid -Infinity and NaN windows: routed like cpu', async () => {
    const c: Case = { x: [1, 2, 8, 1], k: 2, s: 2, p: 'valid', fill: 'negative' };
    const I = -Infinity;
    const N = NaN;
    // windows (2×2, by column pairs): all −∞ | all NaN | [NaN,−1;−∞,−2] | [−∞,−5;−5,NaN]
    const x = new Float32Array([I, I, N, N, N, -1, I, -5, I, I, N, N, I, -2, -5, N]);
    const { got, ref } = await onBoth(c, x, dyDistinct);
    // all −∞ / all NaN windows drop their gradient; NaN never wins; ties go to the first cell
    expect(Array.from(ref)).toEqual([0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
    expectExact(got, ref);
  });

  it('x=[2,9,9,3] k=3 s=2 p=same all-negative overlapping: distinct dy, sums at shared cells', async () => {
    const c: Case = { x: [2, 9, 9, 3], k: 3, s: 2, p: 'same', fill: 'negative' };
    // one maximum per image and channel at (3,3), inside four windows that all route to it
    const x = draw(2 * 9 * 9 * 3, 'negative', 77);
    for (let n = 0; n < 2; n++) for (let d = 0; d < 3; d++) x[((n * 9 + 3) * 9 + 3) * 3 + d] = -0.01;
    const { got, ref } = await onBoth(c, x, dyDistinct);
    // (3,3) lies in four 3×3 stride-2 windows
    expect(ref[(3 * 9 + 3) * 3]).toBeGreaterThan(0);
    expectExact(got, ref);
  });
});

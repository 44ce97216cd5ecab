/**
 * Our WASM conv gradients against the tfjs cpu backend's own kernels (independent JS loops).
 * Each row: the same x, filter and cotangent dy on both backends; dx and dW compared element-wise
 * with |ours − ref| ≤ ATOL + RTOL·|ref|. Dilation > 1 is refused by tfjs-core's conv2d gradient, so
 * those rows call the kernels directly (with a `dilations` attr) and take the cpu reference from the
 * identity "a conv with dilation d = a conv with the filter zero-stuffed by d".
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import { builtinBackpropInputIsFaster, setBackpropInputChoice } from '../src/backend/wasm-kernels.ts';
import { Rng } from '../src/core/rng.ts';

/**
 * Tolerance per check: |ours − ref| ≤ atol + RTOL·|ref| with atol = ATOL·√max(1, terms/64), where
 * terms is how many O(1) products each output sums (dW: N·OH·OW, dx: KH·KW·Co). Float32 summation
 * error grows like √terms; the worst seen is ~2e-4 at 8192 terms (a wrong index would be O(√terms)).
 */
const ATOL = 1e-4;
const RTOL = 1e-4;
function atolFor(terms: number): number {
  return ATOL * Math.sqrt(Math.max(1, terms / 64));
}

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  w: [number, number, number, number];
  s: number | [number, number];
  p: Pad;
  d: number;
}

const CASES: Case[] = [
  { x: [2, 9, 7, 3], w: [3, 3, 3, 4], s: 1, p: 'same', d: 1 },
  { x: [2, 9, 7, 3], w: [3, 3, 3, 4], s: 2, p: 'same', d: 1 },
  { x: [2, 9, 7, 3], w: [3, 3, 3, 4], s: 3, p: 'same', d: 1 },
  { x: [2, 9, 7, 3], w: [3, 3, 3, 4], s: 2, p: 'valid', d: 1 },
  { x: [1, 8, 8, 2], w: [3, 3, 2, 2], s: 2, p: 'valid', d: 1 }, // last row/col of x never reached
  { x: [1, 10, 8, 2], w: [5, 5, 2, 3], s: 1, p: 'valid', d: 1 },
  { x: [1, 11, 11, 4], w: [5, 5, 4, 2], s: 3, p: 'same', d: 1 },
  { x: [3, 8, 8, 5], w: [1, 1, 5, 6], s: 1, p: 'valid', d: 1 },
  { x: [2, 9, 9, 4], w: [1, 1, 4, 3], s: 2, p: 'same', d: 1 },
  { x: [1, 7, 9, 3], w: [3, 2, 3, 4], s: [2, 1], p: 'same', d: 1 },
  { x: [2, 8, 10, 3], w: [2, 3, 3, 2], s: 2, p: [[0, 0], [2, 1], [0, 3], [0, 0]], d: 1 },
  // padding wider than the kernel reaches: the backprop-input frame is cropped
  { x: [2, 6, 7, 2], w: [3, 3, 2, 3], s: 1, p: [[0, 0], [3, 0], [1, 4], [0, 0]], d: 1 },
  { x: [2, 12, 10, 3], w: [3, 3, 3, 4], s: 1, p: 'same', d: 2 },
  { x: [1, 13, 11, 2], w: [3, 2, 2, 3], s: 1, p: 'valid', d: 2 },
  // the perf benchmark's layer (3×3, 16→16, 32×32) at batch 1 (the cpu side is slow)
  { x: [1, 32, 32, 16], w: [3, 3, 16, 16], s: 1, p: 'same', d: 1 },
];

function padName(p: Pad): string {
  return typeof p === 'string' ? p : `explicit(${p[1][0]},${p[1][1]},${p[2][0]},${p[2][1]})`;
}
function caseName(c: Case): string {
  const s = typeof c.s === 'number' ? String(c.s) : `[${c.s.join(',')}]`;
  return `x=[${c.x.join(',')}] w=[${c.w.join(',')}] s=${s} p=${padName(c.p)} d=${c.d}`;
}

function draw(shape: number[], seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Rng(seed).fillNormal(new Float32Array(n)) as Float32Array;
}

/** [KH,KW,Ci,Co] → [(KH−1)d+1, (KW−1)d+1, Ci, Co] with zeros between taps */
function dilateFilter(w: Float32Array, shape: number[], d: number): { data: Float32Array; shape: [number, number, number, number] } {
  const [KH, KW, Ci, Co] = shape as [number, number, number, number];
  const BH = (KH - 1) * d + 1;
  const BW = (KW - 1) * d + 1;
  const out = new Float32Array(BH * BW * Ci * Co);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++)
      out.set(w.subarray((kh * KW + kw) * Ci * Co, (kh * KW + kw + 1) * Ci * Co), (kh * d * BW + kw * d) * Ci * Co);
  return { data: out, shape: [BH, BW, Ci, Co] };
}

function undilateGrad(g: Float32Array, shape: number[], d: number): Float32Array {
  const [KH, KW, Ci, Co] = shape as [number, number, number, number];
  const BW = (KW - 1) * d + 1;
  const out = new Float32Array(KH * KW * Ci * Co);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++)
      out.set(g.subarray((kh * d * BW + kw * d) * Ci * Co, (kh * d * BW + kw * d + 1) * Ci * Co), (kh * KW + kw) * Ci * Co);
  return out;
}

interface Grads {
  dx: Float32Array;
  dw: Float32Array;
  /** elements of dy, N·OH·OW·Co */
  dyLen: number;
}

/** dx, dW of <conv2d(x, w), dy> on the active backend: through tf.grads when d = 1, else the kernels. */
function gradsOnActive(c: Case, x: Float32Array, w: Float32Array, dyData: (outShape: number[]) => Float32Array, viaDilatedFilter: boolean): Grads {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    if (c.d === 1) {
      const wt = tf.tensor4d(w, c.w);
      const y = tf.conv2d(xt, wt, c.s, c.p);
      const dy = tf.tensor4d(dyData(y.shape), y.shape as [number, number, number, number]);
      const [dx, dw] = tf.grads((...ab: tf.Tensor[]) => tf.conv2d(ab[0] as tf.Tensor4D, ab[1] as tf.Tensor4D, c.s, c.p))([xt, wt], dy);
      return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array, dyLen: dy.size };
    }
    if (viaDilatedFilter) {
      const big = dilateFilter(w, c.w, c.d);
      const wt = tf.tensor4d(big.data, big.shape);
      const y = tf.conv2d(xt, wt, c.s, c.p);
      const dy = tf.tensor4d(dyData(y.shape), y.shape as [number, number, number, number]);
      const [dx, dw] = tf.grads((...ab: tf.Tensor[]) => tf.conv2d(ab[0] as tf.Tensor4D, ab[1] as tf.Tensor4D, c.s, c.p))([xt, wt], dy);
      return { dx: dx!.dataSync() as Float32Array, dw: undilateGrad(dw!.dataSync() as Float32Array, c.w, c.d), dyLen: dy.size };
    }
    const wt = tf.tensor4d(w, c.w);
    const y = tf.conv2d(xt, wt, c.s, c.p, 'NHWC', c.d);
    const dy = tf.tensor4d(dyData(y.shape), y.shape as [number, number, number, number]);
    const common = { strides: c.s, pad: c.p, dataFormat: 'NHWC', dilations: c.d };
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: wt }, { ...common, inputShape: c.x }) as tf.Tensor;
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...common, filterShape: c.w }) as tf.Tensor;
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array, dyLen: dy.size };
  });
}

function expectClose(label: string, got: Float32Array, ref: Float32Array, atol: number): void {
  expect(got.length, `${label} length`).toBe(ref.length);
  let worst = -Infinity;
  let at = -1;
  for (let i = 0; i < ref.length; i++) {
    const excess = Math.abs(got[i]! - ref[i]!) - (atol + RTOL * Math.abs(ref[i]!));
    if (!(excess <= worst) || Number.isNaN(got[i]!)) {
      worst = Number.isNaN(got[i]!) ? Infinity : excess;
      at = i;
    }
  }
  expect(worst, `${label}[${at}]: ours ${got[at]} vs cpu ${ref[at]} (atol ${atol.toExponential(1)}, rtol ${RTOL})`).toBeLessThanOrEqual(0);
}

async function compare(c: Case, seed: number): Promise<void> {
  const x = draw(c.x, seed);
  const w = draw(c.w, seed + 1);
  const dyData = (shape: number[]) => draw(shape, seed + 2);
  await tf.setBackend('cpu');
  const ref = gradsOnActive(c, x, w, dyData, true);
  await tf.setBackend('wasm');
  const got = gradsOnActive(c, x, w, dyData, false);
  const dyTerms = ref.dyLen / c.w[3]; // N·OH·OW
  expectClose('dx', got.dx, ref.dx, atolFor(c.w[0] * c.w[1] * c.w[3]));
  expectClose('dW', got.dw, ref.dw, atolFor(dyTerms));
  // a zero reference would make the comparison vacuous
  expect(ref.dw.some((v) => Math.abs(v) > 1e-3)).toBe(true);
}

describe('wasm conv gradients vs the cpu backend', () => {
  beforeAll(async () => {
    const b = await readyBackend('wasm');
    expect(b.kernels).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Identity']));
    // tiny cases would otherwise go to the built-in backprop-input; test ours on every row
    setBackpropInputChoice('ours');
  });

  CASES.forEach((c, i) => {
    it(caseName(c), async () => {
      await compare(c, 1000 + 17 * i);
    });
  });

  it('Identity shares the data (no copy), and disposing either side keeps the other readable', () => {
    const before = tf.memory().numDataBuffers;
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.engine().runKernel('Identity', { x: a }) as tf.Tensor;
    expect(tf.memory().numDataBuffers).toBe(before + 1);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    b.dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
  });

  it('auto choice: tiny shapes use the built-in backprop-input, real ones ours, both equal to cpu', async () => {
    expect(builtinBackpropInputIsFaster(4320, [1, 1])).toBe(true);
    expect(builtinBackpropInputIsFaster(32 * 32 * 9 * 16 * 16, [1, 1])).toBe(false);
    expect(builtinBackpropInputIsFaster(4320, [2, 2])).toBe(false); // the built-in ignores dilation
    setBackpropInputChoice('auto');
    try {
      await compare(CASES[1]!, 77); // 2·5·4·9·3·4 = 4320 multiply-adds → built-in
      await compare(CASES[CASES.length - 1]!, 78); // 1·32·32·9·16·16 → ours
    } finally {
      setBackpropInputChoice('ours');
    }
  });
});

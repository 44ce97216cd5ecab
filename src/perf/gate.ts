/**
 * The correctness gate run before any timing: conv2d forward, input gradient and filter gradient on a
 * backend against the tfjs cpu backend's kernels, on the benchmark layer and a few awkward shapes.
 * Values are computed on each backend into plain arrays, then compared element-wise with
 * |got − ref| ≤ atol + rtol·|ref|, atol = 1e-4·√max(1, terms/64) (terms = products summed per output).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import type { CheckRow } from '../core/types.ts';
import { Rng } from '../core/rng.ts';

export const GATE_RTOL = 1e-4;
const ATOL_BASE = 1e-4;

export interface GateCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
}

export const GATE_CASES: GateCase[] = [
  // the benchmark layer (3×3, 16→16, 32×32) at batch 1, so the cpu side stays fast
  { x: [1, 32, 32, 16], w: [3, 3, 16, 16], strides: 1, pad: 'same' },
  // the first layer of the benchmark CNN
  { x: [2, 32, 32, 3], w: [3, 3, 3, 16], strides: 1, pad: 'same' },
  { x: [2, 9, 7, 3], w: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [1, 11, 11, 4], w: [5, 5, 4, 2], strides: 3, pad: 'valid' },
  { x: [2, 9, 9, 4], w: [1, 1, 4, 3], strides: 2, pad: 'same' },
  { x: [2, 8, 10, 3], w: [2, 3, 3, 2], strides: 2, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
];

export function gateCaseName(c: GateCase): string {
  const p = typeof c.pad === 'string' ? c.pad : `explicit(${c.pad[1].join(',')},${c.pad[2].join(',')})`;
  return `x=[${c.x.join(',')}] w=[${c.w.join(',')}] s=${c.strides} p=${p} d=1`;
}

interface ConvOutputs {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  dyLen: number;
}

function draw(n: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(n)) as Float32Array;
}

/** Forward, dx and dW of <conv2d(x, w), dy> on the active backend, with seeded x, w, dy. */
function convOutputs(c: GateCase, seed: number): ConvOutputs {
  return tf.tidy(() => {
    const x = tf.tensor4d(draw(c.x.reduce((a, b) => a * b, 1), seed), c.x);
    const w = tf.tensor4d(draw(c.w.reduce((a, b) => a * b, 1), seed + 1), c.w);
    const f = (...ab: tf.Tensor[]) => tf.conv2d(ab[0] as tf.Tensor4D, ab[1] as tf.Tensor4D, c.strides, c.pad);
    const y = f(x, w);
    const dy = tf.tensor(draw(y.size, seed + 2), y.shape);
    const [dx, dw] = tf.grads(f)([x, w], dy);
    return {
      y: y.dataSync() as Float32Array,
      dx: dx!.dataSync() as Float32Array,
      dw: dw!.dataSync() as Float32Array,
      dyLen: dy.size,
    };
  });
}

export function compareArrays(
  op: string,
  caseName: string,
  backend: string,
  got: Float32Array,
  ref: Float32Array,
  atol: number,
  rtol: number,
): CheckRow {
  let maxAbs = 0;
  let maxRel = 0;
  let mismatches = 0;
  let first: string | null = null;
  if (got.length !== ref.length) {
    return { op, case: caseName, backend, maxAbs: null, maxRel: null, atol, rtol, mismatches: ref.length, verdict: 'fail', detail: `length ${got.length} vs ${ref.length}` };
  }
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    const r = d / Math.max(Math.abs(ref[i]!), 1e-30);
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
    if (r > maxRel && Math.abs(ref[i]!) > atol) maxRel = r;
    if (!(d <= atol + rtol * Math.abs(ref[i]!))) {
      mismatches++;
      first ??= `[${i}] got ${got[i]} ref ${ref[i]}`;
    }
  }
  return { op, case: caseName, backend, maxAbs, maxRel, atol, rtol, mismatches, verdict: mismatches === 0 ? 'pass' : 'fail', detail: first };
}

function atolFor(terms: number): number {
  return ATOL_BASE * Math.sqrt(Math.max(1, terms / 64));
}

/**
 * Runs the gate for `backend` (a tfjs backend name already registered, e.g. 'wasm' or 'tensorflow'),
 * switching the process between it and 'cpu'; leaves `backend` active.
 */
export async function runGate(backend: string, label: string): Promise<{ passed: boolean; rows: CheckRow[] }> {
  const rows: CheckRow[] = [];
  for (const [i, c] of GATE_CASES.entries()) {
    const seed = 500 + 31 * i;
    await tf.setBackend('cpu');
    const ref = convOutputs(c, seed);
    await tf.setBackend(backend);
    const got = convOutputs(c, seed);
    const name = gateCaseName(c);
    const [KH, KW, Ci, Co] = c.w;
    rows.push(compareArrays('conv2d.forward', name, label, got.y, ref.y, atolFor(KH * KW * Ci), GATE_RTOL));
    rows.push(compareArrays('conv2d.grad.x', name, label, got.dx, ref.dx, atolFor(KH * KW * Co), GATE_RTOL));
    rows.push(compareArrays('conv2d.grad.w', name, label, got.dw, ref.dw, atolFor(ref.dyLen / Co), GATE_RTOL));
  }
  return { passed: rows.every((r) => r.verdict === 'pass'), rows };
}

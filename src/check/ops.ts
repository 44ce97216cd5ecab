/**
 * Per-op checks: the reference against tfjs on the active backend, and the reference against its own
 * central finite differences in float64.
 */
import type { CheckRow } from '../core/types.ts';
import * as ref from '../reference/index.ts';
import type { Tensor } from '../reference/index.ts';
import { type OpCase, ALL_CASES, caseInputs, gradInputs, referenceForward, referenceOutputs, tfjsTolerance } from './cases.ts';
import { type Comparison, type Tolerance, compare, errorRow, rowOf } from './compare.ts';
import { type Output, tfjsForward, tfjsGrads, tfjsGradUnsupported } from './tfjs-ops.ts';
import { setBackpropInputChoice } from '../backend/wasm-kernels.ts';

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? String(e);

/**
 * Rows for every case on the active tfjs backend, named `backend` in the rows. On wasm, conv2d
 * gradients run through our Conv2DBackpropFilter/Input kernels (dx forced to ours: on 'auto' the
 * built-in takes tiny shapes like these), then dx once more through the built-in, case-named `[builtin dx]`.
 */
export function checkOpsOnBackend(backend: string, cases: readonly OpCase[] = ALL_CASES): CheckRow[] {
  if (backend !== 'wasm') return checkCases(backend, cases);
  const prev = setBackpropInputChoice('ours');
  try {
    const rows = checkCases(backend, cases);
    setBackpropInputChoice('builtin');
    const builtin = checkCases(backend, cases.filter((c) => c.kind === 'conv2d'), ' [builtin dx]').filter((r) => r.op === 'conv2d.grad.x');
    return [...rows, ...builtin];
  } finally {
    setBackpropInputChoice(prev);
  }
}

function checkCases(backend: string, cases: readonly OpCase[], suffix = ''): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const c0 of cases) {
    const c = suffix === '' ? c0 : { ...c0, name: c0.name + suffix };
    const inputs = caseInputs(c0);
    const expected = referenceOutputs(c, inputs);
    const tol = tfjsTolerance(c);
    const got: Record<string, Output> = {};
    const failed: Record<string, { msg: string; verdict: 'error' | 'skip' }> = {};
    try {
      got.forward = tfjsForward(c, inputs);
    } catch (e) {
      failed.forward = { msg: firstLine(e), verdict: 'error' };
    }
    const unsupported = tfjsGradUnsupported(c);
    if (unsupported !== null) {
      for (const key of Object.keys(expected)) if (key !== 'forward') failed[key] = { msg: unsupported, verdict: 'skip' };
    } else {
      try {
        Object.assign(got, tfjsGrads(c, inputs));
      } catch (e) {
        // e.g. a kernel the backend lacks: an error row per gradient, then the next case
        for (const key of Object.keys(expected)) if (key !== 'forward') failed[key] = { msg: firstLine(e), verdict: 'error' };
      }
    }
    for (const [key, r] of Object.entries(expected)) {
      const op = `${c.op}.${key}`;
      const a = got[key];
      const f = failed[key];
      if (f !== undefined || a === undefined) {
        rows.push(errorRow(op, c.name, backend, tol, f?.msg ?? `tfjs produced no ${key}`, f?.verdict ?? 'error'));
        continue;
      }
      const cmp = compare(a.data, r.data, r.shape, tol);
      if (cmp.shapeError === null && a.shape.join(',') !== r.shape.join(',') && !(r.shape.length === 0 && a.data.length === 1)) {
        cmp.ok = false;
        cmp.shapeError = `tfjs shape [${a.shape.join(',')}], reference [${r.shape.join(',')}]`;
      }
      rows.push(rowOf(op, c.name, backend, cmp, tol, cmp.ok ? undefined : diagnose(c, inputs, cmp)));
    }
  }
  return rows;
}

/**
 * A recognisable failure pattern, in words. Max-pool gradient mismatches confined to windows whose
 * inputs are all negative: tfjs-backend-wasm 4.22's MaxPoolGrad loses or misplaces those windows'
 * gradient (test/check-ops.test.ts pins it down on a 2×4 input).
 */
function diagnose(c: OpCase, inputs: Record<string, Tensor>, cmp: Comparison): string | undefined {
  if (c.kind !== 'pool' || c.op !== 'max-pool' || cmp.first.length === 0) return undefined;
  const x = inputs.x!;
  const [N, H, W, C] = x.shape as [number, number, number, number];
  // a pooling window is placed as a size×size kernel is: the reference's geometry, not a restatement
  const g = ref.convGeometry([N, H, W, 1], [c.size, c.size, 1, 1], { stride: c.stride, padding: c.padding });
  const allNegativeWindow = (n: number, h: number, w: number, ch: number): boolean => {
    // some window containing (h,w) whose real cells are all negative
    for (let oh = 0; oh * c.stride <= h + c.size; oh++) {
      for (let ow = 0; ow * c.stride <= w + c.size; ow++) {
        const r0 = oh * c.stride - g.top, c0 = ow * c.stride - g.left;
        if (h < r0 || h >= r0 + c.size || w < c0 || w >= c0 + c.size) continue;
        let neg = true;
        for (let i = Math.max(0, r0); i < Math.min(H, r0 + c.size); i++)
          for (let j = Math.max(0, c0); j < Math.min(W, c0 + c.size); j++) if (x.data[((n * H + i) * W + j) * C + ch]! >= 0) neg = false;
        if (neg) return true;
      }
    }
    return false;
  };
  const all = cmp.first.every((m) => allNegativeWindow(m.at[0]!, m.at[1]!, m.at[2]!, m.at[3]!));
  return all ? 'every mismatch lies in a window whose inputs are all negative: the backend\'s MaxPoolGrad loses or misplaces the gradient of such windows' : undefined;
}

/** Central differences are O(h²) accurate; h = 1e-5 keeps both truncation and round-off near 1e-10. */
export const FD_STEP = 1e-5;
/**
 * rel err < 1e-6 (rtol) on every entry above 1e-3 of the tensor's largest; below that an absolute
 * 1e-9 of the largest (tanh' at x = 9 is 6e-8, where central differences reach only their round-off
 * floor, ε·|y|/h ≈ 1e-11 per moved output).
 */
export const FD_RTOL = 1e-6;
export function fdTolerance(fd: ArrayLike<number>): Tolerance {
  let max = 0;
  for (let i = 0; i < fd.length; i++) max = Math.max(max, Math.abs(fd[i]!));
  return { atol: Math.max(1e-3 * FD_RTOL * max, 1e-15), rtol: FD_RTOL };
}

// a case's inputs → dL/d(inputs[name]) for L = Σ dy·forward (or the loss itself) by central differences.
// The difference is taken output by output before contracting with dy, so outputs a perturbation does
// not touch cancel exactly and the round-off stays that of the entries that moved.
export function finiteDifferenceGradient(
  c: OpCase, inputs: Record<string, Tensor>, name: string, h = FD_STEP, indices: readonly number[] = fdIndices(inputs[name]!.data.length),
): Float64Array {
  const t = inputs[name]!;
  const dy = c.kind === 'softmax-ce' ? null : inputs.dy!;
  const g = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const j = indices[k]!;
    const keep = t.data[j]!;
    t.data[j] = keep + h;
    const up = referenceForward(c, inputs).data;
    t.data[j] = keep - h;
    const down = referenceForward(c, inputs).data;
    t.data[j] = keep;
    let s = 0;
    for (let o = 0; o < up.length; o++) {
      const d = up[o]! - down[o]!;
      if (d !== 0) s += (dy === null ? 1 : dy.data[o]!) * d;
    }
    g[k] = s / (2 * h);
  }
  return g;
}

/** Every entry of inputs up to 512 values; above that 128 evenly spread ones (first and last included). */
export function fdIndices(n: number): number[] {
  if (n <= 512) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: 128 }, (_, k) => Math.round((k * (n - 1)) / 127));
}

/** Rows comparing every reference gradient with finite differences (backend 'reference-fd'). */
export function checkFiniteDifferences(cases: readonly OpCase[] = ALL_CASES): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const c of cases) {
    const inputs = caseInputs(c);
    const analytic = referenceOutputs(c, inputs);
    for (const name of gradInputs(c)) {
      const idx = fdIndices(inputs[name]!.data.length);
      const fd = finiteDifferenceGradient(c, inputs, name, FD_STEP, idx);
      const a = analytic[`grad.${name}`]!;
      const tol = fdTolerance(fd);
      const sampled = idx.length < a.data.length;
      // sampled entries are compared as a flat list; their indices then count within the sample
      const cmp = compare(idx.map((j) => a.data[j]!), fd, sampled ? [idx.length] : a.shape, tol);
      rows.push(rowOf(`${c.op}.grad.${name}`, c.name, 'reference-fd', cmp, tol, sampled ? `${idx.length} of ${a.data.length} entries` : undefined));
    }
  }
  return rows;
}

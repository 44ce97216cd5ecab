/**
 * Tolerance comparison: an entry passes when |a − r| ≤ atol + rtol·|r| (r is the trusted side).
 * A failure carries max abs, max rel, the mismatch count and the first mismatching indices.
 */
import type { CheckRow } from '../core/types.ts';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface Mismatch {
  /** flat row-major index and its multi-index in the compared shape */
  index: number;
  at: number[];
  got: number;
  expected: number;
}

export interface Comparison {
  ok: boolean;
  maxAbs: number;
  /**
   * max |a−r|/|r| over the entries judged relatively, |r| ≥ atol/rtol (below that the atol term
   * dominates, and a tiny reference would make any relative error huge); 0 when there are none
   */
  maxRel: number;
  mismatches: number;
  first: Mismatch[];
  /** set when the shapes or lengths differ: nothing was compared */
  shapeError: string | null;
}

/** Multi-index of a flat row-major index. */
export function unravel(index: number, shape: readonly number[]): number[] {
  const at = new Array<number>(shape.length).fill(0);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    at[d] = rest % n;
    rest = Math.floor(rest / n);
  }
  return at;
}

export function compare(got: ArrayLike<number>, expected: ArrayLike<number>, shape: readonly number[], tol: Tolerance): Comparison {
  if (got.length !== expected.length) {
    return {
      ok: false, maxAbs: NaN, maxRel: NaN, mismatches: expected.length, first: [],
      shapeError: `expected ${expected.length} values (shape [${shape.join(',')}]), got ${got.length}`,
    };
  }
  let maxAbs = 0;
  let maxRel = 0;
  let mismatches = 0;
  const first: Mismatch[] = [];
  // with rtol = 0 every entry is judged absolutely; report the relative error over all of them then
  const relFloor = tol.rtol > 0 ? tol.atol / tol.rtol : 0;
  for (let i = 0; i < got.length; i++) {
    const a = got[i]!;
    const r = expected[i]!;
    const err = Math.abs(a - r);
    // NaN compares false everywhere; count it as a mismatch with infinite error
    const bad = !(err <= tol.atol + tol.rtol * Math.abs(r));
    const e = Number.isNaN(err) ? Infinity : err;
    maxAbs = Math.max(maxAbs, e);
    if (Math.abs(r) >= relFloor && Math.abs(r) > 0) maxRel = Math.max(maxRel, e / Math.abs(r));
    if (bad) {
      mismatches++;
      if (first.length < 5) first.push({ index: i, at: unravel(i, shape), got: a, expected: r });
    }
  }
  return { ok: mismatches === 0, maxAbs, maxRel, mismatches, first, shapeError: null };
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? v.toPrecision(6) : v.toExponential(3);
}

/** `[0,2,3,1] got 0.5 expected 0.25; …` for the first mismatches. */
export function describeMismatches(c: Comparison): string {
  if (c.shapeError !== null) return c.shapeError;
  const items = c.first.map((m) => `[${m.at.join(',')}] got ${fmt(m.got)} expected ${fmt(m.expected)}`);
  return `${c.mismatches} mismatch${c.mismatches === 1 ? '' : 'es'}: ${items.join('; ')}`;
}

export function rowOf(op: string, caseName: string, backend: string, c: Comparison, tol: Tolerance, note?: string): CheckRow {
  const detail = c.ok ? (note ?? null) : `${describeMismatches(c)}${note !== undefined ? ` (${note})` : ''}`;
  return {
    op,
    case: caseName,
    backend,
    maxAbs: c.shapeError === null ? c.maxAbs : null,
    maxRel: c.shapeError === null ? c.maxRel : null,
    atol: tol.atol,
    rtol: tol.rtol,
    mismatches: c.mismatches,
    verdict: c.ok ? 'pass' : 'fail',
    detail,
  };
}

export function errorRow(op: string, caseName: string, backend: string, tol: Tolerance, message: string, verdict: 'error' | 'skip' = 'error'): CheckRow {
  return { op, case: caseName, backend, maxAbs: null, maxRel: null, atol: tol.atol, rtol: tol.rtol, mismatches: 0, verdict, detail: message };
}

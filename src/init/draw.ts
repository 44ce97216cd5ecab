/**
 * Seeded draws for our initializers, in float64 on the JS side with src/core/rng.ts, so they are the
 * same on every backend. Seed 0 is mapped to a fixed non-zero seed (never "random").
 */
import { Rng } from '../core/rng.ts';

/** What seed 0 (or a missing seed) means: this fixed value, so "seed 0" is still deterministic. */
export const SEED_FOR_ZERO = 0x2545f491;

export function effectiveSeed(seed: number | null | undefined): number {
  if (seed === null || seed === undefined || !Number.isFinite(seed)) return SEED_FOR_ZERO;
  const s = Math.trunc(seed) >>> 0;
  return s === 0 ? SEED_FOR_ZERO : s;
}

/**
 * std of the underlying normal so that N(0, σ²) truncated at ±2 of its own σ has variance `std²`:
 * Var(N(0,1) | |z| < 2) = 0.7737413..., √ = 0.87962566103423978 (the constant Keras divides by).
 */
export const TRUNCATED_STD_CORRECTION = 0.87962566103423978;

export function drawNormal(n: number, std: number, seed: number, mean = 0): Float64Array {
  const rng = new Rng(effectiveSeed(seed));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + std * rng.normal();
  return out;
}

/** N(0, rawStd²) redrawn outside ±2·rawStd. */
export function drawTruncated(n: number, rawStd: number, seed: number): Float64Array {
  const rng = new Rng(effectiveSeed(seed));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = rng.normal();
    while (z < -2 || z > 2) z = rng.normal();
    out[i] = rawStd * z;
  }
  return out;
}

/** U(−limit, limit). */
export function drawUniform(n: number, limit: number, seed: number): Float64Array {
  const rng = new Rng(effectiveSeed(seed));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = limit * (2 * rng.uniform() - 1);
  return out;
}

/**
 * A rows×cols matrix (row-major) with orthonormal columns when rows ≥ cols, else orthonormal rows,
 * times `gain`: Householder QR of a Gaussian [max, min] matrix, Q's columns multiplied by sign(diag R)
 * so Q is Haar-distributed (Mezzadri 2007), transposed when rows < cols — PyTorch's orthogonal_.
 */
export function orthogonalMatrix(rows: number, cols: number, gain: number, seed: number): Float64Array {
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const rng = new Rng(effectiveSeed(seed));
  const A = new Float64Array(m * n);
  for (let i = 0; i < A.length; i++) A[i] = rng.normal();
  const Q = thinQ(A, m, n);
  const out = new Float64Array(rows * cols);
  if (rows >= cols) {
    for (let i = 0; i < m * n; i++) out[i] = gain * Q[i]!;
  } else {
    // out = Qᵀ: [n, m] = [rows, cols]
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = gain * Q[i * n + j]!;
  }
  return out;
}

/** Thin Q (m×n, row-major) of A = QR with diag(R) > 0. A is overwritten. */
function thinQ(A: Float64Array, m: number, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const beta: number[] = [];
  const signs: number[] = [];
  for (let j = 0; j < n; j++) {
    let norm2 = 0;
    for (let i = j; i < m; i++) norm2 += A[i * n + j]! ** 2;
    const norm = Math.sqrt(norm2);
    const ajj = A[j * n + j]!;
    // Reflect onto −sign(a_jj)·‖a‖ e_1 (no cancellation); R_jj = alpha.
    const alpha = ajj > 0 ? -norm : norm;
    const v = new Float64Array(m - j);
    for (let i = j; i < m; i++) v[i - j] = A[i * n + j]!;
    v[0]! -= alpha;
    let vn2 = 0;
    for (let i = 0; i < v.length; i++) vn2 += v[i]! ** 2;
    const b = vn2 > 0 ? 2 / vn2 : 0;
    for (let c = j; c < n; c++) {
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * A[(j + i) * n + c]!;
      const f = b * dot;
      for (let i = 0; i < v.length; i++) A[(j + i) * n + c]! -= f * v[i]!;
    }
    vs.push(v);
    beta.push(b);
    signs.push(alpha < 0 ? -1 : 1);
  }
  // Q = H_0 … H_{n−1} [I_n; 0], accumulated backwards.
  const Q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let j = n - 1; j >= 0; j--) {
    const v = vs[j]!;
    const b = beta[j]!;
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * Q[(j + i) * n + c]!;
      const f = b * dot;
      for (let i = 0; i < v.length; i++) Q[(j + i) * n + c]! -= f * v[i]!;
    }
  }
  // Sign fix: make diag(R) positive by flipping Q's columns where R_jj < 0.
  for (let c = 0; c < n; c++) if (signs[c]! < 0) for (let i = 0; i < m; i++) Q[i * n + c] = -Q[i * n + c]!;
  return Q;
}

/** Why a shape cannot take a delta-orthogonal kernel, or null. */
export function deltaOrthogonalProblem(shape: number[]): string | null {
  if (shape.length === 2) return null;
  if (shape.length < 3 || shape.length > 4) return `needs a conv kernel [k,cin,cout] or [kh,kw,cin,cout], got [${shape.join(',')}]`;
  const cin = shape[shape.length - 2]!;
  const cout = shape[shape.length - 1]!;
  for (const k of shape.slice(0, -2)) if (k % 2 === 0) return `needs an odd kernel size (a centre tap), got ${k} in [${shape.join(',')}]`;
  if (cin > cout) return `needs cin ≤ cout (an isometry from cin to cout channels), got cin ${cin} > cout ${cout}`;
  return null;
}

/**
 * Delta-orthogonal kernel (Xiao et al. 2018): zero except the centre tap, which is gain·H with
 * H [cin, cout] having orthonormal rows (needs cin ≤ cout). Shape [k, cin, cout] or [kh, kw, cin, cout].
 */
export function deltaOrthogonal(shape: number[], gain: number, seed: number): Float64Array {
  const cin = shape[shape.length - 2]!;
  const cout = shape[shape.length - 1]!;
  const spatial = shape.slice(0, -2);
  let centre = 0;
  for (const d of spatial) centre = centre * d + (d - 1) / 2;
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  const H = orthogonalMatrix(cin, cout, gain, seed);
  out.set(H, centre * cin * cout);
  return out;
}

/** ‖MᵀM − g²I‖_F / ‖g²I‖_F over the smaller side of a rows×cols row-major matrix. */
export function orthogonalityError(M: ArrayLike<number>, rows: number, cols: number, gain: number): number {
  const g2 = gain * gain;
  const n = Math.min(rows, cols);
  let err = 0;
  if (rows >= cols) {
    for (let a = 0; a < cols; a++)
      for (let b = a; b < cols; b++) {
        let s = 0;
        for (let i = 0; i < rows; i++) s += M[i * cols + a]! * M[i * cols + b]!;
        const d = s - (a === b ? g2 : 0);
        err += a === b ? d * d : 2 * d * d;
      }
  } else {
    for (let a = 0; a < rows; a++)
      for (let b = a; b < rows; b++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += M[a * cols + j]! * M[b * cols + j]!;
        const d = s - (a === b ? g2 : 0);
        err += a === b ? d * d : 2 * d * d;
      }
  }
  return Math.sqrt(err) / (g2 * Math.sqrt(n));
}

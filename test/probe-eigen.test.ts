/**
 * The Jacobian probe's symmetric eigenvalue routine (Householder + implicit QL) against two independent
 * truths: matrices built with a known spectrum (Q·diag(λ)·Qᵀ, Q a product of random Householder
 * reflections), and the cyclic Jacobi method written here, a different algorithm.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { symmetricEigenvalues } from '../src/probe/eigen.ts';

/** Cyclic Jacobi rotations until the off-diagonal mass is below 1e-26 of the total: eigenvalues ascending. */
function jacobiEigenvalues(m: Float64Array, n: number): number[] {
  const a = Float64Array.from(m);
  const off = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) s += a[i * n + j]! ** 2;
    return s;
  };
  const total = a.reduce((s, x) => s + x * x, 0);
  for (let sweep = 0; sweep < 100 && off() > 1e-26 * total; sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => x - y);
}

/** Q·diag(λ)·Qᵀ with Q = H_1⋯H_r, H = I − 2uuᵀ/‖u‖² for random u. */
function withSpectrum(lambda: number[], rng: Rng): Float64Array {
  const n = lambda.length;
  const a = new Float64Array(n * n);
  lambda.forEach((l, i) => (a[i * n + i] = l));
  for (let r = 0; r < 4; r++) {
    const u = Float64Array.from({ length: n }, () => rng.normal());
    const uu = u.reduce((s, x) => s + x * x, 0);
    // A ← H A H: rows then columns
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += u[i]! * a[i * n + j]!;
      for (let i = 0; i < n; i++) a[i * n + j]! -= (2 * u[i]! * dot) / uu;
    }
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += a[i * n + j]! * u[j]!;
      for (let j = 0; j < n; j++) a[i * n + j]! -= (2 * dot * u[j]!) / uu;
    }
  }
  // exact symmetry (rounding leaves the triangles a few ulps apart)
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j] = (a[i * n + j]! + a[j * n + i]!) / 2;
  return a;
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(atol + rtol * Math.abs(want[i]!));
};

describe('symmetricEigenvalues', () => {
  it.each([1, 2, 3, 17, 64])('n = %i, known spectrum (distinct, one repeated pair, a zero): |λ − λ_true| ≤ 1e-11·max|λ|', (n) => {
    const rng = new Rng(1000 + n);
    const lambda = Array.from({ length: n }, (_, i) => (i === 0 ? 0 : i === 1 && n > 2 ? 3 : rng.normal() * 5));
    if (n > 2) lambda[2] = 3;
    const got = symmetricEigenvalues(withSpectrum(lambda, rng), n);
    const want = [...lambda].sort((x, y) => x - y);
    const scale = Math.max(...want.map(Math.abs), 1);
    close(got, want, 1e-11 * scale, 0);
  });

  it('n = 50 random symmetric: equals cyclic Jacobi within 1e-10·max|λ|', () => {
    const n = 50;
    const rng = new Rng(77);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const want = jacobiEigenvalues(a, n);
    const got = symmetricEigenvalues(Float64Array.from(a), n);
    close(got, want, 1e-10 * Math.max(...want.map(Math.abs)), 0);
  });

  it('a Gram matrix GGᵀ of a 40×40 Gaussian: eigenvalues ≥ −1e-10·max, trace and Frobenius norm preserved to 1e-11', () => {
    const n = 40;
    const rng = new Rng(5);
    const g = Float64Array.from({ length: n * n }, () => rng.normal());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[i * n + k]! * g[j * n + k]!;
      a[i * n + j] = s;
    }
    const tr = Array.from({ length: n }, (_, i) => a[i * n + i]!).reduce((s, x) => s + x, 0);
    const fro = a.reduce((s, x) => s + x * x, 0);
    const got = symmetricEigenvalues(Float64Array.from(a), n);
    const max = got[n - 1]!;
    for (const l of got) expect(l).toBeGreaterThanOrEqual(-1e-10 * max);
    expect(Math.abs(got.reduce((s, x) => s + x, 0) - tr)).toBeLessThanOrEqual(1e-11 * tr);
    expect(Math.abs(got.reduce((s, x) => s + x * x, 0) - fro)).toBeLessThanOrEqual(1e-11 * fro);
  });

  it('rejects a matrix whose size does not match n', () => {
    expect(() => symmetricEigenvalues(new Float64Array(5), 2)).toThrow('expected 2×2 = 4 entries, got 5');
  });
});

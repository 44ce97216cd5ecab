/**
 * The correlation map, its fixed point and depth scale, the Jacobian spectrum's moments and the length
 * map's stability, against closed forms (arc-cosine kernel, odd maps, linear nets), an independent 2-D
 * rule (Gauss–Hermite on the Cholesky factor, no conditioning), seeded Monte Carlo with bounds from the
 * sample size, and mpmath values computed at 30 digits (the script is quoted where they are used).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import {
  type Act,
  activationDeriv,
  activationFn,
  correlationFixedPoint,
  correlationMap,
  correlationSlope,
  correlationTrajectory,
  expectUnder,
  gaussHermite,
  gaussianPairExpectation,
  jacobianSpectrumMoments,
  lengthFixedPoint,
  lengthMap,
  meanField,
  paddingFactor,
  phaseBoundary,
  phaseDiagram,
  predictLayersDetailed,
  reluCorrelationClosedForm,
  SCHOENHOLZ_TRAINABLE_MULTIPLE,
  trainableDepth,
  variancePreservingGain,
} from '../src/theory/index.ts';

/** |a − r| ≤ atol + rtol·|r|, with the numbers in the message. */
function close(a: number, r: number, atol: number, rtol: number): void {
  expect(Math.abs(a - r), `${a} vs ${r} (atol ${atol}, rtol ${rtol})`).toBeLessThanOrEqual(atol + rtol * Math.abs(r));
}

/** E[f(u₁)g(u₂)] by a 2-D product Gauss–Hermite rule on u₁ = √q₁ z₁, u₂ = √q₂(c z₁ + √(1−c²) z₂). */
function productHermite(f: (x: number) => number, g: (x: number) => number, q1: number, q2: number, c: number, n: number): number {
  const { nodes, weights } = gaussHermite(n);
  const s = Math.sqrt(1 - c * c);
  let sum = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const z1 = Math.SQRT2 * nodes[i]!;
      const z2 = Math.SQRT2 * nodes[j]!;
      sum += weights[i]! * weights[j]! * f(Math.sqrt(q1) * z1) * g(Math.sqrt(q2) * (c * z1 + s * z2));
    }
  return sum / Math.PI;
}

const relu: Act = { name: 'relu' };
const tanh: Act = { name: 'tanh' };

describe('correlation map: relu against the arc-cosine kernel (Cho & Saul 2009)', () => {
  const cases: [number, number, number, number, number][] = [
    [1, 1, 0, 2, 0],
    [1.3, 0.7, 0.5, 2, 0.05],
    [0.4, 2.5, -0.8, 1.5, 0.3],
    [2, 2, 0.999, 3, 0],
    [1, 1, 1, 2, 0.1],
  ];
  it.each(cases)('q₁=%s q₂=%s c=%s σ_w²=%s σ_b²=%s: closed form = kink-split quadrature of E[relu relu] (atol 1e-13, rtol 1e-11: the 2-D rule’s stated accuracy)', (q1, q2, c, sw, sb) => {
    const phi = activationFn(relu);
    const quad = (sw * gaussianPairExpectation(relu, phi, phi, q1, q2, c) + sb) / Math.sqrt((sw * q1 * 0.5 + sb) * (sw * q2 * 0.5 + sb));
    close(reluCorrelationClosedForm(q1, q2, c, sw, sb), quad, 1e-13, 1e-11);
    close(correlationMap(relu, q1, q2, c, sw, sb), quad, 1e-13, 1e-11);
  });
  it.each(cases)('q₁=%s q₂=%s c=%s σ_w²=%s: χ_c = σ_w²(π − θ)/(2π) = quadrature of E[relu′ relu′] (atol 1e-13, rtol 1e-11)', (q1, q2, c, sw) => {
    const d = activationDeriv(relu);
    close(correlationSlope(relu, q1, q2, c, sw), sw * gaussianPairExpectation(relu, d, d, q1, q2, c), 1e-13, 1e-11);
  });
  it('relu σ_b=0: c′ = (sin θ + (π − θ) cos θ)/π for every σ_w² and q (the map is scale-free)', () => {
    for (const [q, sw] of [[1, 2], [0.01, 1], [50, 4]] as const) close(correlationMap(relu, q, q, 0, sw, 0), 1 / Math.PI, 1e-15, 0);
  });
});

describe('correlation map: smooth φ against an independent 2-D rule and Monte Carlo', () => {
  const cases: [string, Act, number, number, number, number, number][] = [
    ['tanh', tanh, 0.8, 0.8, 0.3, 2, 0.05],
    ['tanh', tanh, 0.5, 1.2, -0.6, 1.5, 0],
    ['tanh', tanh, 1, 1, 0.95, 4, 0.1],
    ['gelu', { name: 'gelu' }, 1, 0.6, 0.4, 2.35, 0],
    ['swish', { name: 'swish' }, 0.7, 0.7, 0.8, 2.81, 0.2],
  ];
  it.each(cases)('%s q₁=%s q₂=%s c=%s σ_w²=%s σ_b²=%s: E[φφ] and E[φ′φ′] = 120-point product Gauss–Hermite (atol 1e-11)', (_, act, q1, q2, c) => {
    const phi = activationFn(act);
    const d = activationDeriv(act);
    // at these q (≤ 1.2) a 120-point Hermite rule for tanh-like φ is accurate to ~1e-13 (quadrature error study in activations.ts)
    close(gaussianPairExpectation(act, phi, phi, q1, q2, c), productHermite(phi, phi, q1, q2, c, 120), 1e-11, 0);
    close(gaussianPairExpectation(act, d, d, q1, q2, c), productHermite(d, d, q1, q2, c, 120), 1e-11, 0);
  });
  it.each([
    ['tanh', 20, 20, 0.9],
    ['tanh', 50, 10, -0.5],
    ['sigmoid', 30, 30, 0.999999],
    ['gelu', 20, 20, 0.5],
    ['swish', 40, 8, 0.2],
  ] as const)('%s q₁=%s q₂=%s c=%s (large q: the narrowest analytic strip): E[φφ], E[φ′φ′] = nested 24-point kink-split panels (atol 1e-13, rtol 1e-13)', (name, q1, q2, c) => {
    // the panels hold ~1e-15 to q = 50 (activations.ts); the 2-D rule's trapezoid steps shrink as 1/√q there
    const act: Act = { name };
    const slope = c * Math.sqrt(q2 / q1);
    const panels = (f: (x: number) => number, g: (x: number) => number): number =>
      expectUnder(act, (x) => f(x) * expectUnder(act, g, q2 * (1 - c * c), slope * x, 24), q1, 0, 24);
    for (const h of [activationFn(act), activationDeriv(act)]) {
      const ref = panels(h, h);
      close(gaussianPairExpectation(act, h, h, q1, q2, c), ref, 1e-13, 1e-13);
    }
  });
  it('tanh q=0.8 c=0.3 σ_w²=2 σ_b²=0.05: c′ within 4.5 standard errors of a 400 000-sample Monte Carlo', () => {
    const rng = new Rng(17);
    const n = 400_000;
    let s = 0;
    let s2 = 0;
    const q = 0.8;
    const c = 0.3;
    for (let i = 0; i < n; i++) {
      const z1 = rng.normal();
      const z2 = c * z1 + Math.sqrt(1 - c * c) * rng.normal();
      const y = Math.tanh(Math.sqrt(q) * z1) * Math.tanh(Math.sqrt(q) * z2);
      s += y;
      s2 += y * y;
    }
    const m = s / n;
    const se = Math.sqrt((s2 / n - m * m) / n);
    const qNext = 2 * gaussianPairExpectation(tanh, Math.tanh, Math.tanh, q, q, 1) + 0.05;
    // the MC error of c′ is 2·se/q′ (q′ from quadrature, exact to 1e-14); 4.5σ: a false failure ~1 in 150 000
    close(correlationMap(tanh, q, q, c, 2, 0.05), (2 * m + 0.05) / qNext, (4.5 * 2 * se) / qNext, 0);
  });
});

describe('fixed point c*, χ_c and ξ_c', () => {
  it('tanh σ_w²=2.5 σ_b²=0.05 (chaotic): q*, c*, χ_c equal mpmath/scipy at 30 digits (rtol 1e-11)', () => {
    // mpmath (dps 30, mp.quad split at ±5, findroot): q* = 1.06395837741681159; scipy dblquad + brentq on
    // c = (σ_w² E[tanh u₁ tanh u₂] + σ_b²)/q*: c* = 0.44680423234427, χ_c = 0.91871677491377 (to ~1e-12).
    const fp = correlationFixedPoint(tanh, 2.5, 0.05);
    close(fp.qStar!, 1.06395837741681159, 0, 1e-11);
    close(fp.cStar, 0.4468042323442656, 1e-11, 0);
    close(fp.chiC!, 0.9187167749137727, 1e-11, 0);
    close(fp.xiC, -1 / Math.log(0.9187167749137727), 0, 1e-9);
    // c* is a fixed point of the map, and |c_l − c*| decays like χ_c^l: from c* + 0.05, after 100 layers it is
    // between 0.05·0.91^100 and 0.05·0.93^100 (χ_c = 0.9187)
    close(correlationMap(tanh, fp.qStar!, fp.qStar!, fp.cStar, 2.5, 0.05), fp.cStar, 1e-13, 0);
    const gap = correlationTrajectory(tanh, 2.5, 0.05, fp.qStar!, fp.cStar + 0.05, 100).at(-1)! - fp.cStar;
    expect(gap).toBeGreaterThan(0.05 * 0.91 ** 100);
    expect(gap).toBeLessThan(0.05 * 0.93 ** 100);
  });
  it('tanh σ_b=0 σ_w²=3 (chaotic): c* = 0 exactly (the c-map of an odd φ is odd), χ_c = σ_w² E[φ′]²', () => {
    const fp = correlationFixedPoint(tanh, 3, 0);
    expect(Math.abs(fp.cStar)).toBeLessThanOrEqual(1e-12);
    const e = gaussianPairExpectation(tanh, activationDeriv(tanh), () => 1, fp.qStar!, fp.qStar!, 0);
    close(fp.chiC!, 3 * e * e, 1e-12, 0);
  });
  it('tanh σ_w²=1.2 σ_b²=0.05 (ordered): c* = 1 and χ_c = χ₁ of meanField', () => {
    const fp = correlationFixedPoint(tanh, 1.2, 0.05);
    const mf = meanField(tanh, 1.2, 0.05);
    expect(fp.cStar).toBe(1);
    close(fp.chiC!, mf.chi1!, 0, 1e-14);
    close(fp.xiC, mf.depthScale!, 0, 1e-12);
  });
  it('tanh σ_b²=0.05: ξ_c diverges at the order-to-chaos boundary σ_w² = 1.760954639606739 (mpmath), ξ_c·|ln χ_c| = 1', () => {
    const b = 1.760954639606739;
    const xi = (d: number): number => correlationFixedPoint(tanh, b * (1 + d), 0.05).xiC;
    // either side, ξ_c grows ~1/|δ| as δ → 0: ×10 closer, ×(10 ± 20%) longer
    for (const sign of [-1, 1]) {
      const far = xi(sign * 1e-2);
      const near = xi(sign * 1e-3);
      expect(near / far).toBeGreaterThan(8);
      expect(near / far).toBeLessThan(12);
      expect(xi(sign * 1e-4)).toBeGreaterThan(8 * near);
    }
  });
  it('relu σ_b²=0.05 σ_w²=1.9: q* = σ_b²/(1 − σ_w²/2) = 1, c* = 1, χ_c = 0.95, ξ_c = −1/ln 0.95', () => {
    const fp = correlationFixedPoint(relu, 1.9, 0.05);
    close(fp.qStar!, 1, 0, 1e-12);
    expect(fp.cStar).toBe(1);
    close(fp.chiC!, 0.95, 0, 1e-15);
    close(fp.xiC, -1 / Math.log(0.95), 0, 1e-14);
  });
  it('relu σ_b=0 σ_w²=2 (critical), and σ_w² = 1, 4: χ_c = σ_w²/2, ξ_c = Infinity (the approach to c* = 1 is polynomial)', () => {
    for (const sw of [1, 2, 4]) {
      const fp = correlationFixedPoint(relu, sw, 0);
      expect(fp.cStar).toBe(1);
      expect(fp.chiC).toBe(sw / 2);
      expect(fp.xiC).toBe(Infinity);
    }
  });
  it('relu σ_b=0: l²·(1 − c_l) → 9π²/2 at depth 20 000, from c₀ = 0 at any σ_w² (within 3%)', () => {
    // 1 − c′ = (1 − c) − (2(1 − c))^{3/2}/(3π) + …, whose solution is 1 − c_l ≈ 9π²/(2l²) (log corrections → the 3%)
    const a = correlationTrajectory(relu, 2, 0, 1, 0, 20_000);
    const b = correlationTrajectory(relu, 1, 0, 1, 0, 20_000);
    close(20_000 ** 2 * (1 - a.at(-1)!), (9 * Math.PI ** 2) / 2, 0, 0.03);
    a.forEach((c, l) => close(b[l]!, c, 1e-14, 0));
  });
});

describe('length map stability (issue 15: unstable fixed points reported as converged)', () => {
  it.each([
    ['gelu', 1.144],
    ['swish', 1.173],
  ] as const)('%s at its variance-preserving gain: q* = 1 with slope %s (> 1): stable false; from q*(1 ± 1e-3) the map falls to 0 or grows without bound', (name, slope) => {
    const act: Act = { name };
    const mf = meanField(act, variancePreservingGain(act) ** 2, 0);
    close(mf.qStar!, 1, 1e-12, 0);
    close(mf.slope!, slope, 5e-4, 0);
    expect(mf.stable).toBe(false);
    expect(mf.perturbed).toEqual([0, null]);
  });
  it('slope = σ_w² E[φφ′u]/q* equals a central difference of the length map (tanh σ_w²=1.5 σ_b²=0.05, h = 1e-5, atol 1e-8)', () => {
    const mf = meanField(tanh, 1.5, 0.05);
    const q = mf.qStar!;
    const L = (x: number): number => 1.5 * gaussianPairExpectation(tanh, Math.tanh, Math.tanh, x, x, 1) + 0.05;
    close(mf.slope!, (L(q + 1e-5) - L(q - 1e-5)) / 2e-5, 1e-8, 0);
    expect(mf.stable).toBe(true);
    mf.perturbed!.forEach((p) => close(p!, q, 1e-10, 0));
  });
  it('relu σ_w²=2 σ_b=0: depth scale exactly Infinity, also at σ_w² = fan_in·(2/fan_in) = 2.0000000000000004; marginal (stable null)', () => {
    for (const sw of [2, 576 * (2 / 576), 2.0000000000000004]) {
      const mf = meanField(relu, sw, 0);
      expect(mf.depthScale).toBe(Infinity);
      expect(mf.stable).toBe(null);
    }
    expect(meanField(relu, 2, 0).perturbed).toEqual([0.999, 1.001]);
  });
  it('relu σ_w²=2 σ_b²=0.05: q grows by σ_b² a layer, no fixed point (qStar null, not the value after 5000 steps)', () => {
    expect(meanField(relu, 2, 0.05).qStar).toBe(null);
  });
});

/** Product of L N×N matrices with entries N(0, σ_w²/N) or Haar-orthogonal·σ_w, applied as J; returns the spectrum moments of JJᵀ. */
function randomLinearJacobian(rng: Rng, N: number, L: number, sw2: number, orthogonal: boolean): { m1: number; m2: number } {
  let J = new Float64Array(N * N);
  for (let i = 0; i < N; i++) J[i * N + i] = 1;
  for (let l = 0; l < L; l++) {
    const W = new Float64Array(N * N);
    for (let k = 0; k < N * N; k++) W[k] = rng.normal() * Math.sqrt(sw2 / N);
    if (orthogonal) gramSchmidt(W, N, Math.sqrt(sw2));
    const next = new Float64Array(N * N);
    for (let i = 0; i < N; i++)
      for (let k = 0; k < N; k++) {
        const w = W[i * N + k]!;
        for (let j = 0; j < N; j++) next[i * N + j]! += w * J[k * N + j]!;
      }
    J = next;
  }
  // JJᵀ: m1 = tr/N, m2 = ‖JJᵀ‖_F²/N
  let tr = 0;
  let fro = 0;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += J[i * N + k]! * J[j * N + k]!;
      if (i === j) tr += s;
      fro += s * s;
    }
  return { m1: tr / N, m2: fro / N };
}

/** Rows of W made orthonormal (modified Gram–Schmidt), then scaled by `gain`: Haar-distributed for Gaussian W. */
function gramSchmidt(W: Float64Array, N: number, gain: number): void {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < i; j++) {
      let d = 0;
      for (let k = 0; k < N; k++) d += W[i * N + k]! * W[j * N + k]!;
      for (let k = 0; k < N; k++) W[i * N + k]! -= d * W[j * N + k]!;
    }
    let n = 0;
    for (let k = 0; k < N; k++) n += W[i * N + k]! ** 2;
    n = Math.sqrt(n);
    for (let k = 0; k < N; k++) W[i * N + k]! /= n;
  }
  for (let k = 0; k < N * N; k++) W[k]! *= gain;
}

/**
 * A width-N tanh net at its fixed point q*: x₀ with E[x₀²] = (q* − σ_b²)/σ_w², h_l = W_l x_{l−1} + b_l, J = Π D_l W_l with
 * D_l = diag tanh′(h_l); the moments of JJᵀ's spectrum (m₁ = tr/N, Var = ‖JJᵀ‖_F²/N − m₁²).
 */
function randomTanhJacobian(rng: Rng, N: number, L: number, sw2: number, sb2: number, q: number, orthogonal: boolean): { m1: number; v: number } {
  let x = Array.from({ length: N }, () => rng.normal() * Math.sqrt((q - sb2) / sw2));
  let J = new Float64Array(N * N);
  for (let i = 0; i < N; i++) J[i * N + i] = 1;
  for (let l = 0; l < L; l++) {
    const W = new Float64Array(N * N);
    for (let k = 0; k < N * N; k++) W[k] = rng.normal() * Math.sqrt(sw2 / N);
    if (orthogonal) gramSchmidt(W, N, Math.sqrt(sw2));
    const h = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let s = rng.normal() * Math.sqrt(sb2);
      for (let k = 0; k < N; k++) s += W[i * N + k]! * x[k]!;
      h[i] = s;
    }
    const next = new Float64Array(N * N);
    for (let i = 0; i < N; i++) {
      const d = 1 - Math.tanh(h[i]!) ** 2;
      for (let k = 0; k < N; k++) {
        const w = W[i * N + k]! * d;
        for (let j = 0; j < N; j++) next[i * N + j]! += w * J[k * N + j]!;
      }
    }
    J = next;
    x = Array.from(h, (v) => Math.tanh(v));
  }
  let tr = 0;
  let fro = 0;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += J[i * N + k]! * J[j * N + k]!;
      if (i === j) tr += s;
      fro += s * s;
    }
  return { m1: tr / N, v: fro / N - (tr / N) ** 2 };
}

describe('Jacobian spectrum moments (Pennington, Schoenholz & Ganguli 2017, 2018)', () => {
  const linear: Act = { name: 'linear' };
  it('linear orthogonal, gain² = 1.21, depth 7: variance 0 and every s² = gain^{2L}; a random orthogonal product agrees (atol 1e-10)', () => {
    const m = jacobianSpectrumMoments({ act: linear, sigmaW2: 1.21, sigmaB2: 0, depth: 7, weights: 'orthogonal' });
    close(m.meanS2, 1.21 ** 7, 0, 1e-14);
    expect(m.varS2).toBe(0);
    const mc = randomLinearJacobian(new Rng(5), 40, 7, 1.21, true);
    close(mc.m1, 1.21 ** 7, 1e-10, 0);
    close(mc.m2 - mc.m1 ** 2, 0, 1e-10, 0);
  });
  it('linear Gaussian σ_w²=1, depth 4: E[s²] = 1, Var[s²] = L = 4; products of 30 random 150×150 matrices agree within 4 standard errors + the 1/N bias bound', () => {
    const L = 4;
    const N = 150;
    const m = jacobianSpectrumMoments({ act: linear, sigmaW2: 1, sigmaB2: 0, depth: L, weights: 'gaussian' });
    expect(m.meanS2).toBe(1);
    expect(m.varS2).toBe(L);
    const rng = new Rng(11);
    const v: number[] = [];
    for (let s = 0; s < 30; s++) {
      const r = randomLinearJacobian(rng, N, L, 1, false);
      v.push(r.m2 - r.m1 ** 2);
    }
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const se = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) / v.length);
    // finite N: E[m₂] of a product of L Ginibre matrices exceeds its N → ∞ limit by O(L²/N) (L = 1: exactly 1/N);
    // L²/N = 0.107 bounds it here
    close(mean, L, 4 * se + (L * L) / N, 0);
  });
  it('relu at σ_w²=2: μ₁ = μ₂ = 1/2, E[s²] = 1, Var = 2L (Gaussian) and L (orthogonal): never isometric', () => {
    const g = jacobianSpectrumMoments({ act: relu, sigmaW2: 2, sigmaB2: 0, depth: 10, weights: 'gaussian' });
    const o = jacobianSpectrumMoments({ act: relu, sigmaW2: 2, sigmaB2: 0, depth: 10, weights: 'orthogonal' });
    close(g.meanS2, 1, 0, 1e-15);
    close(g.varS2, 20, 0, 1e-14);
    close(o.varS2, 10, 0, 1e-14);
  });
  it.each([
    ['gaussian', false],
    ['orthogonal', true],
  ] as const)('tanh σ_w²=1.5 σ_b²=0.05 depth 6 (ordered, χ₁ = 0.94), %s weights: 16 random width-128 nets agree within 4 standard errors + L/N relative (finite width)', (w, orth) => {
    const N = 128;
    const L = 6;
    const q = lengthFixedPoint(tanh, 1.5, 0.05).q!;
    const rng = new Rng(orth ? 23 : 19);
    const xs = Array.from({ length: 16 }, () => randomTanhJacobian(rng, N, L, 1.5, 0.05, q, orth));
    const th = jacobianSpectrumMoments({ act: tanh, sigmaW2: 1.5, sigmaB2: 0.05, depth: L, weights: w });
    for (const [vals, ref] of [[xs.map((x) => x.m1), th.meanS2], [xs.map((x) => x.v), th.varS2]] as const) {
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      const se = Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / (vals.length - 1) / vals.length);
      close(m, ref, 4 * se, L / N);
    }
  });
  it('off criticality the relative spread still adds per layer: Var/E² = L(μ₂/μ₁² − 1 − s₁) (tanh σ_w²=1.5 σ_b²=0.05, depth 20)', () => {
    const mf = meanField(tanh, 1.5, 0.05);
    const q = mf.qStar!;
    const d = activationDeriv(tanh);
    const mu1 = gaussianPairExpectation(tanh, (x) => d(x) ** 2, () => 1, q, q, 0);
    const mu2 = gaussianPairExpectation(tanh, (x) => d(x) ** 4, () => 1, q, q, 0);
    for (const [w, s1] of [['gaussian', -1], ['orthogonal', 0]] as const) {
      const m = jacobianSpectrumMoments({ act: tanh, sigmaW2: 1.5, sigmaB2: 0.05, depth: 20, weights: w });
      close(m.meanS2, (1.5 * mu1) ** 20, 0, 1e-12);
      close(m.varS2 / m.meanS2 ** 2, 20 * (mu2 / mu1 ** 2 - 1 - s1), 0, 1e-12);
    }
  });
});

describe('phase boundary, phase diagram, trainable depth', () => {
  it('tanh σ_b²=0.05: σ_w² with χ₁ = 1 is 1.76095463960673913 (mpmath findroot at 30 digits; rtol 1e-11)', () => {
    close(phaseBoundary(tanh, 0.05)!, 1.76095463960673913, 0, 1e-11);
  });
  it('tanh σ_b=0: 1 (χ₁ = σ_w² at q* = 0; χ₁ − 1 is second order in σ_w² − 1 just above, so atol 1e-6)', () => {
    close(phaseBoundary(tanh, 0)!, 1, 1e-6, 0);
  });
  it('relu σ_b = 0 and 0.05: 2 (χ₁ = σ_w²/2; above 2 with σ_b > 0, q grows without bound)', () => {
    close(phaseBoundary(relu, 0)!, 2, 0, 1e-12);
    close(phaseBoundary(relu, 0.05)!, 2, 0, 1e-12);
  });
  it('gelu and swish σ_b=0: their variance-preserving σ_w² (q* = 1 there and χ₁ crosses 1 with it) to 1e-9', () => {
    for (const name of ['gelu', 'swish'] as const) close(phaseBoundary({ name }, 0)!, variancePreservingGain({ name }) ** 2, 0, 1e-9);
  });
  it('phaseDiagram tanh: each point equals correlationFixedPoint to 1e-6 (8-point panels) and χ₁ = meanField', () => {
    const d = phaseDiagram(tanh, [1.2, 2.5], [0.05]);
    expect(d.boundary[0]!).toBeCloseTo(1.760954639606739, 10);
    for (const p of d.points[0]!) {
      const fp = correlationFixedPoint(tanh, p.sigmaW2, 0.05);
      close(p.cStar, fp.cStar, 1e-6, 0);
      close(p.xiC, fp.xiC, 0, 1e-6);
      close(p.chi1!, meanField(tanh, p.sigmaW2, 0.05).chi1!, 0, 1e-12);
    }
  });
  it('trainableDepth: multiple·ξ_c, Infinity at criticality; Schoenholz et al.’s multiple is 6', () => {
    expect(trainableDepth(10, SCHOENHOLZ_TRAINABLE_MULTIPLE)).toBe(60);
    expect(trainableDepth(correlationFixedPoint(relu, 2, 0).xiC, 6)).toBe(Infinity);
  });
});

describe('σ_b² in the per-layer CNN predictions', () => {
  const arch = { kind: 'plain' as const, depth: 6, width: 32, kernel: 3, padding: 'same' as const, bias: true, downsample: { at: [], mode: 'stride' as const } };
  const input = { height: 8, width: 8, channels: 3 };
  const V = (l: number): number => 1.8 / (9 * (l === 0 ? 3 : 32));
  const detail = predictLayersDetailed({ arch, input, activation: tanh, weightVariances: Array.from({ length: 6 }, (_, l) => V(l)), inputVariance: 0.7, biasVariance: 0.05 });
  it('tanh σ_b²=0.05, no padding: every layer follows the length map q′ = σ_w² E[tanh(√q z)²] + σ_b² (σ_w² = 9·32·Var(W) = 1.8; rtol 1e-12)', () => {
    let q = 9 * 3 * V(0) * 0.7 + 0.05;
    for (const d of detail) {
      close(d.preVarianceNoPadding!, q, 0, 1e-12);
      q = lengthMap(tanh, q, 1.8, 0.05);
    }
  });
  it('layer 1 with zero padding on 8×8: E[z²] = σ_w²·(tap fraction)·E[x²] + σ_b², the bias at every position whatever its taps', () => {
    close(detail[0]!.preSecondMoment, 1.8 * paddingFactor(8, 8, 3) * 0.7 + 0.05, 0, 1e-14);
    // the biases are one offset per channel: the variance over all entries loses Var(channel mean) = σ_b²/width
    close(detail[0]!.preVariance!, detail[0]!.preSecondMoment - 0.05 / 32, 0, 1e-14);
  });
  it('bias: false ignores biasVariance', () => {
    const none = predictLayersDetailed({ arch: { ...arch, bias: false }, input, activation: tanh, weightVariances: Array.from({ length: 6 }, (_, l) => V(l)), inputVariance: 0.7, biasVariance: 0.05 });
    close(none[0]!.preSecondMoment, 1.8 * paddingFactor(8, 8, 3) * 0.7, 0, 1e-14);
  });
});

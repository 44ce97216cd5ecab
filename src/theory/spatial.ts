/**
 * Correlation between positions, and what 2×2 pooling does with it.
 *
 * In a conv net at init, two different positions p ≠ p′ of the same channel share the channel's
 * filter, so even with independent inputs their pre-activations are correlated once φ has a non-zero
 * mean: Cov(z(p), z(p′)) = σ_w² · E[φ(u)φ(u′)] + σ_b² (the mean-field correlation map of Poole et al.
 * 2016 applied across positions). For ReLU it starts at 1/π after one layer and grows with depth.
 * A max pool takes the max of 4 such correlated values — much less than the max of 4 independent
 * ones — and an average pool keeps the cross terms. We model the 4 values in a window as exchangeable
 * Gaussians N(μ, v) with pairwise correlation ρ: u_i = μ + √v(√ρ Z₀ + √(1−ρ) Z_i).
 */
import { type Act, activationDeriv, activationFn, expectUnder, firstMoment, secondMomentFactor } from './activations.ts';
import { gaussianExpectation } from './quadrature.ts';
import { normCdf } from './special.ts';

const clampRho = (rho: number): number => Math.min(0.999, Math.max(0, rho));

/** E[φ(u)φ(u′)] for u, u′ ~ N(mean, v) with correlation ρ ≥ 0 (relu at μ = 0: the arc-cosine kernel). */
export function crossMoment(act: Act, mean: number, v: number, rho: number): number {
  const r = clampRho(rho);
  if (v <= 0) return activationFn(act)(mean) ** 2;
  if (act.name === 'linear') return mean * mean + r * v;
  if (act.name === 'relu' && mean === 0) {
    // Cho & Saul 2009: E[relu(u)relu(u′)] = v/(2π)·(sin θ + (π − θ) cos θ), cos θ = ρ
    const th = Math.acos(r);
    return (v / (2 * Math.PI)) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
  }
  if (r === 0) return firstMoment(act, v, mean) ** 2;
  const phi = activationFn(act);
  const inner = v * (1 - r);
  const s0 = Math.sqrt(v * r);
  // Given Z₀ the two are independent: E[φ(u)φ(u′) | Z₀] = E[φ(u) | Z₀]².
  return gaussianExpectation((z0) => expectUnder(act, phi, inner, mean + s0 * z0) ** 2, 0, 1, { points: 48 });
}

export interface PoolStats {
  /** E[P], E[P²] of the pooled value P */
  e: number;
  m: number;
  /**
   * E[δ_z²]/E[δ_P²] for one input of the window: the gradient wrt a window position's pre-activation per
   * unit gradient at the pooled output. max: (1/4)·E[φ′(u_max)²] (the max routes δ to its argmax, whose
   * φ′ is taken at the max); avg: (1/16)·E[φ′(u)²].
   */
  back: number;
  /** E[P·P′] for two different windows (see poolStats) */
  cross: number;
}

/**
 * Moments after a 2×2 stride-2 pool of φ(u_i), u_i exchangeable N(mean, v) with correlation ρ.
 * max: for monotone φ, max φ(u_i) = φ(max u_i), and max of 4 iid N(0,1) has density 4Φ³φ — combined with
 * the shared Z₀ term; for gelu and swish, not monotone below 0, this is an approximation.
 * avg: E[ā²] = (E[φ²] + 3·E[φφ′])/4.
 * Two different windows: their pooled values are taken to correlate as their inputs do,
 * E[P P′] = E[P]² + ρ·Var(P) (exact for avg, where E[ā ā′] = E[φφ′]; an approximation for max).
 */
export function poolStats(act: Act, mode: 'maxpool' | 'avgpool', mean: number, v: number, rho: number): PoolStats {
  const r = clampRho(rho);
  if (mode === 'avgpool') {
    const e = firstMoment(act, v, mean);
    const m = secondMomentFactor(act, v, mean);
    const k = crossMoment(act, mean, v, r);
    const d = expectDeriv2(act, mean, v);
    return { e, m: (m + 3 * k) / 4, back: d / 16, cross: k };
  }
  const phi = activationFn(act);
  const dphi = activationDeriv(act);
  const s0 = Math.sqrt(v * r);
  const s1 = Math.sqrt(v * (1 - r));
  // E[g(μ + s0·Z₀ + s1·M)], M = max of 4 iid N(0,1): inner over M as a weighted Gaussian expectation.
  const underMax = (g: (x: number) => number): number =>
    gaussianExpectation(
      (z0) => {
        const m0 = mean + s0 * z0;
        if (s1 === 0) return g(m0);
        return expectUnder(act, (x) => g(x) * 4 * normCdf((x - m0) / s1) ** 3, s1 * s1, m0);
      },
      0,
      1,
      { points: r === 0 ? 1 : 48 },
    );
  const e = underMax(phi);
  const m = underMax((x) => phi(x) ** 2);
  const back = underMax((x) => dphi(x) ** 2) / 4;
  return { e, m, back, cross: e * e + r * (m - e * e) };
}

function expectDeriv2(act: Act, mean: number, v: number): number {
  const d = activationDeriv(act);
  return expectUnder(act, (x) => d(x) ** 2, v, mean);
}

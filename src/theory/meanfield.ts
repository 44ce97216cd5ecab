/**
 * Signal propagation at infinite width (Poole et al. 2016; Schoenholz et al. 2017), and the seed's
 * closed form for ReLU.
 *
 *   q_{l+1} = σ_w² · E[φ(√q_l · z)²] + σ_b²          (length map; σ_w² = fan_in · Var(W))
 *   χ₁     = σ_w² · E[φ′(√q* · z)²]                  (slope of the correlation map at c = 1;
 *                                                     also the per-layer factor on gradient variance)
 *   ξ      = 1/|ln χ₁|                                (depth scale; ∞ at criticality χ₁ = 1)
 */
import { type Act, activationDeriv as dphi, activationFn as phi, derivSecondMoment, expectUnder, secondMomentFactor } from './activations.ts';

/** The seed's closed form for a plain ReLU net: Var(L) = Var(0) · (σ_w² n / 2)^L = Var(0)·(n·Var(W)/2)^L. */
export function reluVarianceClosedForm(var0: number, weightVariance: number, fanIn: number, depth: number): number {
  return var0 * Math.pow((weightVariance * fanIn) / 2, depth);
}

/** One step of the length map. */
export function lengthMap(act: Act, q: number, sigmaW2: number, sigmaB2: number): number {
  return sigmaW2 * secondMomentFactor(act, q) + sigmaB2;
}

export interface MeanField {
  /** fixed point of the length map reached from q = 1, or null when q grows without bound */
  qStar: number | null;
  /** σ_w² E[φ′(√q* z)²]; null when there is no fixed point */
  chi1: number | null;
  /** 1/|ln χ₁| layers; exactly Infinity at χ₁ = 1 (to 1e-12: σ_w² = fan_in·Var(W) is rounded); null when there is no fixed point */
  depthScale: number | null;
  /** true when the iteration from q = 1 settled (false: marginal, e.g. relu at σ_w² = 2 with σ_b = 0 keeps q) */
  converged: boolean;
  /**
   * dq_{l+1}/dq_l at q* = σ_w² E[φ(u)φ′(u)u]/q*, u ~ N(0, q*) (Stein: = σ_w² E[φ′² + φφ″]); at q* = 0 its
   * limit σ_w² φ′(0)² (= χ₁ for φ(0) = 0). Null without a fixed point.
   */
  slope: number | null;
  /**
   * |slope| < 1: q* attracts. False: q* repels — reached from q = 1 only because the gain was chosen to make
   * q = 1 a fixed point (gelu, swish at their variance-preserving gains). Null when |slope| = 1 to 1e-12
   * (marginal: relu at σ_w² = 2, σ_b = 0 keeps every q) or without a fixed point.
   */
  stable: boolean | null;
  /**
   * Where the length map goes from q*·(1 − 1e-3) and from q*·(1 + 1e-3) (5000 steps at most): the value it
   * settles at, or null when it grows without bound. Equal to q* for a stable fixed point; null without one.
   */
  perturbed: [number | null, number | null] | null;
}

/**
 * The fixed point the length map reaches from q0: the limit (0 below 1e-10), or null when q grows without
 * bound. 200 plain steps, then — near criticality the map creeps (slope → 1) — Newton on L(q) − q from there,
 * kept on the side the map moves to (a step that would turn back or cross 0 falls back to the map's own
 * step, or halves q towards 0), 5000 steps in all. converged false: still moving at the end (the value where it stopped).
 */
export function lengthFixedPoint(act: Act, sigmaW2: number, sigmaB2: number, q0 = 1): { q: number | null; converged: boolean } {
  const L = (x: number): number => lengthMap(act, x, sigmaW2, sigmaB2);
  const done = (x: number): { q: number; converged: boolean } => ({ q: x < 1e-10 ? 0 : x, converged: true });
  let q = q0;
  let dir = 0;
  for (let i = 0; i < 5000; i++) {
    const next = L(q);
    if (!Number.isFinite(next) || next > 1e12) return { q: null, converged: false };
    if (Math.abs(next - q) <= 1e-13 * q) return done(next);
    if (q < 1e-10 && next < q) return done(0);
    dir = Math.sign(next - q);
    if (i < 200) {
      q = next;
      continue;
    }
    const h = 1e-6 * q;
    const slope = (L(q + h) - L(q - h)) / (2 * h);
    const newton = q - (next - q) / (slope - 1);
    if (!Number.isFinite(newton) || (newton - q) * dir <= 0) q = next;
    else if (newton <= 0) q = q / 2;
    else q = newton;
  }
  // still rising after 5000 steps (relu at σ_w² = 2 with σ_b > 0 adds σ_b² a layer, Newton has no root): unbounded
  return dir > 0 || q > 1e6 ? { q: null, converged: false } : { q, converged: false };
}

/** χ₁ this close to 1 is critical: depth scale Infinity, not 1/(rounding error). */
export const CRITICAL_LN = 1e-12;

/**
 * Iterates the length map from q = 1 until it settles. For positively homogeneous φ (relu, linear) with
 * σ_b = 0 every q is a fixed point at criticality and 0 is the attractor below it; we report q* = 0 there,
 * with χ₁ taken in the limit q → 0⁺ (relu: σ_w²/2).
 */
export function meanField(act: Act, sigmaW2: number, sigmaB2: number): MeanField {
  const it = lengthFixedPoint(act, sigmaW2, sigmaB2);
  const q = it.q;
  if (q === null) return { qStar: null, chi1: null, depthScale: null, converged: false, slope: null, stable: null, perturbed: null };
  const chi1 = sigmaW2 * derivSecondMoment(act, Math.max(q, 1e-300));
  const ln = Math.log(chi1);
  const f = phi(act);
  const d = dphi(act);
  // positively homogeneous φ: E[φ(√q z)²] = q·E[φ(z)²], so the slope is σ_w² E[φ(z)²] exactly (relu: σ_w²/2)
  const homogeneous = act.name === 'relu' || act.name === 'leaky_relu' || act.name === 'linear';
  const slope = homogeneous
    ? sigmaW2 * secondMomentFactor(act, 1)
    : q > 0
      ? (sigmaW2 * expectUnder(act, (u) => f(u) * d(u) * u, q)) / q
      : sigmaW2 * d(0) ** 2;
  const marginal = Math.abs(Math.abs(slope) - 1) <= 1e-12;
  const perturbed: [number | null, number | null] = [lengthFixedPoint(act, sigmaW2, sigmaB2, q * (1 - 1e-3)).q, lengthFixedPoint(act, sigmaW2, sigmaB2, q * (1 + 1e-3)).q];
  return {
    qStar: q,
    chi1,
    depthScale: Math.abs(ln) <= CRITICAL_LN ? Infinity : 1 / Math.abs(ln),
    converged: it.converged || q === 0,
    slope,
    stable: marginal ? null : Math.abs(slope) < 1,
    perturbed,
  };
}

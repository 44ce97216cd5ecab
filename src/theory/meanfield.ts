/**
 * Signal propagation at infinite width (Poole et al. 2016; Schoenholz et al. 2017), and the seed's
 * closed form for ReLU.
 *
 *   q_{l+1} = σ_w² · E[φ(√q_l · z)²] + σ_b²          (length map; σ_w² = fan_in · Var(W))
 *   χ₁     = σ_w² · E[φ′(√q* · z)²]                  (slope of the correlation map at c = 1;
 *                                                     also the per-layer factor on gradient variance)
 *   ξ      = 1/|ln χ₁|                                (depth scale; ∞ at criticality χ₁ = 1)
 */
import { type Act, derivSecondMoment, secondMomentFactor } from './activations.ts';

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
  /** 1/|ln χ₁| layers (Infinity at χ₁ = 1); null when there is no fixed point */
  depthScale: number | null;
  /** true when the iteration converged (false: marginal, e.g. relu at σ_w² = 2 with σ_b = 0 keeps q) */
  converged: boolean;
}

/**
 * Iterates the length map from q = 1 until it settles. For positively homogeneous φ (relu, linear) with
 * σ_b = 0 every q is a fixed point at criticality and 0 is the attractor below it; we report q* = 0 there,
 * with χ₁ taken in the limit q → 0⁺ (relu: σ_w²/2).
 */
export function meanField(act: Act, sigmaW2: number, sigmaB2: number): MeanField {
  let q = 1;
  let converged = false;
  for (let i = 0; i < 5000; i++) {
    const next = lengthMap(act, q, sigmaW2, sigmaB2);
    if (!Number.isFinite(next) || next > 1e12) return { qStar: null, chi1: null, depthScale: null, converged: false };
    if (Math.abs(next - q) <= 1e-13 * Math.max(1, q)) {
      q = next;
      converged = true;
      break;
    }
    q = next;
  }
  if (q < 1e-10) q = 0;
  if (!converged && q > 1e6) return { qStar: null, chi1: null, depthScale: null, converged: false };
  const chi1 = sigmaW2 * derivSecondMoment(act, Math.max(q, 1e-300));
  const ln = Math.log(chi1);
  return { qStar: q, chi1, depthScale: ln === 0 ? Infinity : 1 / Math.abs(ln), converged: converged || q === 0 };
}

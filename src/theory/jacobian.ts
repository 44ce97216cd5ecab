/**
 * Moments of the spectrum of JJᵀ for the input–output Jacobian J = D_L W_L ⋯ D_1 W_1 of a depth-L net of
 * equal widths at infinite width (Pennington, Schoenholz & Ganguli 2017 "Resurrecting the sigmoid in deep
 * learning through dynamical isometry"; 2018 "The emergence of spectral universality in deep networks").
 * D_l = diag φ′(h_l), h_l ~ N(0, q_l); W_l has σ_w² = N·Var(W).
 *
 * Derivation (free probability). The S-transform of a spectral measure with moments m₁, m₂ is
 * S(z) = (1/m₁)(1 − v·z + O(z²)), v = m₂/m₁² − 1 (its normalised variance). The factors W_lᵀW_l and D_l² of
 * JJᵀ are asymptotically free, and S-transforms of free products multiply, so the 1/m₁ multiply and the
 * normalised variances add, exactly, at any σ_w² and any depth:
 *   W_lᵀW_l: m₁ = σ_w², v = −s₁   (Gaussian: Marchenko–Pastur at ratio 1, v = 1, s₁ = −1; orthogonal: v = 0, s₁ = 0)
 *   D_l²:    m₁ = μ₁(q_l), v = μ₂/μ₁² − 1, μ_k(q) = E[φ′(√q z)^{2k}]
 *   ⇒ E[s²] = Π_l σ_w² μ₁(q_l),   Var[s²] = E[s²]² · Σ_l (μ₂(q_l)/μ₁(q_l)² − 1 − s₁).
 * At the fixed point q_l = q* this is the papers' m₁ = (σ_w² μ₁)^L, σ² = (σ_w² μ₁)^{2L}·L(μ₂/μ₁² − 1 − s₁),
 * which at criticality (σ_w² μ₁ = χ₁ = 1) is their σ²_{JJᵀ} = L(μ₂/μ₁² − 1 − s₁). Away from criticality the
 * mean grows or shrinks geometrically and the relative spread still grows linearly in L.
 * Linear orthogonal: every s² = σ_w^{2L} (variance 0). Linear Gaussian at σ_w² = 1: E[s²] = 1, Var = L.
 * ReLU: μ₁ = μ₂ = 1/2 at every q, so v_D = 1 and no σ_w² makes it isometric (Var ≥ L·E[s²]²).
 * A delta-orthogonal conv (Xiao et al. 2018) acts as an orthogonal matrix on each position: s₁ = 0.
 * Biases enter only through q* (σ_b² shifts the length map's fixed point).
 */
import { type Act, DEFAULT_ACTIVATION_ALPHA, activationDeriv, derivSecondMoment, expectUnder } from './activations.ts';
import { lengthFixedPoint, lengthMap } from './meanfield.ts';

export interface JacobianSpectrumOptions {
  act: Act;
  sigmaW2: number;
  sigmaB2: number;
  depth: number;
  weights: 'gaussian' | 'orthogonal';
  /**
   * Var of the first layer's pre-activation h_1; later layers follow the length map. Absent: every layer
   * at the fixed point q* (the papers' assumption; a RangeError when q grows without bound and φ′ depends on q).
   */
  q0?: number;
}

export interface JacobianSpectrumMoments {
  /** E[s²] over the spectrum of JJᵀ (s the singular values of J) */
  meanS2: number;
  /** Var[s²] over that spectrum */
  varS2: number;
}

/** μ₂ = E[φ′(√q z)⁴]: closed forms for piecewise-linear φ (linear 1, relu 1/2, leaky_relu (1 + a⁴)/2 at mean 0). */
function derivFourthMoment(act: Act, q: number): number {
  if (act.name === 'linear') return 1;
  if (act.name === 'relu') return 0.5;
  if (act.name === 'leaky_relu') {
    const a = act.alpha ?? DEFAULT_ACTIVATION_ALPHA.leaky_relu;
    return (1 + a ** 4) / 2;
  }
  const d = activationDeriv(act);
  return expectUnder(act, (x) => d(x) ** 4, q, 0);
}

export function jacobianSpectrumMoments(o: JacobianSpectrumOptions): JacobianSpectrumMoments {
  if (!Number.isInteger(o.depth) || o.depth < 0) throw new RangeError(`jacobianSpectrumMoments: depth must be a non-negative integer, got ${o.depth}`);
  const s1 = o.weights === 'gaussian' ? -1 : 0;
  const qIndependent = o.act.name === 'linear' || o.act.name === 'relu' || o.act.name === 'leaky_relu';
  let q = o.q0 ?? lengthFixedPoint(o.act, o.sigmaW2, o.sigmaB2).q;
  if (q === null) {
    if (!qIndependent) throw new RangeError(`jacobianSpectrumMoments: ${o.act.name} at σ_w² = ${o.sigmaW2}, σ_b² = ${o.sigmaB2} has no fixed point q*; pass q0`);
    q = 1;
  }
  const atFixedPoint = o.q0 === undefined;
  let meanS2 = 1;
  let v = 0;
  for (let l = 0; l < o.depth; l++) {
    const mu1 = derivSecondMoment(o.act, q);
    const mu2 = derivFourthMoment(o.act, q);
    meanS2 *= o.sigmaW2 * mu1;
    v += mu2 / (mu1 * mu1) - 1 - s1;
    if (!atFixedPoint) q = lengthMap(o.act, q, o.sigmaW2, o.sigmaB2);
  }
  return { meanS2, varS2: meanS2 * meanS2 * v };
}

/**
 * The correlation map of mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017,
 * "Deep Information Propagation"): how the correlation between the pre-activations of two inputs moves
 * from layer to layer at infinite width.
 *
 *   u₁, u₂ jointly Gaussian, Var u_i = q_i, Corr(u₁, u₂) = c
 *   q_i′ = σ_w² E[φ(u_i)²] + σ_b²                       (the length map, one per input)
 *   c′   = [σ_w² E[φ(u₁)φ(u₂)] + σ_b²] / √(q₁′ q₂′)     (the correlation map)
 *   χ_c  = σ_w² E[φ′(u₁)φ′(u₂)] at (q*, c*)             (its slope at the fixed point, by Price's theorem)
 *   ξ_c  = −1/ln χ_c                                      (layers over which |c_l − c*| decays by e)
 *
 * At the length map's fixed point q₁ = q₂ = q* the denominator is q* itself, the form the papers write;
 * off it (a finite-depth trajectory from q₀ ≠ q*) the next layer's q′ is the right normaliser.
 *
 * c = 1 is always a fixed point, with slope χ_c(1) = χ₁. Ordered phase (χ₁ < 1): c* = 1 attracts and
 * inputs become alike. Chaotic phase (χ₁ > 1): c = 1 repels and a second fixed point c* < 1 attracts.
 *
 * The degenerate cases, where the length map has no finite positive fixed point (q* = 0: σ_b = 0 in the
 * ordered phase, the signal fades; q* = null: q grows without bound): the normalised c-map then loses σ_w²
 * altogether (positively homogeneous φ — relu, leaky_relu, linear — with σ_b = 0 at any q) or tends to a
 * σ_w²-free map (q → 0: the identity for φ differentiable at 0; q → ∞: the bias is negligible). Its slope
 * at c* = 1 is 1, so the approach to c* is polynomial, not exponential, and ξ_c = Infinity. For ReLU with
 * σ_b = 0 this holds at every σ_w², not only at the critical σ_w² = 2: the arc-cosine map
 * c′ = (sin θ + (π − θ) cos θ)/π, cos θ = c, gives 1 − c_l ≈ 9π²/(2 l²). χ_c = σ_w²/2 = χ₁ there still
 * sets the per-layer factor on gradient variance (it is reported), but not a correlation depth scale.
 */
import { type Act, activationDeriv, activationFn, derivSecondMoment, expectUnder } from './activations.ts';
import { CRITICAL_LN, lengthFixedPoint, lengthMap } from './meanfield.ts';

/** φ is positively homogeneous (φ(ax) = aφ(x), a > 0): the normalised c-map does not see q or σ_w² when σ_b = 0. */
export function isHomogeneous(act: Act): boolean {
  return act.name === 'relu' || act.name === 'leaky_relu' || act.name === 'linear';
}

const clampC = (c: number): number => Math.min(1, Math.max(-1, c));

/**
 * Gauss–Legendre points per panel for the 2-D rule: relative error ≤ ~1e-11 against 20 points (tanh, gelu,
 * elu, relu; q ≤ 20, c up to 1 − 1e-6) at a third of the cost. 8 points (phaseDiagram): ≤ ~1e-7.
 */
export const PAIR_ORDER = 12;

/**
 * E[f(u₁) g(u₂)] for jointly Gaussian (u₁, u₂), Var u_i = q_i, correlation c. Conditioned on u₁ = x,
 * u₂ ~ N(c√(q₂/q₁)·x, q₂(1 − c²)), so the 2-D integral is a 1-D integral of a 1-D one; each is split at
 * φ's kink when it has one (activations.ts `expectUnder`), which keeps the rule exponentially convergent
 * for relu-like φ and well conditioned as c → ±1 (the inner variance → 0 is handled exactly).
 */
export function gaussianPairExpectation(act: Act, f: (x: number) => number, g: (x: number) => number, q1: number, q2: number, c: number, order = PAIR_ORDER): number {
  const r = clampC(c);
  const innerVar = q2 * (1 - r * r);
  if (q1 <= 0) return f(0) * expectUnder(act, g, q2, 0, order);
  const slope = r * Math.sqrt(q2 / q1);
  return expectUnder(act, (x) => f(x) * expectUnder(act, g, innerVar, slope * x, order), q1, 0, order);
}

/**
 * ReLU: the arc-cosine kernel of degree 1 (Cho & Saul 2009), E[relu(u₁)relu(u₂)] = √(q₁q₂)/(2π)·(sin θ +
 * (π − θ) cos θ), θ = arccos c, and of degree 0 for the derivatives, E[relu′(u₁)relu′(u₂)] = (π − θ)/(2π).
 * Returns c′ with σ_b², from q′ = σ_w² q/2 + σ_b² per input.
 */
export function reluCorrelationClosedForm(q1: number, q2: number, c: number, sigmaW2: number, sigmaB2: number): number {
  const th = Math.acos(clampC(c));
  // σ_b = 0: q and σ_w² cancel (and q underflowing to 0 over thousands of layers must not freeze c)
  if (sigmaB2 === 0) return Math.min(1, (Math.sin(th) + (Math.PI - th) * Math.cos(th)) / Math.PI);
  const cross = (sigmaW2 * Math.sqrt(q1 * q2) * (Math.sin(th) + (Math.PI - th) * Math.cos(th))) / (2 * Math.PI) + sigmaB2;
  const d = Math.sqrt((sigmaW2 * q1 * 0.5 + sigmaB2) * (sigmaW2 * q2 * 0.5 + sigmaB2));
  return d > 0 ? cross / d : clampC(c);
}

/** σ_w² E[φ′(u₁)φ′(u₂)] — the slope of the (unnormalised) covariance map in Σ₁₂ (Price's theorem). relu: σ_w²(π − θ)/(2π). */
export function correlationSlope(act: Act, q1: number, q2: number, c: number, sigmaW2: number, order = PAIR_ORDER): number {
  if (act.name === 'linear') return sigmaW2;
  if (act.name === 'relu') return (sigmaW2 * (Math.PI - Math.acos(clampC(c)))) / (2 * Math.PI);
  if (clampC(c) === 1 && q1 === q2) return sigmaW2 * derivSecondMoment(act, q1);
  const d = activationDeriv(act);
  return sigmaW2 * gaussianPairExpectation(act, d, d, q1, q2, c, order);
}

/** One step of the correlation map: c_{l+1} from c_l, each input with its own variance q_i (see the module doc); `order` as gaussianPairExpectation. */
export function correlationMap(act: Act, q1: number, q2: number, c: number, sigmaW2: number, sigmaB2: number, order = PAIR_ORDER): number {
  if (act.name === 'relu') return reluCorrelationClosedForm(q1, q2, c, sigmaW2, sigmaB2);
  const r = clampC(c);
  const phi = activationFn(act);
  const cross = act.name === 'linear' ? sigmaW2 * r * Math.sqrt(q1 * q2) + sigmaB2 : sigmaW2 * gaussianPairExpectation(act, phi, phi, q1, q2, r, order) + sigmaB2;
  const d = Math.sqrt(lengthMap(act, q1, sigmaW2, sigmaB2) * lengthMap(act, q2, sigmaW2, sigmaB2));
  return d > 0 ? clampC(cross / d) : r;
}

export interface CorrelationFixedPoint {
  /** the length map's fixed point (meanField), 0 when the signal fades, null when q grows without bound */
  qStar: number | null;
  /** the attracting fixed point of the c-map: 1 in the ordered phase, < 1 in the chaotic phase */
  cStar: number;
  /** σ_w² E[φ′(u₁)φ′(u₂)] at (q*, c*); = χ₁ when c* = 1. Null without a fixed point unless φ is homogeneous (then q-free) */
  chiC: number | null;
  /** the c-map's own slope at c*: χ_c when 0 < q* < ∞, 1 in the degenerate cases (module doc) */
  mapSlope: number;
  /** −1/ln(mapSlope) layers: −1/ln χ_c where q* is finite and positive; Infinity at slope 1 (criticality, degenerate cases) */
  xiC: number;
}

/** −1/ln slope; Infinity at slope 1 (to 1e-12 in ln, as meanField's depth scale) */
const xiOf = (slope: number): number => (Math.log(slope) >= -CRITICAL_LN ? Infinity : -1 / Math.log(slope));

/**
 * c* and χ_c at the length map's fixed point q* (meanField's, from q = 1). In the chaotic phase c* solves
 * c = F(c) := [σ_w² E[φ(u₁)φ(u₂)] + σ_b²]/q* on [0, 1): F(0) ≥ 0 (F(0) = (σ_w² E[φ]² + σ_b²)/q*) and F − c < 0
 * just below 1 because F′(1) = χ₁ > 1; F is increasing (F′ = χ_c ≥ 0 for monotone φ), so the root between
 * is the attractor. Solved by the Illinois (regula falsi) method to |Δc| ≤ 1e-13.
 */
export function correlationFixedPoint(act: Act, sigmaW2: number, sigmaB2: number, order = PAIR_ORDER): CorrelationFixedPoint {
  const q = lengthFixedPoint(act, sigmaW2, sigmaB2).q;
  if (q === null || q === 0) {
    // q* = 0: χ₁ in the limit q → 0⁺, as meanField reports it
    const chiC = q === 0 ? sigmaW2 * derivSecondMoment(act, 1e-300) : isHomogeneous(act) ? sigmaW2 * derivSecondMoment(act, 1) : null;
    return { qStar: q, cStar: 1, chiC, mapSlope: 1, xiC: Infinity };
  }
  const chi1 = sigmaW2 * derivSecondMoment(act, q);
  if (chi1 <= 1) return { qStar: q, cStar: 1, chiC: chi1, mapSlope: chi1, xiC: xiOf(chi1) };
  const h = (c: number): number => correlationMap(act, q, q, c, sigmaW2, sigmaB2, order) - c;
  let a = 0;
  let fa = h(a);
  if (fa <= 0) {
    // F(0) = 0 (odd φ with σ_b = 0: the c-map is odd too) — 0 is the fixed point
    const chiC = correlationSlope(act, q, q, 0, sigmaW2, order);
    return { qStar: q, cStar: 0, chiC, mapSlope: chiC, xiC: xiOf(chiC) };
  }
  let b = 0.5;
  let fb = h(b);
  while (fb >= 0 && b < 1 - 1e-15) {
    a = b;
    fa = fb;
    b = 1 - (1 - b) / 4;
    fb = h(b);
  }
  let side = 0;
  let c = b;
  for (let it = 0; it < 200 && b - a > 1e-13; it++) {
    c = (a * fb - b * fa) / (fb - fa);
    const fc = h(c);
    if (fc === 0) break;
    if (fc > 0) {
      a = c;
      fa = fc;
      if (side === 1) fb /= 2;
      side = 1;
    } else {
      b = c;
      fb = fc;
      if (side === -1) fa /= 2;
      side = -1;
    }
  }
  const chiC = correlationSlope(act, q, q, c, sigmaW2, order);
  return { qStar: q, cStar: c, chiC, mapSlope: chiC, xiC: xiOf(chiC) };
}

/**
 * c_0 … c_depth for two inputs that start with variance q0 each and correlation c0, the length map and the
 * c-map iterated together (finite depth, q need not be at q*). Length depth + 1, the start included.
 */
export function correlationTrajectory(act: Act, sigmaW2: number, sigmaB2: number, q0: number, c0: number, depth: number): number[] {
  const out = [clampC(c0)];
  let q = q0;
  let c = clampC(c0);
  for (let l = 0; l < depth; l++) {
    c = correlationMap(act, q, q, c, sigmaW2, sigmaB2);
    q = lengthMap(act, q, sigmaW2, sigmaB2);
    out.push(c);
  }
  return out;
}

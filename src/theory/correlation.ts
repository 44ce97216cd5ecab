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
import { type Act, activationDeriv, activationFn, analyticStrip, derivSecondMoment, expectUnder } from './activations.ts';
import { CRITICAL_LN, lengthFixedPoint, lengthMap } from './meanfield.ts';

/** φ is positively homogeneous (φ(ax) = aφ(x), a > 0): the normalised c-map does not see q or σ_w² when σ_b = 0. */
export function isHomogeneous(act: Act): boolean {
  return act.name === 'relu' || act.name === 'leaky_relu' || act.name === 'linear';
}

const clampC = (c: number): number => Math.min(1, Math.max(-1, c));

/**
 * Gauss–Legendre points per panel for the 2-D rule of φ with a kink (relu, leaky_relu, elu, selu): relative
 * error ≤ ~1e-11 against 20 points (elu, relu; q ≤ 20, c up to 1 − 1e-6). 8 points (phaseDiagram): ≤ ~1e-7.
 * Smooth φ take the trapezoidal rule below, whose size follows from φ's analytic strip, not from `order`.
 */
export const PAIR_ORDER = 12;

/** The trapezoidal rules' error target: e^{−38} ≈ 3e-17 of the integrand's scale. */
const TRAP_EXPONENT = 38;
/** The rules reach |z| = 9 standard units: the Gaussian weight beyond is < 1e-18. */
const TRAP_REACH = 9;

/**
 * The step, in standard units, of a trapezoidal rule for ∫ ψ(σz) e^{−z²/2} dz with ψ analytic in the strip
 * |Im z| < τ and growing like e^{G(Im z)²/2} there. The rule's error is ≲ e^{a²(1+G)/2 − 2πa/h} for any
 * a < τ (Trefethen & Weideman 2014, "The exponentially convergent trapezoidal rule", §5: the e^{a²/2} is the
 * Gaussian's own growth off the axis); a = min(0.75τ — keeping clear of the pole, whose residue (φ′², a double
 * pole) would otherwise cost a factor ~100 — , the unconstrained optimum √(2T/(1+G))) and the exponent set to −T
 * give h. tanh at q = 1: h ≈ 0.19, 97 points; at q = 20: h ≈ 0.044, 415 points.
 */
function trapezoidStep(tau: number, G: number, T: number): number {
  const a = Math.min(0.75 * tau, Math.sqrt((2 * T) / (1 + G)));
  return (2 * Math.PI * a) / (T + ((1 + G) * a * a) / 2);
}

/** Nodes k·h (|k·h| ≤ 9) and weights h·e^{−z²/2}/√(2π) of the trapezoidal rule for E[ψ(z)], z ~ N(0, 1). */
function trapezoidRule(h: number): { z: Float64Array; w: Float64Array } {
  const K = Math.ceil(TRAP_REACH / h);
  const z = new Float64Array(2 * K + 1);
  const w = new Float64Array(2 * K + 1);
  for (let k = -K; k <= K; k++) {
    z[k + K] = k * h;
    w[k + K] = (h * Math.exp(-0.5 * k * k * h * h)) / Math.sqrt(2 * Math.PI);
  }
  return { z, w };
}

/**
 * E[f(u₁)g(u₂)] (and E[f₂(u₁)g₂(u₂)] on the same nodes when given) for φ analytic on the real line: the
 * conditional form of gaussianPairExpectation with a trapezoidal rule for each of the two 1-D integrals, its
 * step set by the conditional variance (trapezoidStep). The inner integrand g(m + s z) is analytic within
 * pole/s of the axis (s² = q₂(1 − c²)); the outer one, f(x)·E[g(slope·x + s z)], within pole/√q₁ and
 * pole/(|c|√q₂). Against the kink-split panels at 24 points (tanh, sigmoid, gelu, swish; E[φφ], E[φ′φ′],
 * E[φφ′]; q₁ in [0.01, 50], q₂ = q₁ and q₁/2 + 0.2, c from −1 to 1): within 3e-15 (relative, absolute below
 * 1), with 7 000 evaluations of g for tanh at q = 1.2, c = 0.5 where 12-point panels took 167 000 (23× faster).
 */
function smoothPair(
  strip: { pole: number; growth: number },
  q1: number,
  q2: number,
  r: number,
  f: (x: number) => number,
  g: (x: number) => number,
  f2?: (x: number) => number,
  g2?: (x: number) => number,
  T = TRAP_EXPONENT,
): [number, number] {
  const sd1 = Math.sqrt(q1);
  const v = q2 * (1 - r * r);
  const sd2 = Math.sqrt(v);
  const slope = r * Math.sqrt(q2 / q1);
  const outer = trapezoidRule(trapezoidStep(Math.min(strip.pole / sd1, strip.pole / (Math.abs(r) * Math.sqrt(q2))), strip.growth * (q1 + r * r * q2), T));
  // s = 0 (c = ±1): u₂ = slope·u₁ exactly
  const inner = v > 0 ? trapezoidRule(trapezoidStep(strip.pole / sd2, strip.growth * v, T)) : null;
  let a = 0;
  let b = 0;
  for (let i = 0; i < outer.z.length; i++) {
    const x = sd1 * outer.z[i]!;
    const m = slope * x;
    let ia = 0;
    let ib = 0;
    if (inner === null) {
      ia = g(m);
      if (g2 !== undefined) ib = g2(m);
    } else {
      for (let k = 0; k < inner.z.length; k++) {
        const y = m + sd2 * inner.z[k]!;
        ia += inner.w[k]! * g(y);
        if (g2 !== undefined) ib += inner.w[k]! * g2(y);
      }
    }
    a += outer.w[i]! * f(x) * ia;
    if (f2 !== undefined) b += outer.w[i]! * f2(x) * ib;
  }
  return [a, b];
}

/**
 * E[f(u₁) g(u₂)] for jointly Gaussian (u₁, u₂), Var u_i = q_i, correlation c. Conditioned on u₁ = x,
 * u₂ ~ N(c√(q₂/q₁)·x, q₂(1 − c²)), so the 2-D integral is a 1-D integral of a 1-D one. For smooth φ
 * (tanh, sigmoid, gelu, swish, linear) each is a trapezoidal rule sized by the variance (smoothPair); for φ
 * with a kink each is split there (activations.ts `expectUnder`), which keeps the rule exponentially
 * convergent for relu-like φ and well conditioned as c → ±1 (the inner variance → 0 is handled exactly).
 * f and g should be φ, φ′ or other functions as smooth as φ (the rule is sized for φ's strip).
 */
export function gaussianPairExpectation(act: Act, f: (x: number) => number, g: (x: number) => number, q1: number, q2: number, c: number, order = PAIR_ORDER): number {
  const r = clampC(c);
  const innerVar = q2 * (1 - r * r);
  if (q1 <= 0) return f(0) * expectUnder(act, g, q2, 0, order);
  const strip = analyticStrip(act);
  if (strip !== null) return smoothPair(strip, q1, q2, r, f, g)[0];
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
 * h(c) := F(c) − c = 0, F(c) = [σ_w² E[φ(u₁)φ(u₂)] + σ_b²]/q*, on [0, 1): h(0) > 0 (else c* = 0), h(1) = 0 and
 * h′(1) = χ₁ − 1 > 0. F′(c) = χ_c(c) by Price's theorem, and F is convex on [0, 1] (F″ = σ_w² q* E[φ″(u₁)φ″(u₂)],
 * a Mehler series with non-negative terms for c ≥ 0), so h′ < 0 on [0, c*] and Newton's method from c = 0
 * climbs monotonically to c* and converges quadratically: 4–8 steps, each one pass of the 2-D rule for
 * E[φφ] and E[φ′φ′] together (smoothPair), ~15 near the boundary. Stopped when a step is ≤ 1e-15 or no
 * longer moves up (rounding).
 */
export function correlationFixedPoint(act: Act, sigmaW2: number, sigmaB2: number, order = PAIR_ORDER): CorrelationFixedPoint {
  const q = lengthFixedPoint(act, sigmaW2, sigmaB2).q;
  if (q === null || q === 0) {
    // q* = 0: χ₁ in the limit q → 0⁺, as meanField reports it
    const chiC = q === 0 ? sigmaW2 * derivSecondMoment(act, 1e-300) : isHomogeneous(act) ? sigmaW2 * derivSecondMoment(act, 1) : null;
    return { qStar: q, cStar: 1, chiC, mapSlope: 1, xiC: Infinity };
  }
  const chi1 = sigmaW2 * derivSecondMoment(act, q);
  // χ₁ within 1e-12 (in ln) of 1 is critical, as in meanField: c* = 1 to rounding (relu at σ_w² = fan_in·(2/fan_in)
  // = 2.0000000000000004 has no c* < 1 a double can hold, and Newton would creep towards 1 on h′ → 0)
  if (chi1 <= 1 || Math.log(chi1) <= CRITICAL_LN) return { qStar: q, cStar: 1, chiC: chi1, mapSlope: chi1, xiC: xiOf(chi1) };
  // the normaliser correlationMap uses (√(q′q′) with q′ = L(q*), equal to q* to the fixed point's 1e-13)
  const Lq = lengthMap(act, q, sigmaW2, sigmaB2);
  const norm = Math.sqrt(Lq * Lq);
  const strip = analyticStrip(act);
  const phi = activationFn(act);
  const d = activationDeriv(act);
  /** [h(c), h′(c), χ_c(c)], the 2-D rule's error e^{−T} */
  const step = (c: number, T: number): [number, number, number] => {
    if (strip === null) {
      const chi = correlationSlope(act, q, q, c, sigmaW2, order);
      return [correlationMap(act, q, q, c, sigmaW2, sigmaB2, order) - c, (chi * q) / norm - 1, chi];
    }
    const [e, e1] = smoothPair(strip, q, q, c, phi, phi, d, d, T);
    return [clampC((sigmaW2 * e + sigmaB2) / norm) - c, (sigmaW2 * e1 * q) / norm - 1, sigmaW2 * e1];
  };
  // Newton with a coarse rule (e^{−18} ≈ 2e-8: ~1/4 of the points) while the steps are large, then with the
  // full one: from 1e-6 away, quadratic convergence needs two or three full steps
  const COARSE = 18;
  let T = COARSE;
  let [h, dh, chiC] = step(0, T);
  if (h <= 0) {
    // F(0) = 0 (odd φ with σ_b = 0: the c-map is odd too) — 0 is the fixed point
    chiC = step(0, TRAP_EXPONENT)[2];
    return { qStar: q, cStar: 0, chiC, mapSlope: chiC, xiC: xiOf(chiC) };
  }
  // safeguarded Newton: [lo, hi] brackets c* by the signs seen (under the current rule); a step outside it, or
  // where h′ ≥ 0 (past h's minimum, only after an overshoot), bisects instead
  let c = 0;
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < 200; it++) {
    if (h > 0) lo = Math.max(lo, c);
    else hi = Math.min(hi, c);
    let next = c - h / dh;
    if (!(dh < 0 && next > lo && next < hi)) next = (lo + hi) / 2;
    const moved = Math.abs(next - c);
    c = next;
    if (T === COARSE && moved <= 1e-6) {
      // near the boundary (h′ → 0) the coarse rule's root can be off by more than its step: reopen the bracket
      T = TRAP_EXPONENT;
      lo = 0;
      hi = 1;
    } else if (moved <= 1e-15) break;
    [h, dh, chiC] = step(c, T);
  }
  if (T === COARSE) chiC = step(c, TRAP_EXPONENT)[2];
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

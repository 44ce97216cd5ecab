/**
 * Activations as plain number functions (the same definitions tfjs-layers 4.22 uses), their gains,
 * and the Gaussian moments mean-field theory needs: E[φ(z)], E[φ(z)²], E[φ′(z)²] for z ~ N(μ, q).
 * Types are structural copies of core's ActivationSpec so this room imports nothing of ours.
 */
import { erf, normCdf, normPdf } from './special.ts';
import { gaussianExpectation, gaussianRule } from './quadrature.ts';

export type ActName = 'linear' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid' | 'selu' | 'elu' | 'gelu' | 'swish';
export interface Act {
  name: ActName;
  alpha?: number;
}

/** Slopes when an activation leaves alpha out — the same defaults src/model uses (PyTorch/Keras). */
export const DEFAULT_ACTIVATION_ALPHA = { leaky_relu: 0.01, elu: 1 } as const;

/** SELU constants (Klambauer et al. 2017), as in tfjs-core's selu kernel. */
export const SELU_LAMBDA = 1.0507009873554805;
export const SELU_ALPHA = 1.6732632423543772;

function alphaOf(act: Act): number {
  if (act.name === 'leaky_relu') return act.alpha ?? DEFAULT_ACTIVATION_ALPHA.leaky_relu;
  if (act.name === 'elu') return act.alpha ?? DEFAULT_ACTIVATION_ALPHA.elu;
  return 0;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** φ as a number function. gelu is the exact erf form (tfjs 'gelu'); swish is x·sigmoid(x). */
export function activationFn(act: Act): (x: number) => number {
  const a = alphaOf(act);
  switch (act.name) {
    case 'linear':
      return (x) => x;
    case 'relu':
      return (x) => (x > 0 ? x : 0);
    case 'leaky_relu':
      return (x) => (x > 0 ? x : a * x);
    case 'tanh':
      return Math.tanh;
    case 'sigmoid':
      return sigmoid;
    case 'selu':
      return (x) => (x > 0 ? SELU_LAMBDA * x : SELU_LAMBDA * SELU_ALPHA * Math.expm1(x));
    case 'elu':
      return (x) => (x > 0 ? x : a * Math.expm1(x));
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'swish':
      return (x) => x * sigmoid(x);
  }
}

/** φ′ (the one-sided derivative from the right at a kink; a measure-zero choice). */
export function activationDeriv(act: Act): (x: number) => number {
  const a = alphaOf(act);
  switch (act.name) {
    case 'linear':
      return () => 1;
    case 'relu':
      return (x) => (x > 0 ? 1 : 0);
    case 'leaky_relu':
      return (x) => (x > 0 ? 1 : a);
    case 'tanh':
      return (x) => 1 - Math.tanh(x) ** 2;
    case 'sigmoid':
      return (x) => sigmoid(x) * (1 - sigmoid(x));
    case 'selu':
      return (x) => (x > 0 ? SELU_LAMBDA : SELU_LAMBDA * SELU_ALPHA * Math.exp(x));
    case 'elu':
      return (x) => (x > 0 ? 1 : a * Math.exp(x));
    case 'gelu':
      return (x) => normCdf(x) + x * normPdf(x);
    case 'swish':
      return (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x)));
  }
}

/** Where φ is not smooth (so quadrature must split there), or undefined. */
function kinkOf(act: Act): number | undefined {
  switch (act.name) {
    case 'relu':
    case 'leaky_relu':
    case 'selu':
    case 'elu':
      return 0;
    default:
      return undefined;
  }
}

/**
 * How far φ (and φ′) stays analytic off the real axis, for sizing trapezoidal rules (correlation.ts): `pole` is
 * the distance of the nearest complex singularity (tanh: ±iπ/2; sigmoid and swish: ±iπ), Infinity for an
 * entire φ; `growth` γ says |φ(x + iy)| grows like e^{γy²/2} (gelu: erf(x/√2) does, γ = 1). Null for φ with a
 * kink (not analytic on the real line) — linear is entire and constant-growth.
 */
export function analyticStrip(act: Act): { pole: number; growth: number } | null {
  switch (act.name) {
    case 'tanh':
      return { pole: Math.PI / 2, growth: 0 };
    case 'sigmoid':
    case 'swish':
      return { pole: Math.PI, growth: 0 };
    case 'gelu':
      return { pole: Infinity, growth: 1 };
    case 'linear':
      return { pole: Infinity, growth: 0 };
    default:
      return null;
  }
}

/**
 * E[g(φ(z))] style helper: E[f(x)], x ~ N(mean, q), by Gauss–Legendre panels (`order` points each) split at
 * φ's kink, or at 0 for smooth φ (where tanh, sigmoid, gelu, swish bend; the panels are graded there). Not Gauss–Hermite: tanh, sigmoid, gelu and swish have complex poles at distance ~1/√q
 * from the real axis in standard units, and an 80-point Hermite rule for E[tanh²] is off by 2e-10 at q = 1,
 * 4e-7 at q = 2.2 and 9e-3 at q = 20; the panels (width 0.75 standard units) stay at ~1e-15 to q = 20.
 * 14 points a panel: within 5e-13 (gelu; 1e-14 the others) of 20 for q in [0.01, 50] and means to ±2.
 */
export function expectUnder(act: Act, f: (x: number) => number, q: number, mean = 0, order = 14): number {
  return gaussianExpectation(f, mean, q, { kink: kinkOf(act) ?? 0, order });
}

/** expectUnder's nodes and weights, for several integrands at once (quadrature.ts gaussianRule). */
export function ruleUnder(act: Act, q: number, mean = 0, order = 14): { x: number[]; w: number[] } {
  return gaussianRule(mean, q, kinkOf(act) ?? 0, order);
}

/**
 * E[φ(x)²] for x ~ N(mean, q) — the forward map of mean-field theory. Closed forms:
 * linear: q + μ²; relu (μ = 0): q/2; leaky_relu (μ = 0): (1+a²)q/2. Otherwise quadrature.
 */
export function secondMomentFactor(act: Act, q: number, mean = 0): number {
  if (act.name === 'linear') return q + mean * mean;
  if (mean === 0 && act.name === 'relu') return q / 2;
  if (mean === 0 && act.name === 'leaky_relu') {
    const a = alphaOf(act);
    return ((1 + a * a) * q) / 2;
  }
  if (act.name === 'relu') return reluMomentsShifted(mean, q).second;
  const phi = activationFn(act);
  return expectUnder(act, (x) => phi(x) ** 2, q, mean);
}

/** E[φ(x)] for x ~ N(mean, q). relu (μ = 0): √(q/2π); linear: μ. */
export function firstMoment(act: Act, q: number, mean = 0): number {
  if (act.name === 'linear') return mean;
  if (act.name === 'relu') return reluMomentsShifted(mean, q).first;
  if (mean === 0 && act.name === 'leaky_relu') return ((1 - alphaOf(act)) * Math.sqrt(q)) / Math.sqrt(2 * Math.PI);
  const phi = activationFn(act);
  return expectUnder(act, phi, q, mean);
}

/** E[φ′(x)²] for x ~ N(mean, q) — the backward map. relu: P(x > 0); linear: 1. */
export function derivSecondMoment(act: Act, q: number, mean = 0): number {
  if (act.name === 'linear') return 1;
  if (act.name === 'relu') return q > 0 ? normCdf(mean / Math.sqrt(q)) : mean > 0 ? 1 : 0.5;
  if (act.name === 'leaky_relu') {
    const a = alphaOf(act);
    const p = q > 0 ? normCdf(mean / Math.sqrt(q)) : mean > 0 ? 1 : 0.5;
    return p + a * a * (1 - p);
  }
  const d = activationDeriv(act);
  return expectUnder(act, (x) => d(x) ** 2, q, mean);
}

/** E[φ(x)⁴] for x ~ N(0, q) (finite-width spread). relu: 3q²/2; linear: 3q². */
export function fourthMoment(act: Act, q: number): number {
  if (act.name === 'linear') return 3 * q * q;
  if (act.name === 'relu') return 1.5 * q * q;
  const phi = activationFn(act);
  return expectUnder(act, (x) => phi(x) ** 4, q, 0);
}

/** Closed-form E[relu(x)], E[relu(x)²] for x ~ N(μ, q) (moments of a rectified Gaussian). */
export function reluMomentsShifted(mean: number, q: number): { first: number; second: number } {
  if (q <= 0) return { first: Math.max(mean, 0), second: Math.max(mean, 0) ** 2 };
  const s = Math.sqrt(q);
  const t = mean / s;
  const P = normCdf(t);
  const p = normPdf(t);
  return { first: mean * P + s * p, second: (mean * mean + q) * P + mean * s * p };
}

/**
 * The gain table: the factor g in Var(W) = g²/fan. Sources:
 * - linear 1, sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+a²)): PyTorch torch.nn.init.calculate_gain
 *   (relu and leaky_relu from He et al. 2015, eq. 10 / its PReLU form; tanh's 5/3 is PyTorch's empirical value).
 * - selu 1: Klambauer et al. 2017 — SELU's self-normalising fixed point needs Var(W) = 1/n (LeCun normal).
 *   (PyTorch's calculate_gain('selu') returns 3/4, which its docs say deliberately gives that up.)
 * - elu, gelu, swish: no published standard; we use the variance-preserving gain 1/√E[φ(z)²], z ~ N(0,1),
 *   computed here by quadrature: elu(α=1) ≈ 1.2452, gelu ≈ 1.5335, swish ≈ 1.6765 (`variancePreservingGain`).
 */
export function activationGain(act: Act): number {
  switch (act.name) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const a = alphaOf(act);
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'tanh':
      return 5 / 3;
    case 'selu':
      return 1;
    case 'elu':
    case 'gelu':
    case 'swish':
      return variancePreservingGain(act);
  }
}

/** 1/√E[φ(z)²], z ~ N(0,1): the gain that keeps q = 1 a fixed point with zero bias. */
export function variancePreservingGain(act: Act): number {
  return 1 / Math.sqrt(secondMomentFactor(act, 1));
}

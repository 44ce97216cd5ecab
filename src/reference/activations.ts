/**
 * Element-wise activations, as tfjs computes them, in float64. Each has a scalar value f(x) and
 * derivative f'(x); the tensor functions map them over any shape. Derivatives at kinks follow tfjs:
 * relu'(0)=0, leaky_relu'(0)=α, elu'(0)=1, selu'(0)=scale·α.
 */
import { type Tensor, zeros } from './tensor.ts';

export type ActivationName =
  | 'linear' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid' | 'selu' | 'elu' | 'gelu' | 'swish';

export const ACTIVATION_NAMES: readonly ActivationName[] = [
  'linear', 'relu', 'leaky_relu', 'tanh', 'sigmoid', 'selu', 'elu', 'gelu', 'swish',
];

/** SELU constants (Klambauer et al. 2017), the values tfjs uses. */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;

/** Default slopes when the spec gives none (the model builder's: PyTorch's 0.01 leaky slope, elu 1). */
export const DEFAULT_LEAKY_ALPHA = 0.01;
export const DEFAULT_ELU_ALPHA = 1;

/**
 * erf and erfc to ~1e-15 relative in float64: the Taylor series of erf below |x| = 1.5 (alternating
 * terms stay below e^2.25 ≈ 10, so cancellation costs one digit) and the Laplace continued fraction
 * of erfc above (120 terms reach full precision from x = 1.5 on).
 */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x >= 1.5) return 1 - erfc(x);
  // erf(x) = 2/√π · Σₙ (−1)ⁿ x^(2n+1) / (n! (2n+1))
  let term = x; // (−1)ⁿ x^(2n+1) / n!
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** 1 − erf(x), without the cancellation of computing it that way for large x. */
export function erfc(x: number): number {
  if (x < 1.5) return 1 - erf(x);
  if (x > 27) return 0; // below the smallest double
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated bottom-up
  let t = x;
  for (let k = 120; k >= 1; k--) t = x + k / 2 / t;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / t;
}

/** The standard normal CDF Φ(x) = erfc(−x/√2)/2, accurate in both tails. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

// scalar x → 1/(1 + e^−x)
function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** f(x) for one activation; alpha is the leaky_relu slope or the elu alpha. */
export function activationValue(name: ActivationName, x: number, alpha?: number): number {
  switch (name) {
    case 'linear': return x;
    case 'relu': return x > 0 ? x : 0;
    case 'leaky_relu': return x > 0 ? x : (alpha ?? DEFAULT_LEAKY_ALPHA) * x;
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return logistic(x);
    case 'selu': return x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x);
    case 'elu': return x > 0 ? x : (alpha ?? DEFAULT_ELU_ALPHA) * Math.expm1(x);
    // tfjs-layers 'gelu' is the exact x·Φ(x) with Φ via erf (its tanh approximation is 'gelu_new')
    case 'gelu': return x * normalCdf(x);
    case 'swish': return x * logistic(x);
  }
}

/** f'(x) for one activation. */
export function activationDerivative(name: ActivationName, x: number, alpha?: number): number {
  switch (name) {
    case 'linear': return 1;
    case 'relu': return x > 0 ? 1 : 0;
    case 'leaky_relu': return x > 0 ? 1 : (alpha ?? DEFAULT_LEAKY_ALPHA);
    case 'tanh': {
      const t = Math.tanh(x);
      return 1 - t * t;
    }
    case 'sigmoid': {
      const s = logistic(x);
      return s * (1 - s);
    }
    case 'selu': return x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x);
    case 'elu': return x >= 0 ? 1 : (alpha ?? DEFAULT_ELU_ALPHA) * Math.exp(x);
    case 'gelu': {
      // d/dx x·Φ(x) = Φ(x) + x·φ(x)
      const cdf = normalCdf(x);
      const pdf = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
      return cdf + x * pdf;
    }
    case 'swish': {
      const s = logistic(x);
      return s + x * s * (1 - s);
    }
  }
}

// x is any shape → y = f(x), same shape
export function activation(name: ActivationName, x: Tensor, alpha?: number): Tensor {
  const y = zeros(x.shape);
  for (let i = 0; i < x.data.length; i++) y.data[i] = activationValue(name, x.data[i]!, alpha);
  return y;
}

// x (pre-activation) and dy are the same shape → dx = dy · f'(x), same shape
export function activationBackward(name: ActivationName, x: Tensor, dy: Tensor, alpha?: number): Tensor {
  const dx = zeros(x.shape);
  for (let i = 0; i < x.data.length; i++) dx.data[i] = dy.data[i]! * activationDerivative(name, x.data[i]!, alpha);
  return dx;
}

// Named shorthands, each (x any shape) → same shape; the *Backward ones take (x, dy) → dx.
export const relu = (x: Tensor): Tensor => activation('relu', x);
export const reluBackward = (x: Tensor, dy: Tensor): Tensor => activationBackward('relu', x, dy);
export const leakyRelu = (x: Tensor, alpha: number): Tensor => activation('leaky_relu', x, alpha);
export const leakyReluBackward = (x: Tensor, dy: Tensor, alpha: number): Tensor => activationBackward('leaky_relu', x, dy, alpha);
export const tanh = (x: Tensor): Tensor => activation('tanh', x);
export const tanhBackward = (x: Tensor, dy: Tensor): Tensor => activationBackward('tanh', x, dy);
export const sigmoid = (x: Tensor): Tensor => activation('sigmoid', x);
export const sigmoidBackward = (x: Tensor, dy: Tensor): Tensor => activationBackward('sigmoid', x, dy);
export const selu = (x: Tensor): Tensor => activation('selu', x);
export const seluBackward = (x: Tensor, dy: Tensor): Tensor => activationBackward('selu', x, dy);
export const elu = (x: Tensor, alpha = DEFAULT_ELU_ALPHA): Tensor => activation('elu', x, alpha);
export const eluBackward = (x: Tensor, dy: Tensor, alpha = DEFAULT_ELU_ALPHA): Tensor => activationBackward('elu', x, dy, alpha);
export const gelu = (x: Tensor): Tensor => activation('gelu', x);
export const geluBackward = (x: Tensor, dy: Tensor): Tensor => activationBackward('gelu', x, dy);
export const swish = (x: Tensor): Tensor => activation('swish', x);
export const swishBackward = (x: Tensor, dy: Tensor): Tensor => activationBackward('swish', x, dy);

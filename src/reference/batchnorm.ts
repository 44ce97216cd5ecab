/**
 * Batch normalization in training mode over the last axis (channels), NHWC or (N,C):
 * statistics over every other axis, the biased variance (divide by the count, not count−1), ε = 1e-3 as tfjs.
 */
import { type Tensor, zeros } from './tensor.ts';

export const BN_EPSILON = 1e-3;

export interface BatchNormStats {
  /** (C) batch mean and biased batch variance per channel */
  mean: Float64Array;
  variance: Float64Array;
}

// x is (…,C) → per-channel mean and biased variance over the other M = size/C entries
export function batchStats(x: Tensor): BatchNormStats {
  const C = x.shape[x.shape.length - 1]!;
  const M = x.data.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let i = 0; i < x.data.length; i++) mean[i % C]! += x.data[i]! / M;
  for (let i = 0; i < x.data.length; i++) {
    const d = x.data[i]! - mean[i % C]!;
    variance[i % C]! += (d * d) / M;
  }
  return { mean, variance };
}

// x is (…,C), gamma and beta are (C) → y (…,C) = gamma·(x − mean)/√(var + ε) + beta
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon = BN_EPSILON): Tensor {
  const C = x.shape[x.shape.length - 1]!;
  const { mean, variance } = batchStats(x);
  const y = zeros(x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const c = i % C;
    y.data[i] = (gamma.data[c]! * (x.data[i]! - mean[c]!)) / Math.sqrt(variance[c]! + epsilon) + beta.data[c]!;
  }
  return y;
}

/**
 * x is (…,C), gamma is (C), dy is (…,C) → dx (…,C), dgamma (C), dbeta (C).
 * With x̂ = (x − μ)/σ and M entries per channel, the mean and variance depend on every x, so
 * dx = gamma/σ · (dy − mean(dy) − x̂·mean(dy·x̂)).
 */
export function batchNormBackward(
  x: Tensor, gamma: Tensor, dy: Tensor, epsilon = BN_EPSILON,
): { dx: Tensor; dgamma: Tensor; dbeta: Tensor } {
  const C = x.shape[x.shape.length - 1]!;
  const M = x.data.length / C;
  const { mean, variance } = batchStats(x);
  const sigma = variance.map((v) => Math.sqrt(v + epsilon));
  const dgamma = zeros([C]);
  const dbeta = zeros([C]);
  for (let i = 0; i < x.data.length; i++) {
    const c = i % C;
    const xhat = (x.data[i]! - mean[c]!) / sigma[c]!;
    dbeta.data[c]! += dy.data[i]!;
    dgamma.data[c]! += dy.data[i]! * xhat;
  }
  const dx = zeros(x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const c = i % C;
    const xhat = (x.data[i]! - mean[c]!) / sigma[c]!;
    // Σ dy = dbeta and Σ dy·x̂ = dgamma, so their means are these over M
    dx.data[i] = (gamma.data[c]! / sigma[c]!) * (dy.data[i]! - dbeta.data[c]! / M - (xhat * dgamma.data[c]!) / M);
  }
  return { dx, dgamma, dbeta };
}

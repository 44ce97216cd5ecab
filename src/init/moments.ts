/**
 * The distribution math the registry's entries are written in: mean, variance and support of the
 * weight distributions initializers draw from. Pure: no tfjs.
 */
import { TRUNCATED_STD_CORRECTION } from './draw.ts';
import { sizeOf } from './fans.ts';

export interface Moments {
  mean: number;
  variance: number;
  /** [min, max] every draw lies in, or null for unbounded distributions */
  support: [number, number] | null;
}

/** Variance of N(0,1) truncated to [−2, 2]: (0.87962566103423978)². */
export const TRUNCATED_VARIANCE_FACTOR = TRUNCATED_STD_CORRECTION * TRUNCATED_STD_CORRECTION;

export const sym = (a: number): [number, number] => [-a, a];

export const constantMoments = (v: number): Moments => ({ mean: v, variance: 0, support: [v, v] });

/** Zero-mean draws of variance `variance`: normal, uniform, or normal truncated at ±2σ with σ corrected. */
export function scaledMoments(variance: number, dist: 'normal' | 'uniform' | 'truncated'): Moments {
  switch (dist) {
    case 'normal':
      return { mean: 0, variance, support: null };
    case 'uniform':
      return { mean: 0, variance, support: sym(Math.sqrt(3 * variance)) };
    case 'truncated':
      return { mean: 0, variance, support: sym((2 * Math.sqrt(variance)) / TRUNCATED_STD_CORRECTION) };
  }
}

/** g × a matrix with orthonormal columns (or rows), flattened to [prod(shape[:-1]), shape[-1]]. */
export function orthogonalMoments(shape: number[], gain: number): Moments {
  const cols = shape[shape.length - 1]!;
  const rows = sizeOf(shape) / cols;
  // Σw² = g²·min(rows, cols) exactly, over rows·cols entries.
  return { mean: 0, variance: (gain * gain) / Math.max(rows, cols), support: sym(gain) };
}

/** Delta-orthogonal: only the centre tap is non-zero (a dense kernel is plain orthogonal). */
export function deltaOrthogonalMoments(shape: number[], gain: number): Moments {
  if (shape.length === 2) return orthogonalMoments(shape, gain);
  const cin = shape[shape.length - 2]!;
  const cout = shape[shape.length - 1]!;
  const taps = sizeOf(shape) / (cin * cout);
  return { mean: 0, variance: (gain * gain) / (taps * Math.max(cin, cout)), support: sym(gain) };
}

/** Fixup's factor on Var(W) of a branch's first layer: (L^(−1/(2m−2)))² with m = 2 layers per branch. */
export function fixupVarianceFactor(residualBlocks: number): number {
  const L = Math.max(1, residualBlocks);
  const m = 2;
  return Math.pow(L, -2 / (2 * m - 2));
}

/**
 * Fan-in / fan-out of a weight shape.
 *
 * tfjs keeps conv kernels as [kh, kw, cin, cout] and dense kernels as [in, out]. PyTorch keeps them as
 * [cout, cin, kh, kw] and [out, in]; both conventions agree on the numbers:
 *   dense  [in, out]:            fan_in = in,              fan_out = out
 *   conv   [kh, kw, cin, cout]:  fan_in = kh·kw·cin,       fan_out = kh·kw·cout
 *   (any rank ≥ 3: receptive field = product of all but the last two dims)
 *   rank 1 [n]:                  fan_in = fan_out = n      (TF2 Keras `_compute_fans`; PyTorch refuses)
 *   rank 0 []:                   fan_in = fan_out = 1
 * tfjs-layers itself uses √size for rank 1 — irrelevant for kernels, which are rank ≥ 2.
 */

/** The weight `init-stats` audits by default (tfjs-free, for the CLI's --help): a 3×3 conv, 64 → 64 channels. */
export const AUDIT_SHAPE: readonly number[] = [3, 3, 64, 64];

export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  let rf = 1;
  for (let i = 0; i < shape.length - 2; i++) rf *= shape[i]!;
  return { fanIn: rf * shape[shape.length - 2]!, fanOut: rf * shape[shape.length - 1]! };
}

/** The fan a mode divides by: fan_in, fan_out, or their mean. */
export function fanFor(shape: number[], mode: 'fan_in' | 'fan_out' | 'fan_avg'): number {
  const { fanIn, fanOut } = fans(shape);
  return mode === 'fan_in' ? fanIn : mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

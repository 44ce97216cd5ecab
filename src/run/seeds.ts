import { deriveSeed } from '../core/rng.ts';
import type { RunSpec } from '../core/types.ts';
import { canonicalJson } from '../core/canonical.ts';

/**
 * The data set's seed: a function of the data spec and the repeat only, not of the initializer or the
 * net, so runs that differ only in init train on the same images in the same order (a paired design).
 */
export function dataSeed(spec: Pick<RunSpec, 'data' | 'repeat'>): number {
  return deriveSeed(0x1a7a5eed, 'data', canonicalJson(spec.data), spec.repeat);
}

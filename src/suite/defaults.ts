/**
 * A suite's built-in defaults and size bounds, and the architecture names: free of TypeBox and tfjs, so
 * the CLI's flags and --help (probe's defaults, run's --force) load neither. plan.ts and schema.ts use them.
 */
import type { ArchKind } from '../core/types.ts';
import type { SuitePoint } from './schema.ts';

export const ARCH_KINDS = ['plain', 'batchnorm', 'residual', 'residual-bn'] as const satisfies readonly ArchKind[];

/** Depths at or above this need --force: a typo (10000 for 100) should not start a week-long run. */
export const ABSURD_DEPTH = 10_000;
/** Widths (channels) at or above this need --force: 10⁹ channels is a typo that would fail only at run time. */
export const ABSURD_WIDTH = 10_000;
/** Input sides and channels at or above this need --force (a 10⁴×10⁴ image is 10⁸ pixels per example). */
export const ABSURD_INPUT = 10_000;
/**
 * Plans of more runs than this need --force. The count is taken from the axis sizes before anything is
 * expanded, so a 100×100 matrix × 10 000 seeds is refused at once rather than after minutes and gigabytes.
 */
export const MAX_PLANNED_RUNS = 100_000;

/** Built-in defaults, under the suite's `defaults`. `head` and `classes` follow train/data when unset. */
export const BUILTIN_DEFAULTS = {
  init: 'he-normal',
  activation: 'relu',
  arch: 'plain',
  depth: 10,
  width: 64,
  kernel: 3,
  padding: 'same',
  bias: false,
  downsample: { at: [], mode: 'stride' },
  input: { height: 32, width: 32, channels: 3 },
  probe: { batch: 32, source: 'gaussian', inputStd: 1, atSteps: [] },
  data: null,
  train: null,
} as const satisfies SuitePoint;

/**
 * InitSpec + layer → tfjs Initializer, and the pure math of each: expected mean, variance, support.
 *
 * Gain resolution for a hidden layer: spec.gain, else the gain of spec.activation, else the family's
 * default (normalizeInitSpec fills he/fixup: relu, xavier/lecun: linear), else — for orthogonal and
 * delta-orthogonal — the gain of the run's activation (PyTorch's recommended use of calculate_gain).
 * Head layers (the dense classifier, no activation after it) always use the linear gain 1.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationSpec, InitSpec } from '../core/types.ts';
import { InputError } from '../core/errors.ts';
import { activationGain } from '../theory/index.ts';
import { catalogEntry, INIT_DEFAULTS } from './catalog.ts';
import {
  ConstantInit,
  DeltaOrthogonalInit,
  NormalInit,
  OrthogonalInit,
  UniformInit,
  VarianceScalingInit,
  deltaOrthogonalProblem,
  type TfInitializer,
} from './classes.ts';
import { TRUNCATED_STD_CORRECTION, effectiveSeed } from './draw.ts';
import { fanFor, fans, sizeOf } from './fans.ts';

export interface LayerInit {
  index: number;
  /** 'conv3', 'head' */
  name: string;
  kind: 'conv' | 'dense';
  /** conv [kh,kw,cin,cout], dense [in,out] */
  shape: number[];
  role: 'stem' | 'plain' | 'branch-first' | 'branch-last' | 'head';
  /** residual blocks in the net, for fixup (0 if not residual) */
  residualBlocks: number;
  /** non-zero, derived per layer by the caller */
  seed: number;
}

export type LayerRole = LayerInit['role'];

/** Variance of N(0,1) truncated to [−2, 2]: (0.87962566103423978)². */
export const TRUNCATED_VARIANCE_FACTOR = TRUNCATED_STD_CORRECTION * TRUNCATED_STD_CORRECTION;

/** The gain a layer gets under `spec` (see the module comment). */
export function resolveGain(spec: InitSpec, role: LayerRole, activation: ActivationSpec): number {
  if (role === 'head') return 1;
  if (spec.gain !== undefined) return spec.gain;
  if (spec.activation !== undefined) return activationGain({ name: spec.activation, alpha: spec.alpha });
  const family = catalogEntry(spec.name).family;
  if (family === 'he' || family === 'fixup') return Math.SQRT2;
  if (family === 'orthogonal' || family === 'delta-orthogonal') return activationGain(activation);
  return 1;
}

/** Fixup's factor on Var(W) of a branch's first layer: (L^(−1/(2m−2)))² with m = 2 layers per branch. */
export function fixupVarianceFactor(residualBlocks: number): number {
  const L = Math.max(1, residualBlocks);
  const m = 2;
  return Math.pow(L, -2 / (2 * m - 2));
}

function checkShape(spec: InitSpec, shape: number[]): void {
  const family = catalogEntry(spec.name).family;
  if ((family === 'orthogonal' || family === 'lsuv' || spec.name === 'tfjs:orthogonal') && shape.length < 2) {
    throw new InputError(`${spec.name} needs a weight shape of rank ≥ 2 (a matrix or a conv kernel), got [${shape.join(',')}]`);
  }
  if (family === 'delta-orthogonal') {
    const p = deltaOrthogonalProblem(shape);
    if (p !== null) throw new InputError(`delta-orthogonal ${p}`);
  }
}

/**
 * A tfjs Initializer for one layer's kernel. Fixup (Zhang et al. 2019): the head and each branch's
 * last layer start at zero, each branch's first layer is He scaled by L^(−1/2) (L residual blocks,
 * m = 2), the stem is plain He. LSUV starts from an orthonormal kernel (gain 1); call applyLsuv after
 * the model is built. tfjs:* initializers are tfjs's own classes, seeded with the layer's seed.
 */
export function createInitializer(spec: InitSpec, layer: LayerInit, activation: ActivationSpec): TfInitializer {
  checkShape(spec, layer.shape);
  const entry = catalogEntry(spec.name);
  const seed = effectiveSeed(layer.seed);
  const gain = resolveGain(spec, layer.role, activation);
  switch (entry.family) {
    case 'he':
    case 'xavier':
    case 'lecun':
      return new VarianceScalingInit({ scale: gain * gain, mode: spec.mode ?? defaultMode(entry.family), distribution: entry.distribution!, seed });
    case 'fixup': {
      if (layer.role === 'head' || layer.role === 'branch-last') return new ConstantInit({ value: 0 });
      const factor = layer.role === 'branch-first' ? fixupVarianceFactor(layer.residualBlocks) : 1;
      return new VarianceScalingInit({ scale: gain * gain * factor, mode: spec.mode ?? 'fan_in', distribution: 'normal', seed });
    }
    case 'orthogonal':
      return new OrthogonalInit({ gain, seed });
    case 'delta-orthogonal':
      return new DeltaOrthogonalInit({ gain, seed });
    case 'lsuv':
      return new OrthogonalInit({ gain: 1, seed });
    case 'zeros':
      return new ConstantInit({ value: 0 });
    case 'constant':
      return new ConstantInit({ value: spec.value ?? INIT_DEFAULTS.constantValue });
    case 'normal':
      return new NormalInit({ std: spec.std ?? INIT_DEFAULTS.normalStd, seed });
    case 'uniform':
      return new UniformInit({ limit: spec.limit ?? INIT_DEFAULTS.uniformLimit, seed });
    case 'tfjs':
      return tfjsInitializer(spec, seed);
  }
}

function defaultMode(family: 'he' | 'xavier' | 'lecun'): 'fan_in' | 'fan_avg' {
  return family === 'xavier' ? 'fan_avg' : 'fan_in';
}

function tfjsInitializer(spec: InitSpec, seed: number): TfInitializer {
  switch (spec.name) {
    case 'tfjs:heNormal':
      return tf.initializers.heNormal({ seed });
    case 'tfjs:heUniform':
      return tf.initializers.heUniform({ seed });
    case 'tfjs:glorotNormal':
    case 'tfjs:default':
      // tfjs-layers 4.22: BaseConv and Dense both set DEFAULT_KERNEL_INITIALIZER = 'glorotNormal'.
      return tf.initializers.glorotNormal({ seed });
    case 'tfjs:glorotUniform':
      return tf.initializers.glorotUniform({ seed });
    case 'tfjs:leCunNormal':
      return tf.initializers.leCunNormal({ seed });
    case 'tfjs:leCunUniform':
      return tf.initializers.leCunUniform({ seed });
    case 'tfjs:orthogonal':
      return tf.initializers.orthogonal({ seed, gain: 1 });
    case 'tfjs:truncatedNormal':
      return tf.initializers.truncatedNormal({ mean: 0, stddev: spec.std ?? INIT_DEFAULTS.tfjsStd, seed });
    case 'tfjs:randomNormal':
      return tf.initializers.randomNormal({ mean: 0, stddev: spec.std ?? INIT_DEFAULTS.tfjsStd, seed });
    case 'tfjs:randomUniform': {
      const l = spec.limit ?? INIT_DEFAULTS.tfjsLimit;
      return tf.initializers.randomUniform({ minval: -l, maxval: l, seed });
    }
    default:
      throw new InputError(`unknown tfjs initializer ${JSON.stringify(spec.name)}`);
  }
}

export interface Moments {
  mean: number;
  variance: number;
  /** [min, max] every draw lies in, or null for unbounded distributions */
  support: [number, number] | null;
}

export interface MomentsContext {
  role?: LayerRole;
  residualBlocks?: number;
}

const sym = (a: number): [number, number] => [-a, a];

function orthMoments(shape: number[], gain: number): Moments {
  const cols = shape[shape.length - 1]!;
  const rows = sizeOf(shape) / cols;
  // Σw² = g²·min(rows, cols) exactly, over rows·cols entries.
  return { mean: 0, variance: (gain * gain) / Math.max(rows, cols), support: sym(gain) };
}

function deltaMoments(shape: number[], gain: number): Moments {
  if (shape.length === 2) return orthMoments(shape, gain);
  const cin = shape[shape.length - 2]!;
  const cout = shape[shape.length - 1]!;
  const taps = sizeOf(shape) / (cin * cout);
  return { mean: 0, variance: (gain * gain) / (taps * Math.max(cin, cout)), support: sym(gain) };
}

function vsMoments(variance: number, dist: 'normal' | 'uniform' | 'truncated' | 'truncated-uncorrected'): Moments {
  switch (dist) {
    case 'normal':
      return { mean: 0, variance, support: null };
    case 'uniform':
      return { mean: 0, variance, support: sym(Math.sqrt(3 * variance)) };
    case 'truncated':
      return { mean: 0, variance, support: sym((2 * Math.sqrt(variance)) / TRUNCATED_STD_CORRECTION) };
    case 'truncated-uncorrected':
      return { mean: 0, variance, support: sym(2 * Math.sqrt(variance)) };
  }
}

/**
 * What an initializer promises for a weight of `shape`: for ours, the distribution we draw from; for
 * tfjs's, what its docs say. tfjs's VarianceScaling 'normal' docs promise "a truncated normal with
 * stddev = √(scale/n)", so the nominal variance is scale/n (tfjs actually draws N(0, scale/n) cut at
 * ±2σ without correcting σ, which has 0.774× that: see `trueMoments`). tf.initializers.truncatedNormal's
 * docs describe the procedure (normal with `stddev`, values beyond 2σ re-drawn), so its nominal variance
 * is that procedure's: 0.774·stddev². LSUV is reported before its data-dependent rescale.
 */
export function nominalMoments(spec: InitSpec, shape: number[], activation: ActivationSpec, ctx: MomentsContext = {}): Moments {
  return moments(spec, shape, activation, ctx, 'nominal');
}

/** The moments of what is actually drawn (differs from nominalMoments only for tfjs's normal VarianceScaling). */
export function trueMoments(spec: InitSpec, shape: number[], activation: ActivationSpec, ctx: MomentsContext = {}): Moments {
  return moments(spec, shape, activation, ctx, 'true');
}

function moments(spec: InitSpec, shape: number[], activation: ActivationSpec, ctx: MomentsContext, which: 'nominal' | 'true'): Moments {
  checkShape(spec, shape);
  const role = ctx.role ?? 'plain';
  const entry = catalogEntry(spec.name);
  const gain = resolveGain(spec, role, activation);
  const { fanIn, fanOut } = fans(shape);
  const avg = (fanIn + fanOut) / 2;
  const constant = (v: number): Moments => ({ mean: v, variance: 0, support: [v, v] });
  switch (entry.family) {
    case 'he':
    case 'xavier':
    case 'lecun': {
      const fan = Math.max(1, fanFor(shape, spec.mode ?? defaultMode(entry.family)));
      return vsMoments((gain * gain) / fan, entry.distribution!);
    }
    case 'fixup': {
      if (role === 'head' || role === 'branch-last') return constant(0);
      const factor = role === 'branch-first' ? fixupVarianceFactor(ctx.residualBlocks ?? 1) : 1;
      return vsMoments((gain * gain * factor) / Math.max(1, fanFor(shape, spec.mode ?? 'fan_in')), 'normal');
    }
    case 'orthogonal':
      return orthMoments(shape, gain);
    case 'lsuv':
      return orthMoments(shape, 1);
    case 'delta-orthogonal':
      return deltaMoments(shape, gain);
    case 'zeros':
      return constant(0);
    case 'constant':
      return constant(spec.value ?? INIT_DEFAULTS.constantValue);
    case 'normal':
      return vsMoments((spec.std ?? INIT_DEFAULTS.normalStd) ** 2, 'normal');
    case 'uniform':
      return vsMoments((spec.limit ?? INIT_DEFAULTS.uniformLimit) ** 2 / 3, 'uniform');
    case 'tfjs': {
      const k = which === 'true' ? TRUNCATED_VARIANCE_FACTOR : 1;
      const vsNormal = (v: number): Moments => ({ mean: 0, variance: v * k, support: sym(2 * Math.sqrt(v)) });
      switch (spec.name) {
        case 'tfjs:heNormal':
          return vsNormal(2 / Math.max(1, fanIn));
        case 'tfjs:heUniform':
          return vsMoments(2 / Math.max(1, fanIn), 'uniform');
        case 'tfjs:glorotNormal':
        case 'tfjs:default':
          return vsNormal(1 / Math.max(1, avg));
        case 'tfjs:glorotUniform':
          return vsMoments(1 / Math.max(1, avg), 'uniform');
        case 'tfjs:leCunNormal':
          return vsNormal(1 / Math.max(1, fanIn));
        case 'tfjs:leCunUniform':
          return vsMoments(1 / Math.max(1, fanIn), 'uniform');
        case 'tfjs:orthogonal':
          return orthMoments(shape, 1);
        case 'tfjs:truncatedNormal': {
          const s = spec.std ?? INIT_DEFAULTS.tfjsStd;
          return { mean: 0, variance: s * s * TRUNCATED_VARIANCE_FACTOR, support: sym(2 * s) };
        }
        case 'tfjs:randomNormal':
          return vsMoments((spec.std ?? INIT_DEFAULTS.tfjsStd) ** 2, 'normal');
        case 'tfjs:randomUniform':
          return vsMoments((spec.limit ?? INIT_DEFAULTS.tfjsLimit) ** 2 / 3, 'uniform');
      }
      throw new InputError(`unknown tfjs initializer ${JSON.stringify(spec.name)}`);
    }
  }
}

/** Shape of the distribution actually drawn, for choosing a confidence-interval method. */
export function drawnDistribution(spec: InitSpec): 'normal' | 'constant' | 'other' {
  const entry = catalogEntry(spec.name);
  if (entry.family === 'zeros' || entry.family === 'constant') return 'constant';
  if (entry.family === 'normal' || entry.family === 'fixup' || spec.name === 'tfjs:randomNormal') return 'normal';
  if ((entry.family === 'he' || entry.family === 'xavier' || entry.family === 'lecun') && entry.distribution === 'normal') return 'normal';
  return 'other';
}

/** Orthogonal kinds: the gain their Gram matrix should equal g²·I with, else null. */
export function orthogonalGain(spec: InitSpec, activation: ActivationSpec, role: LayerRole = 'plain'): number | null {
  const family = catalogEntry(spec.name).family;
  if (family === 'orthogonal' || family === 'delta-orthogonal') return resolveGain(spec, role, activation);
  if (family === 'lsuv' || spec.name === 'tfjs:orthogonal') return 1;
  return null;
}

/**
 * Every initializer as one entry: name and aliases, the options it reads and their defaults, family,
 * gain rule, the shapes it refuses, the moments it promises, and the tfjs Initializer that draws it
 * (a recipe that tfjs.ts builds). A new initializer is one entry here plus its tests; only a new kind
 * of draw also needs a class in classes.ts. Pure: importing this loads no tfjs.
 *
 * Gain of a hidden layer: spec.gain, else the gain of spec.activation, else the gain of the entry's
 * default activation (normalizeInitSpec fills it: he/fixup relu, xavier/lecun linear), else — for
 * orthogonal and delta-orthogonal — the gain of the run's activation (PyTorch's recommended use of
 * calculate_gain), else 1. Head layers (the dense classifier, no activation after it) always get 1.
 */
import type { ActivationName, ActivationSpec, FanMode, InitSpec, LayerInit, LayerRole } from '../core/types.ts';
import { InputError, unknownNameMessage } from '../core/errors.ts';
import { activationGain } from '../theory/index.ts';
import { deltaOrthogonalProblem, effectiveSeed } from './draw.ts';
import { fanFor } from './fans.ts';
import {
  TRUNCATED_VARIANCE_FACTOR,
  constantMoments,
  deltaOrthogonalMoments,
  fixupVarianceFactor,
  orthogonalMoments,
  scaledMoments,
  sym,
  type Moments,
} from './moments.ts';

/** What an initializer is, whoever implements it (tfjs:glorotNormal is 'xavier'): the report compares by it. */
export type Family =
  | 'he'
  | 'xavier'
  | 'lecun'
  | 'orthogonal'
  | 'delta-orthogonal'
  | 'lsuv'
  | 'fixup'
  | 'zeros'
  | 'constant'
  | 'normal'
  | 'uniform';

export type Distribution = 'normal' | 'uniform' | 'truncated';
export type OptionKey = 'mode' | 'gain' | 'activation' | 'alpha' | 'std' | 'limit' | 'value' | 'tol' | 'maxIter';

/** What normalizeInitSpec fills for options not given; `activation` is the one whose gain is the default. */
interface InitDefaults {
  mode?: FanMode;
  activation?: ActivationName;
  std?: number;
  limit?: number;
  value?: number;
  tol?: number;
  maxIter?: number;
}

/** Where a weight sits: fixup zeroes or scales by role and residual blocks; `gain` is resolved for it. */
interface Placement {
  role: LayerRole;
  residualBlocks: number;
  gain: number;
}

/** The tfjs Initializer an entry draws with, and its config; tfjs.ts builds it. */
type InitRecipe =
  | { cls: 'VarianceScaling'; scale: number; mode: FanMode; distribution: Distribution; seed: number }
  | { cls: 'Orthogonal' | 'DeltaOrthogonal'; gain: number; seed: number }
  | { cls: 'Constant'; value: number }
  | { cls: 'Normal'; std: number; seed: number }
  | { cls: 'Uniform'; limit: number; seed: number }
  // tfjs's own tf.initializers.<fn>, seeded with the layer's seed
  | { cls: 'tfjs'; fn: 'heNormal' | 'heUniform' | 'glorotNormal' | 'glorotUniform' | 'leCunNormal' | 'leCunUniform'; seed: number }
  | { cls: 'tfjs'; fn: 'orthogonal'; gain: number; seed: number }
  | { cls: 'tfjs'; fn: 'truncatedNormal' | 'randomNormal'; mean: number; stddev: number; seed: number }
  | { cls: 'tfjs'; fn: 'randomUniform'; minval: number; maxval: number; seed: number };

interface InitEntry {
  name: string;
  /** other spellings, in canonicalKey form (lower-case, '-' separated) */
  aliases: readonly string[];
  family: Family;
  /** tfjs's own implementation, audited against what its docs promise */
  tfjs: boolean;
  /** options it reads; any other is an error */
  options: readonly OptionKey[];
  defaults: InitDefaults;
  /** with neither gain nor activation given, a hidden layer takes the run activation's gain */
  gainFromRun?: true;
  /** rescaled on a data batch after the model is built (LSUV) */
  dataDependent?: true;
  describe: string;
  /** why a weight of `shape` cannot be drawn (the whole message), or null */
  shapeProblem?: (shape: number[]) => string | null;
  /**
   * For ours, the distribution we draw from; for tfjs's, what its docs promise. `which: 'true'` asks
   * for what is actually drawn, which differs only for tfjs's VarianceScaling 'normal'.
   */
  moments: (spec: InitSpec, shape: number[], at: Placement, which: 'nominal' | 'true') => Moments;
  /** the drawn distribution's shape, for choosing a confidence-interval method */
  drawn: 'normal' | 'constant' | 'other';
  /** the Gram matrix is g²·I with g the layer's gain ('gain') or 1 ('unit') */
  orthogonal?: 'gain' | 'unit';
  recipe: (spec: InitSpec, at: Placement, seed: number) => InitRecipe;
}

const GAIN_OPTS = ['gain', 'activation', 'alpha'] as const;
const VS_OPTS = ['mode', ...GAIN_OPTS] as const;

/** Mishkin & Matas' values. */
export const LSUV_DEFAULTS = { tol: 0.1, maxIter: 10 } as const;
/** tfjs's own defaults for randomNormal / truncatedNormal stddev and randomUniform's ±limit. */
const TFJS_STD = 0.05;
const TFJS_LIMIT = 0.05;

const rankProblem =
  (name: string) =>
  (shape: number[]): string | null =>
    shape.length < 2 ? `${name} needs a weight shape of rank ≥ 2 (a matrix or a conv kernel), got [${shape.join(',')}]` : null;

/** he-*, xavier-*, lecun-*: Var(W) = g²/fan(mode), drawn by our VarianceScaling. */
function scaled(
  name: string,
  family: 'he' | 'xavier' | 'lecun',
  distribution: Distribution,
  defaults: { mode: FanMode; activation: ActivationName },
  aliases: readonly string[],
  describe: string,
): InitEntry {
  return {
    name,
    aliases,
    family,
    tfjs: false,
    options: VS_OPTS,
    defaults,
    describe,
    drawn: distribution === 'normal' ? 'normal' : 'other',
    moments: (spec, shape, at) => scaledMoments((at.gain * at.gain) / Math.max(1, fanFor(shape, spec.mode ?? defaults.mode)), distribution),
    recipe: (spec, at, seed) => ({ cls: 'VarianceScaling', scale: at.gain * at.gain, mode: spec.mode ?? defaults.mode, distribution, seed }),
  };
}

const HE = { mode: 'fan_in', activation: 'relu' } as const;
const XAVIER = { mode: 'fan_avg', activation: 'linear' } as const;
const LECUN = { mode: 'fan_in', activation: 'linear' } as const;

/**
 * tfjs's VarianceScaling presets: Var = scale/fan. Its 'normal' docs promise "a truncated normal with
 * stddev = √(scale/n)", so the nominal variance is scale/n; tfjs actually draws N(0, scale/n) cut at ±2σ
 * without correcting σ, which has 0.774× that.
 */
function tfjsScaled(
  name: string,
  fn: 'heNormal' | 'heUniform' | 'glorotNormal' | 'glorotUniform' | 'leCunNormal' | 'leCunUniform',
  family: 'he' | 'xavier' | 'lecun',
  scale: number,
  fan: 'fan_in' | 'fan_avg',
  distribution: 'normal' | 'uniform',
  describe: string,
): InitEntry {
  return {
    name,
    aliases: [],
    family,
    tfjs: true,
    options: [],
    defaults: {},
    describe,
    drawn: 'other',
    moments: (_spec, shape, _at, which) => {
      const v = scale / Math.max(1, fanFor(shape, fan));
      if (distribution === 'uniform') return scaledMoments(v, 'uniform');
      return { mean: 0, variance: v * (which === 'true' ? TRUNCATED_VARIANCE_FACTOR : 1), support: sym(2 * Math.sqrt(v)) };
    },
    recipe: (_spec, _at, seed) => ({ cls: 'tfjs', fn, seed }),
  };
}

export const INITIALIZERS: readonly InitEntry[] = [
  scaled('he-normal', 'he', 'normal', HE, ['kaiming-normal'], 'N(0, g²/fan), g = √2 (relu) by default; He et al. 2015'),
  scaled('he-uniform', 'he', 'uniform', HE, ['kaiming-uniform'], 'U(±√(3g²/fan)), g = √2'),
  scaled('he-truncated', 'he', 'truncated', HE, ['kaiming-truncated', 'he-truncated-normal'], 'normal truncated at ±2σ, σ corrected by 1/0.8796 so Var = g²/fan'),
  scaled('xavier-normal', 'xavier', 'normal', XAVIER, ['glorot-normal'], 'N(0, g²/fan_avg), g = 1; Glorot & Bengio 2010'),
  scaled('xavier-uniform', 'xavier', 'uniform', XAVIER, ['glorot-uniform'], 'U(±√(3g²/fan_avg))'),
  scaled(
    'xavier-truncated',
    'xavier',
    'truncated',
    XAVIER,
    ['glorot-truncated', 'xavier-truncated-normal', 'glorot-truncated-normal'],
    'variance-corrected truncated normal, g²/fan_avg',
  ),
  scaled('lecun-normal', 'lecun', 'normal', LECUN, [], 'N(0, g²/fan_in), g = 1; LeCun et al. 1998'),
  scaled('lecun-uniform', 'lecun', 'uniform', LECUN, [], 'U(±√(3g²/fan_in))'),
  {
    name: 'orthogonal',
    aliases: ['ortho'],
    family: 'orthogonal',
    tfjs: false,
    options: GAIN_OPTS,
    defaults: {},
    gainFromRun: true,
    describe: 'Haar orthogonal (QR, sign fix) × g, g from the activation; Saxe et al. 2014',
    shapeProblem: rankProblem('orthogonal'),
    moments: (_spec, shape, at) => orthogonalMoments(shape, at.gain),
    drawn: 'other',
    orthogonal: 'gain',
    recipe: (_spec, at, seed) => ({ cls: 'Orthogonal', gain: at.gain, seed }),
  },
  {
    name: 'delta-orthogonal',
    aliases: ['delta-orth', 'orthogonal-delta'],
    family: 'delta-orthogonal',
    tfjs: false,
    options: GAIN_OPTS,
    defaults: {},
    gainFromRun: true,
    describe: 'zero but an orthogonal centre tap × g; Xiao et al. 2018',
    shapeProblem: (shape) => {
      const p = deltaOrthogonalProblem(shape);
      return p === null ? null : `delta-orthogonal ${p}`;
    },
    moments: (_spec, shape, at) => deltaOrthogonalMoments(shape, at.gain),
    drawn: 'other',
    orthogonal: 'gain',
    recipe: (_spec, at, seed) => ({ cls: 'DeltaOrthogonal', gain: at.gain, seed }),
  },
  {
    name: 'lsuv',
    aliases: [],
    family: 'lsuv',
    tfjs: false,
    options: ['tol', 'maxIter'],
    defaults: LSUV_DEFAULTS,
    dataDependent: true,
    describe: 'orthonormal, then per-layer rescale on a batch to unit output std; Mishkin & Matas 2016',
    shapeProblem: rankProblem('lsuv'),
    // reported before its data-dependent rescale: the orthonormal start
    moments: (_spec, shape) => orthogonalMoments(shape, 1),
    drawn: 'other',
    orthogonal: 'unit',
    recipe: (_spec, _at, seed) => ({ cls: 'Orthogonal', gain: 1, seed }),
  },
  {
    // Zhang et al. 2019: the head and each branch's last layer start at zero, each branch's first layer
    // is He scaled by L^(−1/2) (L residual blocks, m = 2), the stem is plain He.
    name: 'fixup',
    aliases: [],
    family: 'fixup',
    tfjs: false,
    options: VS_OPTS,
    defaults: HE,
    describe: 'He, branch-last and head zero, branch-first × L^(−1/2); Zhang et al. 2019',
    moments: (spec, shape, at) => {
      if (at.role === 'head' || at.role === 'branch-last') return constantMoments(0);
      const factor = at.role === 'branch-first' ? fixupVarianceFactor(at.residualBlocks) : 1;
      return scaledMoments((at.gain * at.gain * factor) / Math.max(1, fanFor(shape, spec.mode ?? HE.mode)), 'normal');
    },
    drawn: 'normal',
    recipe: (spec, at, seed) => {
      if (at.role === 'head' || at.role === 'branch-last') return { cls: 'Constant', value: 0 };
      const factor = at.role === 'branch-first' ? fixupVarianceFactor(at.residualBlocks) : 1;
      return { cls: 'VarianceScaling', scale: at.gain * at.gain * factor, mode: spec.mode ?? HE.mode, distribution: 'normal', seed };
    },
  },
  {
    name: 'zeros',
    aliases: ['zero'],
    family: 'zeros',
    tfjs: false,
    options: [],
    defaults: {},
    describe: 'all zero (control: symmetric, dead)',
    moments: () => constantMoments(0),
    drawn: 'constant',
    recipe: () => ({ cls: 'Constant', value: 0 }),
  },
  {
    name: 'constant',
    aliases: [],
    family: 'constant',
    tfjs: false,
    options: ['value'],
    defaults: { value: 0.01 },
    describe: 'all `value` (control: symmetric)',
    moments: (spec) => constantMoments(spec.value ?? 0.01),
    drawn: 'constant',
    recipe: (spec) => ({ cls: 'Constant', value: spec.value ?? 0.01 }),
  },
  {
    name: 'normal',
    aliases: ['gaussian', 'random-normal'],
    family: 'normal',
    tfjs: false,
    options: ['std'],
    defaults: { std: 0.01 },
    describe: 'N(0, std²), std 0.01 by default (the pre-2010 recipe)',
    moments: (spec) => scaledMoments((spec.std ?? 0.01) ** 2, 'normal'),
    drawn: 'normal',
    recipe: (spec, _at, seed) => ({ cls: 'Normal', std: spec.std ?? 0.01, seed }),
  },
  {
    name: 'uniform',
    aliases: ['random-uniform'],
    family: 'uniform',
    tfjs: false,
    options: ['limit'],
    defaults: { limit: 0.05 },
    describe: 'U(±limit), 0.05 by default',
    moments: (spec) => scaledMoments((spec.limit ?? 0.05) ** 2 / 3, 'uniform'),
    drawn: 'other',
    recipe: (spec, _at, seed) => ({ cls: 'Uniform', limit: spec.limit ?? 0.05, seed }),
  },
  tfjsScaled('tfjs:heNormal', 'heNormal', 'he', 2, 'fan_in', 'normal', 'tf.initializers.heNormal'),
  tfjsScaled('tfjs:heUniform', 'heUniform', 'he', 2, 'fan_in', 'uniform', 'tf.initializers.heUniform'),
  tfjsScaled('tfjs:glorotNormal', 'glorotNormal', 'xavier', 1, 'fan_avg', 'normal', 'tf.initializers.glorotNormal'),
  tfjsScaled('tfjs:glorotUniform', 'glorotUniform', 'xavier', 1, 'fan_avg', 'uniform', 'tf.initializers.glorotUniform'),
  tfjsScaled('tfjs:leCunNormal', 'leCunNormal', 'lecun', 1, 'fan_in', 'normal', 'tf.initializers.leCunNormal'),
  tfjsScaled('tfjs:leCunUniform', 'leCunUniform', 'lecun', 1, 'fan_in', 'uniform', 'tf.initializers.leCunUniform'),
  {
    name: 'tfjs:orthogonal',
    aliases: [],
    family: 'orthogonal',
    tfjs: true,
    options: [],
    defaults: {},
    describe: 'tf.initializers.orthogonal (gain 1)',
    shapeProblem: rankProblem('tfjs:orthogonal'),
    moments: (_spec, shape) => orthogonalMoments(shape, 1),
    drawn: 'other',
    orthogonal: 'unit',
    recipe: (_spec, _at, seed) => ({ cls: 'tfjs', fn: 'orthogonal', gain: 1, seed }),
  },
  {
    // Its docs describe the procedure (normal with `stddev`, values beyond 2σ re-drawn), so the nominal
    // variance is that procedure's: 0.774·stddev².
    name: 'tfjs:truncatedNormal',
    aliases: [],
    family: 'normal',
    tfjs: true,
    options: ['std'],
    defaults: { std: TFJS_STD },
    describe: 'tf.initializers.truncatedNormal (stddev 0.05)',
    moments: (spec) => {
      const s = spec.std ?? TFJS_STD;
      return { mean: 0, variance: s * s * TRUNCATED_VARIANCE_FACTOR, support: sym(2 * s) };
    },
    drawn: 'other',
    recipe: (spec, _at, seed) => ({ cls: 'tfjs', fn: 'truncatedNormal', mean: 0, stddev: spec.std ?? TFJS_STD, seed }),
  },
  {
    name: 'tfjs:randomNormal',
    aliases: [],
    family: 'normal',
    tfjs: true,
    options: ['std'],
    defaults: { std: TFJS_STD },
    describe: 'tf.initializers.randomNormal (stddev 0.05)',
    moments: (spec) => scaledMoments((spec.std ?? TFJS_STD) ** 2, 'normal'),
    drawn: 'normal',
    recipe: (spec, _at, seed) => ({ cls: 'tfjs', fn: 'randomNormal', mean: 0, stddev: spec.std ?? TFJS_STD, seed }),
  },
  {
    name: 'tfjs:randomUniform',
    aliases: [],
    family: 'uniform',
    tfjs: true,
    options: ['limit'],
    defaults: { limit: TFJS_LIMIT },
    describe: 'tf.initializers.randomUniform (±0.05)',
    moments: (spec) => scaledMoments((spec.limit ?? TFJS_LIMIT) ** 2 / 3, 'uniform'),
    drawn: 'other',
    recipe: (spec, _at, seed) => {
      const l = spec.limit ?? TFJS_LIMIT;
      return { cls: 'tfjs', fn: 'randomUniform', minval: -l, maxval: l, seed };
    },
  },
  // tfjs-layers 4.22: BaseConv and Dense both set DEFAULT_KERNEL_INITIALIZER = 'glorotNormal'.
  tfjsScaled(
    'tfjs:default',
    'glorotNormal',
    'xavier',
    1,
    'fan_avg',
    'normal',
    "what tfjs Conv2D/Dense use when given nothing: 'glorotNormal' (tfjs-layers 4.22 DEFAULT_KERNEL_INITIALIZER)",
  ),
];

/** Canonical names, ours then tfjs's. */
export const INITIALIZER_NAMES: readonly string[] = INITIALIZERS.map((e) => e.name);

const BY_NAME = new Map(INITIALIZERS.map((e) => [e.name, e]));

export function initEntry(name: string): InitEntry {
  const e = BY_NAME.get(name);
  if (e === undefined) throw new InputError(unknownNameMessage('initializer', name, INITIALIZER_NAMES));
  return e;
}

/** The family of a canonical initializer name; null for a name this version does not know. */
export function initializerFamily(name: string): Family | null {
  return BY_NAME.get(name)?.family ?? null;
}

export function isDataDependent(spec: InitSpec): boolean {
  return BY_NAME.get(spec.name)?.dataDependent === true;
}

/** The gain a layer gets under `spec` (see the module comment). */
function resolveGain(spec: InitSpec, role: LayerRole, activation: ActivationSpec): number {
  if (role === 'head') return 1;
  if (spec.gain !== undefined) return spec.gain;
  if (spec.activation !== undefined) return activationGain({ name: spec.activation, alpha: spec.alpha });
  const e = initEntry(spec.name);
  if (e.defaults.activation !== undefined) return activationGain({ name: e.defaults.activation });
  if (e.gainFromRun === true) return activationGain(activation);
  return 1;
}

function checkShape(spec: InitSpec, shape: number[]): InitEntry {
  const e = initEntry(spec.name);
  const problem = e.shapeProblem?.(shape) ?? null;
  if (problem !== null) throw new InputError(problem);
  return e;
}

interface MomentsContext {
  role?: LayerRole;
  residualBlocks?: number;
}

function momentsOf(spec: InitSpec, shape: number[], activation: ActivationSpec, ctx: MomentsContext, which: 'nominal' | 'true'): Moments {
  const e = checkShape(spec, shape);
  const role = ctx.role ?? 'plain';
  return e.moments(spec, shape, { role, residualBlocks: ctx.residualBlocks ?? 1, gain: resolveGain(spec, role, activation) }, which);
}

/** What an initializer promises for a weight of `shape` (see InitEntry.moments). LSUV: before its rescale. */
export function nominalMoments(spec: InitSpec, shape: number[], activation: ActivationSpec, ctx: MomentsContext = {}): Moments {
  return momentsOf(spec, shape, activation, ctx, 'nominal');
}

/** The moments of what is actually drawn (differs from nominalMoments only for tfjs's normal VarianceScaling). */
export function trueMoments(spec: InitSpec, shape: number[], activation: ActivationSpec, ctx: MomentsContext = {}): Moments {
  return momentsOf(spec, shape, activation, ctx, 'true');
}

/** The tfjs Initializer, and its config, that draws one layer's kernel; InputError for a shape it refuses. */
export function initRecipe(spec: InitSpec, layer: LayerInit, activation: ActivationSpec): InitRecipe {
  const e = checkShape(spec, layer.shape);
  const at = { role: layer.role, residualBlocks: layer.residualBlocks, gain: resolveGain(spec, layer.role, activation) };
  return e.recipe(spec, at, effectiveSeed(layer.seed));
}

/** Shape of the distribution actually drawn, for choosing a confidence-interval method. */
export function drawnDistribution(spec: InitSpec): 'normal' | 'constant' | 'other' {
  return initEntry(spec.name).drawn;
}

/** Orthogonal kinds: the gain their Gram matrix should equal g²·I with, else null. */
export function orthogonalGain(spec: InitSpec, activation: ActivationSpec, role: LayerRole = 'plain'): number | null {
  const o = initEntry(spec.name).orthogonal;
  if (o === 'gain') return resolveGain(spec, role, activation);
  return o === 'unit' ? 1 : null;
}

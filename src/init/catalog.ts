/**
 * The initializer names users can write, their aliases, which options each reads, and
 * normalizeInitSpec: raw suite/CLI value → InitSpec with every default filled in.
 */
import type { ActivationName, ActivationSpec, FanMode, InitSpec } from '../core/types.ts';
import { InputError, inputError, unknownNameMessage } from '../core/errors.ts';
import { DEFAULT_ACTIVATION_ALPHA } from '../theory/index.ts';

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
  | 'uniform'
  | 'tfjs';

export type Distribution = 'normal' | 'uniform' | 'truncated';
export type OptionKey = 'mode' | 'gain' | 'activation' | 'alpha' | 'std' | 'limit' | 'value' | 'tol' | 'maxIter';

export interface CatalogEntry {
  name: string;
  family: Family;
  distribution?: Distribution;
  /** options this initializer reads; any other is an error */
  options: readonly OptionKey[];
  describe: string;
}

const GAIN_OPTS = ['gain', 'activation', 'alpha'] as const;
const VS_OPTS = ['mode', ...GAIN_OPTS] as const;

export const CATALOG: readonly CatalogEntry[] = [
  { name: 'he-normal', family: 'he', distribution: 'normal', options: VS_OPTS, describe: 'N(0, g²/fan), g = √2 (relu) by default; He et al. 2015' },
  { name: 'he-uniform', family: 'he', distribution: 'uniform', options: VS_OPTS, describe: 'U(±√(3g²/fan)), g = √2' },
  { name: 'he-truncated', family: 'he', distribution: 'truncated', options: VS_OPTS, describe: 'normal truncated at ±2σ, σ corrected by 1/0.8796 so Var = g²/fan' },
  { name: 'xavier-normal', family: 'xavier', distribution: 'normal', options: VS_OPTS, describe: 'N(0, g²/fan_avg), g = 1; Glorot & Bengio 2010' },
  { name: 'xavier-uniform', family: 'xavier', distribution: 'uniform', options: VS_OPTS, describe: 'U(±√(3g²/fan_avg))' },
  { name: 'xavier-truncated', family: 'xavier', distribution: 'truncated', options: VS_OPTS, describe: 'variance-corrected truncated normal, g²/fan_avg' },
  { name: 'lecun-normal', family: 'lecun', distribution: 'normal', options: VS_OPTS, describe: 'N(0, g²/fan_in), g = 1; LeCun et al. 1998' },
  { name: 'lecun-uniform', family: 'lecun', distribution: 'uniform', options: VS_OPTS, describe: 'U(±√(3g²/fan_in))' },
  { name: 'orthogonal', family: 'orthogonal', options: GAIN_OPTS, describe: 'Haar orthogonal (QR, sign fix) × g, g from the activation; Saxe et al. 2014' },
  { name: 'delta-orthogonal', family: 'delta-orthogonal', options: GAIN_OPTS, describe: 'zero but an orthogonal centre tap × g; Xiao et al. 2018' },
  { name: 'lsuv', family: 'lsuv', options: ['tol', 'maxIter'], describe: 'orthonormal, then per-layer rescale on a batch to unit output std; Mishkin & Matas 2016' },
  { name: 'fixup', family: 'fixup', options: VS_OPTS, describe: 'He, branch-last and head zero, branch-first × L^(−1/2); Zhang et al. 2019' },
  { name: 'zeros', family: 'zeros', options: [], describe: 'all zero (control: symmetric, dead)' },
  { name: 'constant', family: 'constant', options: ['value'], describe: 'all `value` (control: symmetric)' },
  { name: 'normal', family: 'normal', distribution: 'normal', options: ['std'], describe: 'N(0, std²), std 0.01 by default (the pre-2010 recipe)' },
  { name: 'uniform', family: 'uniform', distribution: 'uniform', options: ['limit'], describe: 'U(±limit), 0.05 by default' },
  { name: 'tfjs:heNormal', family: 'tfjs', options: [], describe: "tf.initializers.heNormal" },
  { name: 'tfjs:heUniform', family: 'tfjs', options: [], describe: 'tf.initializers.heUniform' },
  { name: 'tfjs:glorotNormal', family: 'tfjs', options: [], describe: 'tf.initializers.glorotNormal' },
  { name: 'tfjs:glorotUniform', family: 'tfjs', options: [], describe: 'tf.initializers.glorotUniform' },
  { name: 'tfjs:leCunNormal', family: 'tfjs', options: [], describe: 'tf.initializers.leCunNormal' },
  { name: 'tfjs:leCunUniform', family: 'tfjs', options: [], describe: 'tf.initializers.leCunUniform' },
  { name: 'tfjs:orthogonal', family: 'tfjs', options: [], describe: 'tf.initializers.orthogonal (gain 1)' },
  { name: 'tfjs:truncatedNormal', family: 'tfjs', options: ['std'], describe: 'tf.initializers.truncatedNormal (stddev 0.05)' },
  { name: 'tfjs:randomNormal', family: 'tfjs', options: ['std'], describe: 'tf.initializers.randomNormal (stddev 0.05)' },
  { name: 'tfjs:randomUniform', family: 'tfjs', options: ['limit'], describe: 'tf.initializers.randomUniform (±0.05)' },
  {
    name: 'tfjs:default',
    family: 'tfjs',
    options: [],
    describe: "what tfjs Conv2D/Dense use when given nothing: 'glorotNormal' (tfjs-layers 4.22 DEFAULT_KERNEL_INITIALIZER)",
  },
];

/** Canonical names, ours then tfjs's. */
export const INITIALIZER_NAMES: readonly string[] = CATALOG.map((e) => e.name);

const BY_NAME = new Map(CATALOG.map((e) => [e.name, e]));

export function catalogEntry(name: string): CatalogEntry {
  const e = BY_NAME.get(name);
  if (e === undefined) throw new InputError(unknownNameMessage('initializer', name, INITIALIZER_NAMES));
  return e;
}

/** Alias → canonical (keys are lower-case with '-' separators; see `canonicalKey`). */
const ALIASES: Record<string, string> = {
  'kaiming-normal': 'he-normal',
  'kaiming-uniform': 'he-uniform',
  'kaiming-truncated': 'he-truncated',
  'he-truncated-normal': 'he-truncated',
  'glorot-normal': 'xavier-normal',
  'glorot-uniform': 'xavier-uniform',
  'glorot-truncated': 'xavier-truncated',
  'xavier-truncated-normal': 'xavier-truncated',
  'glorot-truncated-normal': 'xavier-truncated',
  zero: 'zeros',
  ortho: 'orthogonal',
  'delta-orth': 'delta-orthogonal',
  'orthogonal-delta': 'delta-orthogonal',
  gaussian: 'normal',
  'random-normal': 'normal',
  'random-uniform': 'uniform',
};

/** he_normal, HeNormal and he-normal all read as he-normal. */
function canonicalKey(s: string): string {
  return s
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[_\s]+/g, '-');
}

const TFJS_BY_LOWER = new Map(CATALOG.filter((e) => e.family === 'tfjs').map((e) => [e.name.toLowerCase(), e.name]));

/** Canonical initializer name for `name` (aliases, case and '_' vs '-' forgiven); InputError otherwise. */
export function resolveInitName(name: string): string {
  if (typeof name !== 'string') throw new InputError(`expected an initializer name, got ${String(name)}`);
  if (BY_NAME.has(name)) return name;
  const trimmed = name.trim();
  if (/^tfjs:/i.test(trimmed)) {
    const hit = TFJS_BY_LOWER.get(trimmed.toLowerCase().replace(/[-_]/g, ''));
    if (hit !== undefined) return hit;
    const hit2 = TFJS_BY_LOWER.get(trimmed.toLowerCase());
    if (hit2 !== undefined) return hit2;
  } else {
    const key = canonicalKey(trimmed);
    if (BY_NAME.has(key)) return key;
    const alias = ALIASES[key];
    if (alias !== undefined) return alias;
  }
  throw new InputError(unknownNameMessage('initializer', name, INITIALIZER_NAMES));
}

const FAN_MODES: readonly FanMode[] = ['fan_in', 'fan_out', 'fan_avg'];
export const ACTIVATION_NAMES: readonly ActivationName[] = [
  'linear',
  'relu',
  'leaky_relu',
  'tanh',
  'sigmoid',
  'selu',
  'elu',
  'gelu',
  'swish',
];

/** Defaults for the options each initializer reads. */
export const INIT_DEFAULTS = {
  normalStd: 0.01,
  uniformLimit: 0.05,
  constantValue: 0.01,
  tfjsStd: 0.05,
  tfjsLimit: 0.05,
  lsuvTol: 0.1,
  lsuvMaxIter: 10,
} as const;

export interface Where {
  file?: string;
  path?: string;
  /** CLI style: errors name `--init`, `--gain`, … instead of JSON paths */
  flags?: boolean;
}

const ALL_KEYS: readonly string[] = ['name', 'mode', 'gain', 'activation', 'alpha', 'std', 'limit', 'value', 'tol', 'maxIter'];

/**
 * Raw `"he-normal"` or `{ name, mode, gain, activation, alpha, std, limit, value, tol, maxIter }` →
 * InitSpec with canonical name and defaults. Errors name the file, the JSON path and what was expected.
 * The second argument may also be the run's ActivationSpec (then errors carry no path): the run's
 * activation is applied later, in createInitializer, for initializers whose gain follows it.
 *
 * Defaults: he-* and fixup: mode fan_in, activation relu; xavier-*: fan_avg, linear; lecun-*: fan_in,
 * linear (an explicit gain or activation replaces the default activation); orthogonal and
 * delta-orthogonal: gain from the run's activation unless given; lsuv: tol 0.1, maxIter 10 (Mishkin &
 * Matas' values); normal: std 0.01; uniform: limit 0.05; constant: value 0.01; tfjs:randomNormal and
 * tfjs:truncatedNormal: std 0.05, tfjs:randomUniform: limit 0.05 (tfjs's own defaults).
 */
export function normalizeInitSpec(raw: unknown, where: Where | ActivationSpec = {}): InitSpec {
  const w: Where = 'name' in where ? {} : (where as Where);
  const base = w.path ?? '';
  const at = (key?: string): string =>
    w.flags === true ? (key === undefined || key === 'name' ? '--init' : `--${key}`) : key === undefined ? base : base === '' ? key : `${base}.${key}`;
  const fail = (key: string | undefined, expected: string, got: unknown, hint?: string): InputError =>
    inputError({ file: w.file, path: at(key), expected, got, ...(hint !== undefined ? { hint } : {}) });

  let obj: Record<string, unknown>;
  if (typeof raw === 'string') obj = { name: raw };
  else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) obj = raw as Record<string, unknown>;
  else throw inputError({ file: w.file, path: at(), expected: 'an initializer name or { name, ...options }', got: raw });

  if (typeof obj.name !== 'string') {
    throw inputError({ file: w.file, path: at('name'), expected: `an initializer name (${INITIALIZER_NAMES.join(', ')})`, got: obj.name });
  }
  let name: string;
  try {
    name = resolveInitName(obj.name);
  } catch (e) {
    if (e instanceof InputError) {
      const prefix = [w.file, at('name')].filter((s) => s !== undefined && s !== '').join(': ');
      throw new InputError(`${prefix}${prefix === '' ? '' : ': '}${e.message}`, { file: w.file, path: at('name') });
    }
    throw e;
  }
  const entry = catalogEntry(name);
  for (const key of Object.keys(obj)) {
    if (key === 'name') continue;
    if (!ALL_KEYS.includes(key)) {
      throw fail(key, `one of the initializer options ${ALL_KEYS.filter((k) => k !== 'name').join(', ')}`, key, 'unknown option');
    }
    if (obj[key] !== undefined && !(entry.options as readonly string[]).includes(key)) {
      const reads = entry.options.length === 0 ? 'no options' : `only ${entry.options.join(', ')}`;
      throw fail(key, `no "${key}" for ${name}, which reads ${reads}`, obj[key]);
    }
  }
  const num = (key: OptionKey, ok: (x: number) => boolean, expected: string): number | undefined => {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw fail(key, expected, v);
    return v;
  };
  const spec: InitSpec = { name };
  const mode = obj.mode;
  if (mode !== undefined && !(typeof mode === 'string' && (FAN_MODES as readonly string[]).includes(mode))) {
    throw fail('mode', `one of ${FAN_MODES.join(', ')}`, mode);
  }
  const gain = num('gain', (x) => x > 0, 'a gain > 0');
  const act = obj.activation;
  if (act !== undefined && !(typeof act === 'string' && (ACTIVATION_NAMES as readonly string[]).includes(act))) {
    const near = typeof act === 'string' ? unknownNameMessage('activation', act, ACTIVATION_NAMES) : undefined;
    throw fail('activation', `one of ${ACTIVATION_NAMES.join(', ')}`, act, near);
  }
  const alpha = num('alpha', (x) => x >= 0, 'alpha ≥ 0');
  if (alpha !== undefined && act !== 'leaky_relu' && act !== 'elu') {
    throw fail('alpha', 'alpha only with activation leaky_relu or elu', alpha);
  }
  if (gain !== undefined && act !== undefined) {
    throw fail('gain', 'either gain or activation, not both', gain);
  }
  const std = num('std', (x) => x > 0, 'std > 0');
  const limit = num('limit', (x) => x > 0, 'limit > 0');
  const value = num('value', () => true, 'a finite number');
  const tol = num('tol', (x) => x > 0 && x < 1, 'tol in (0, 1)');
  const maxIter = num('maxIter', (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');

  const setGain = (defaultAct: ActivationName | undefined): void => {
    if (gain !== undefined) spec.gain = gain;
    else if (act !== undefined) spec.activation = act as ActivationName;
    else if (defaultAct !== undefined) spec.activation = defaultAct;
    if (spec.activation === 'leaky_relu' || spec.activation === 'elu') {
      spec.alpha = alpha ?? DEFAULT_ACTIVATION_ALPHA[spec.activation];
    }
  };
  switch (entry.family) {
    case 'he':
    case 'fixup':
      spec.mode = (mode as FanMode | undefined) ?? 'fan_in';
      setGain('relu');
      break;
    case 'xavier':
      spec.mode = (mode as FanMode | undefined) ?? 'fan_avg';
      setGain('linear');
      break;
    case 'lecun':
      spec.mode = (mode as FanMode | undefined) ?? 'fan_in';
      setGain('linear');
      break;
    case 'orthogonal':
    case 'delta-orthogonal':
      setGain(undefined);
      break;
    case 'lsuv':
      spec.tol = tol ?? INIT_DEFAULTS.lsuvTol;
      spec.maxIter = maxIter ?? INIT_DEFAULTS.lsuvMaxIter;
      break;
    case 'zeros':
      break;
    case 'constant':
      spec.value = value ?? INIT_DEFAULTS.constantValue;
      break;
    case 'normal':
      spec.std = std ?? INIT_DEFAULTS.normalStd;
      break;
    case 'uniform':
      spec.limit = limit ?? INIT_DEFAULTS.uniformLimit;
      break;
    case 'tfjs':
      if (entry.options.includes('std')) spec.std = std ?? INIT_DEFAULTS.tfjsStd;
      if (entry.options.includes('limit')) spec.limit = limit ?? INIT_DEFAULTS.tfjsLimit;
      break;
  }
  return spec;
}

export function isDataDependent(spec: InitSpec): boolean {
  return spec.name === 'lsuv';
}

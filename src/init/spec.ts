/**
 * Raw suite/CLI value → InitSpec: the name resolved through the registry's names and aliases, the
 * options checked against what the entry reads, and its defaults filled in. Pure: no tfjs.
 */
import type { ActivationName, ActivationSpec, FanMode, InitSpec } from '../core/types.ts';
import { InputError, inputError, unknownNameMessage } from '../core/errors.ts';
import { DEFAULT_ACTIVATION_ALPHA } from '../theory/index.ts';
import { INITIALIZERS, INITIALIZER_NAMES, initEntry, type OptionKey } from './registry.ts';

const BY_NAME = new Set(INITIALIZER_NAMES);
const ALIASES = new Map(INITIALIZERS.flatMap((e) => e.aliases.map((a) => [a, e.name] as const)));
const TFJS_BY_LOWER = new Map(INITIALIZERS.filter((e) => e.tfjs).map((e) => [e.name.toLowerCase(), e.name]));

/** he_normal, HeNormal and he-normal all read as he-normal. */
function canonicalKey(s: string): string {
  return s
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[_\s]+/g, '-');
}

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
    const alias = ALIASES.get(key);
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

interface Where {
  file?: string;
  path?: string;
  /** CLI style: errors name `--init`, `--gain`, … instead of JSON paths */
  flags?: boolean;
}

const ALL_KEYS: readonly string[] = ['name', 'mode', 'gain', 'activation', 'alpha', 'std', 'limit', 'value', 'tol', 'maxIter'];

/**
 * Raw `"he-normal"` or `{ name, mode, gain, activation, alpha, std, limit, value, tol, maxIter }` →
 * InitSpec with canonical name and the entry's defaults (see each entry in registry.ts). Errors name
 * the file, the JSON path and what was expected. The second argument may also be the run's
 * ActivationSpec (then errors carry no path): the run's activation is applied later, when a layer's
 * gain is resolved, for initializers whose gain follows it. An explicit gain or activation replaces
 * the default activation.
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
  const entry = initEntry(name);
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

  // Filled in the order records have always listed them.
  const d = entry.defaults;
  const reads = (key: OptionKey): boolean => entry.options.includes(key);
  const spec: InitSpec = { name };
  if (reads('mode')) spec.mode = (mode as FanMode | undefined) ?? d.mode;
  if (reads('gain')) {
    if (gain !== undefined) spec.gain = gain;
    else if (act !== undefined) spec.activation = act as ActivationName;
    else if (d.activation !== undefined) spec.activation = d.activation;
    if (spec.activation === 'leaky_relu' || spec.activation === 'elu') {
      spec.alpha = alpha ?? DEFAULT_ACTIVATION_ALPHA[spec.activation];
    }
  }
  if (reads('std')) spec.std = std ?? d.std;
  if (reads('limit')) spec.limit = limit ?? d.limit;
  if (reads('value')) spec.value = value ?? d.value;
  if (reads('tol')) spec.tol = tol ?? d.tol;
  if (reads('maxIter')) spec.maxIter = maxIter ?? d.maxIter;
  return spec;
}

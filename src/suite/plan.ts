/**
 * SuiteSpec → Plan: the matrix product (minus `exclude`, plus `include`) × seeds, every default
 * applied, each run with an explicit non-zero seed and a stable id. Pure: the input is never mutated.
 *
 * Plan order: repeat-major (all points of repeat 0, then repeat 1, …), points in matrix order with the
 * first axis outermost, then `include` entries. Seeds: deriveSeed(suite seed, canonical coordinates,
 * repeat), so the same configuration gets the same seed in any suite with the same suite seed.
 * Id: the first 12 hex digits of sha256 over the canonical JSON of the run spec without its id.
 */
import { createHash } from 'node:crypto';
import type {
  ActivationName,
  ActivationSpec,
  ArchSpec,
  BiasInitSpec,
  DataSpec,
  InitSpec,
  InputSpec,
  LrSchedule,
  ProbeSpec,
  RunArchSpec,
  RunSpec,
  TrainSpec,
} from '../core/types.ts';
import type { UserTopology } from '../usermodel/topology.ts';
import { planModelArch, shapeText, type ModelArchValue, type PlannedModel } from './model.ts';
import { InputError, describeValue } from '../core/errors.ts';
import { deriveSeed } from '../core/rng.ts';
import { isDataDependent, normalizeInitSpec } from '../init/index.ts';
import { DEFAULT_ACTIVATION_ALPHA } from '../theory/index.ts';
import { JACOBIAN_EXACT_MAX_DIM, jacobianMap, validateArch } from '../arch/index.ts';
import { AXIS_NAMES, type AxisName, type SuitePoint, type SuiteSpec } from './schema.ts';
import { canonicalJson } from '../core/canonical.ts';
import { ABSURD_DEPTH, ABSURD_INPUT, ABSURD_WIDTH, BUILTIN_DEFAULTS, MAX_PLANNED_RUNS } from './defaults.ts';

export { canonicalJson };
// defined in defaults.ts, which the CLI loads without TypeBox; still importable from here
export { ABSURD_DEPTH, ABSURD_INPUT, ABSURD_WIDTH, BUILTIN_DEFAULTS, MAX_PLANNED_RUNS };

/** Planning reports progress every this many points or runs (a few a second; the CLI prints every 2 s). */
export const PLAN_PROGRESS_EVERY = 1000;

export interface PlanProgress {
  /** normalizing matrix points, then building runs (points × seeds) */
  phase: 'points' | 'runs';
  done: number;
  total: number;
}

export interface PlanOptions {
  /** the suite file as given, for error messages */
  file: string;
  /** allow depth, width or input sizes ≥ their ABSURD_* bound, and plans of more than MAX_PLANNED_RUNS */
  force?: boolean;
  /** called every PLAN_PROGRESS_EVERY points or runs while planning (small plans never reach it) */
  onProgress?: (p: PlanProgress) => void;
  /** shrink the suite for a smoke run (see QUICK) */
  quick?: boolean;
}

export interface Plan {
  name: string;
  description: string;
  seed: number;
  seeds: number;
  quick: boolean;
  runs: RunSpec[];
}

/** What --quick caps: fewer seeds, shallower and narrower nets, shorter training on less data. */
export const QUICK = {
  seeds: 2,
  depth: 10,
  width: 16,
  probeBatch: 8,
  steps: 20,
  trainSize: 512,
  testSize: 256,
} as const;


export const DATA_DEFAULTS = {
  synthetic: { difficulty: 0.5, classes: 10, trainSize: 4096, testSize: 1024 },
  cifar10: { trainSize: 50000, testSize: 10000, augment: false },
} as const;

export const TRAIN_DEFAULTS: TrainSpec = {
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 0,
  schedule: { kind: 'constant' },
  warmupSteps: 0,
  batchSize: 32,
  steps: 200,
  evalEvery: 50,
  targetAccuracy: 0.5,
};

const ACTIVATION_ALPHA: Partial<Record<ActivationName, number>> = DEFAULT_ACTIVATION_ALPHA;

export function runId(spec: Omit<RunSpec, 'id'>): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 12);
}

type Raw = Record<string, unknown>;
/** The origin of an axis value no suite layer set. */
const BUILTIN_ORIGIN = (k: AxisName): string => `(built-in default ${k})`;
/** Where each axis value of a point came from, for error messages (`matrix.depth[2]`). */
type Origins = Partial<Record<AxisName, string>>;

interface RawPoint {
  values: SuitePoint;
  origins: Origins;
  /** how the point is named in errors that concern the combination */
  label: string;
}

const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Object-valued axes merge over the layer below; everything else replaces it. */
function layer(base: SuitePoint, over: SuitePoint, baseOrigins: Origins, overPrefix: (k: AxisName) => string): [SuitePoint, Origins] {
  const out: Raw = { ...base };
  const origins: Origins = { ...baseOrigins };
  for (const k of AXIS_NAMES) {
    if (!(k in over)) continue;
    const v = (over as Raw)[k];
    const b = out[k];
    const mergeable = (k === 'input' || k === 'probe' || k === 'train' || k === 'downsample') && isObj(v) && isObj(b);
    const sameData = k === 'data' && isObj(v) && isObj(b) && v.kind === b.kind;
    out[k] = mergeable || sameData ? { ...(b as Raw), ...(v as Raw) } : v;
    origins[k] = overPrefix(k);
  }
  return [out as SuitePoint, origins];
}

function matrixPoints(suite: SuiteSpec, base: SuitePoint, baseOrigins: Origins): RawPoint[] {
  const axes = Object.entries(suite.matrix).filter(([, vs]) => vs !== undefined) as [AxisName, unknown[]][];
  let combos: { over: Raw; idx: [AxisName, number][] }[] = [{ over: {}, idx: [] }];
  for (const [axis, values] of axes) {
    const next: typeof combos = [];
    for (const c of combos) values.forEach((v, i) => next.push({ over: { ...c.over, [axis]: v }, idx: [...c.idx, [axis, i]] }));
    combos = next;
  }
  return combos.map(({ over, idx }) => {
    const at = new Map(idx);
    const [values, origins] = layer(base, over as SuitePoint, baseOrigins, (k) => `matrix.${k}[${at.get(k)}]`);
    return { values, origins, label: idx.map(([k, i]) => `matrix.${k}[${i}]`).join(' × ') || 'matrix' };
  });
}

/** `"he-normal"` ≡ `{"name": "he-normal"}` when matching exclude entries. */
function shorthand(k: AxisName, v: unknown): unknown {
  if ((k === 'init' || k === 'activation') && typeof v === 'string') return { name: v };
  if (k === 'train' && isObj(v) && typeof v.schedule === 'string') return { ...v, schedule: { kind: v.schedule } };
  return v;
}

/** Every field of `pattern` equals the same field of `value` (objects: recursively; arrays: exactly). */
function subsetMatch(pattern: unknown, value: unknown): boolean {
  if (isObj(pattern)) {
    if (!isObj(value)) return false;
    return Object.keys(pattern).every((k) => subsetMatch(pattern[k], value[k]));
  }
  return canonicalJson(pattern) === canonicalJson(value);
}

function matches(point: SuitePoint, ex: SuitePoint): boolean {
  return Object.keys(ex).every((k) => {
    const axis = k as AxisName;
    return subsetMatch(shorthand(axis, (ex as Raw)[k]), shorthand(axis, (point as Raw)[k]));
  });
}

/** Problems found while planning, each one `file: path: message` line. */
class Problems {
  readonly lines: string[] = [];
  constructor(readonly file: string) {}
  add(path: string, text: string): void {
    this.line(`${this.file}: ${path === '' ? '' : `${path}: `}${text}`);
  }
  /** a message that already names file and path (from normalizeInitSpec) */
  line(l: string): void {
    if (!this.lines.includes(l)) this.lines.push(l);
  }
  get count(): number {
    return this.lines.length;
  }
}

type Coords = Omit<RunSpec, 'id' | 'suite' | 'seed' | 'repeat'>;

function normActivation(v: unknown, where: string, problems: Problems): ActivationSpec {
  const o = typeof v === 'string' ? { name: v as ActivationName } : (v as { name: ActivationName; alpha?: number });
  const def = ACTIVATION_ALPHA[o.name];
  if (def === undefined) {
    if (o.alpha !== undefined) problems.add(where, `alpha applies only to leaky_relu and elu, not ${JSON.stringify(o.name)}`);
    return { name: o.name };
  }
  return { name: o.name, alpha: o.alpha ?? def };
}

function normData(v: unknown): DataSpec | null {
  if (v === null || v === undefined) return null;
  const d = v as Raw;
  if (d.kind === 'synthetic') return { ...DATA_DEFAULTS.synthetic, ...d, kind: 'synthetic' } as DataSpec;
  return { ...DATA_DEFAULTS.cifar10, ...d, kind: 'cifar10' } as DataSpec;
}

function normSchedule(v: unknown, steps: number): LrSchedule {
  const s = typeof v === 'string' ? { kind: v } : ((v ?? { kind: 'constant' }) as Raw);
  if (s.kind === 'step') {
    return { kind: 'step', every: (s.every as number | undefined) ?? Math.max(1, Math.floor(steps / 3)), factor: (s.factor as number | undefined) ?? 0.1 };
  }
  return { kind: s.kind as 'constant' | 'cosine' };
}

function normTrain(v: unknown): TrainSpec | null {
  if (v === null || v === undefined) return null;
  const t = { ...TRAIN_DEFAULTS, ...(v as Raw) } as TrainSpec & { schedule: unknown };
  const schedule = normSchedule(t.schedule, t.steps);
  // only the momentum optimizer reads `momentum` (adam has its fixed β1): elsewhere keep it 0 so an
  // unused value cannot split otherwise identical runs
  return { ...t, schedule, momentum: t.optimizer === 'momentum' ? t.momentum : 0 };
}

/**
 * The `bias` axis → arch.bias and the RunSpec's bias initializer, which is omitted when zero (absent =
 * zeros) so runs planned before bias initializers existed keep their ids: std 0, σ_b² 0 and value 0 are zeros.
 */
function normBias(v: unknown): { has: boolean; init: BiasInitSpec | undefined } {
  if (typeof v === 'boolean') return { has: v, init: undefined };
  if (v === 'zeros') return { has: true, init: undefined };
  const o = v as { init?: string; std?: number; sigmaB2?: number; value?: number };
  const std = o.sigmaB2 !== undefined ? Math.sqrt(o.sigmaB2) : o.init === 'normal' ? o.std! : 0;
  if (o.init === 'constant') return { has: true, init: o.value === 0 ? undefined : { init: 'constant', value: o.value! } };
  return { has: true, init: std === 0 ? undefined : { init: 'normal', std } };
}

/** Probe defaults: the correlation and Jacobian measurements are off unless asked for (null or absent). */
export const CORRELATION_DEFAULTS = { pairs: 16, inputCorrelation: 0.5 } as const;
export const JACOBIAN_DEFAULT_PROJECTIONS = 32;

/** A suite's probe object over the built-in defaults → ProbeSpec; optional measurements only when asked. */
function normProbe(v: unknown): ProbeSpec | null {
  if (v === null) return null;
  const { correlation, jacobian, ...rest } = { ...BUILTIN_DEFAULTS.probe, ...(v as Raw) } as Raw;
  const probe = rest as unknown as ProbeSpec;
  if (isObj(correlation)) probe.correlation = { ...CORRELATION_DEFAULTS, ...correlation } as ProbeSpec['correlation'];
  if (isObj(jacobian)) {
    probe.jacobian =
      jacobian.method === 'projection'
        ? { method: 'projection', projections: (jacobian.projections as number | undefined) ?? JACOBIAN_DEFAULT_PROJECTIONS }
        : { method: 'exact' };
  }
  return probe;
}

function normInit(v: unknown, where: string, problems: Problems): InitSpec | null {
  try {
    return normalizeInitSpec(v, { file: problems.file, path: where });
  } catch (e) {
    if (e instanceof InputError) {
      // a bare name has no `.name` key: point at the value itself
      problems.line(typeof v === 'string' ? e.message.replace(`${where}.name: `, `${where}: `) : e.message);
      return null;
    }
    throw e;
  }
}

/** One point → normalized coordinates, or null with problems recorded. */
/** A point's model arch read (models: per-suite cache), or null with the problem recorded. */
function modelOf(v: unknown, where: string, opts: PlanOptions, models: Map<string, UserTopology>, problems: Problems): PlannedModel | null {
  try {
    return planModelArch(v as ModelArchValue, where, opts.file, models);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    problems.line(e.message);
    return null;
  }
}

/**
 * One point → normalized coordinates, or null with problems recorded. A model arch brings its own input shape
 * and activations; the built-in arch axes (depth, width, kernel, padding, bias, downsample, head, classes) and
 * `activation` do not apply to it, so points that differ only there are one run.
 */
function normalizePoint(p: RawPoint, opts: PlanOptions, problems: Problems, models: Map<string, UserTopology>): Coords | null {
  const v = p.values as Required<SuitePoint>;
  const o = (k: AxisName) => p.origins[k] ?? `defaults.${k}`;
  const before = problems.count;
  const model = isObj(v.arch) ? modelOf(v.arch, o('arch'), opts, models, problems) : null;
  if (isObj(v.arch) && model === null) return null;

  const activation = model?.activation ?? normActivation(v.activation, o('activation'), problems);
  const init = normInit(v.init, o('init'), problems);
  const data = normData(v.data);
  const train = normTrain(v.train);
  const probe = normProbe(v.probe);
  const bias = normBias(v.bias);
  const given = { ...BUILTIN_DEFAULTS.input, ...(v.input as Raw) } as InputSpec;
  const input = model?.input ?? given;
  // the built-in default input is no one's choice: only an input the suite gives must match the model's
  if (model !== null && p.origins.input !== BUILTIN_ORIGIN('input') && shapeText(given) !== shapeText(input)) {
    problems.add(o('input'), `expected the model's input shape ${shapeText(input)} (${model.topology.file}, its ${model.topology.layers[0]!.name}), got ${shapeText(given)}`);
  }
  const downsample = { mode: 'stride' as const, ...(v.downsample as Raw) } as ArchSpec['downsample'];
  // one schedule serves a whole depth axis: layers beyond this run's depth do not exist
  downsample.at = [...new Set(downsample.at.filter((i) => i <= v.depth))].sort((a, b) => a - b);

  const head = (p.values.head ?? (train !== null ? 'gap-dense' : 'none')) as ArchSpec['head'];
  const dataClasses = data === null ? null : data.kind === 'synthetic' ? data.classes : 10;
  const classes = (p.values.classes ?? dataClasses ?? 10) as number;
  const arch: RunArchSpec = model?.arch ?? {
    kind: v.arch as ArchSpec['kind'],
    depth: v.depth as number,
    width: v.width as number,
    kernel: v.kernel as number,
    padding: v.padding as ArchSpec['padding'],
    bias: bias.has,
    downsample,
    head,
    classes,
  };

  if (opts.force !== true && arch.kind !== 'model') {
    if (arch.depth >= ABSURD_DEPTH) problems.add(o('depth'), `expected integer < ${ABSURD_DEPTH} (pass --force to build deeper nets), got ${arch.depth}`);
    if (arch.width >= ABSURD_WIDTH) problems.add(o('width'), `expected integer < ${ABSURD_WIDTH} (pass --force to build wider nets), got ${arch.width}`);
    for (const side of ['height', 'width', 'channels'] as const) {
      if (input[side] >= ABSURD_INPUT) {
        problems.add(`${o('input')}.${side}`, `expected integer < ${ABSURD_INPUT} (pass --force for larger inputs), got ${input[side]}`);
      }
    }
  }
  if (dataClasses !== null && p.values.classes !== undefined && classes !== dataClasses) {
    problems.add(o('classes'), `expected ${dataClasses} to match the data's classes, got ${classes}`);
  }
  if (data?.kind === 'cifar10' && model !== null && shapeText(input) !== '32×32×3') {
    problems.add(`${o('arch')}.path`, `expected a model taking the cifar10 data's 32×32×3 images, got ${model.topology.file} taking ${shapeText(input)} (its ${model.topology.layers[0]!.name})`);
  } else if (data?.kind === 'cifar10' && (input.height !== 32 || input.width !== 32 || input.channels !== 3)) {
    problems.add(o('input'), `expected a 32×32×3 input for cifar10 data, got ${input.height}×${input.width}×${input.channels}`);
  }
  if (train !== null) {
    if (data === null) problems.add(o('train'), `training needs data: set "data" as well`);
    if (head === 'none' && model === null) problems.add(o('head'), `expected "gap-dense" for a run that trains, got "none"`);
    const out = model?.topology.outputShape;
    if (out !== undefined && dataClasses !== null && (out.length !== 1 || out[0] !== dataClasses)) {
      problems.add(`${o('arch')}.path`, `expected a model whose output is [${dataClasses}] (a logit or probability per class of the data) to train, got ${model!.topology.file} with output [${out.join(', ')}]`);
    }
  }
  if (probe !== null) {
    if (probe.source === 'data' && data === null) problems.add(o('probe'), `probe source "data" needs "data" set`);
    const late = probe.atSteps.filter((s) => s > 0);
    if (late.length > 0 && train === null) problems.add(o('probe'), `probe.atSteps beyond 0 need "train" set`);
    if (train !== null && late.some((s) => s > train.steps)) {
      problems.add(o('probe'), `expected probe.atSteps ≤ train.steps (${train.steps}), got ${JSON.stringify(probe.atSteps)}`);
    }
    // step 0 is always probed; the list holds the later steps, sorted and unique
    probe.atSteps = [...new Set(late)].sort((a, b) => a - b);
    if (probe.jacobian !== undefined && arch.kind === 'model') {
      problems.add(`${o('probe')}.jacobian`, `expected a built-in plain net for the Jacobian probe, got a model file (in ${p.label})`);
    }
    if (probe.correlation !== undefined && arch.kind === 'model') {
      problems.add(`${o('probe')}.correlation`, `expected a built-in net for the correlation probe, got a model file (in ${p.label})`);
    }
    if (probe.jacobian !== undefined && arch.kind !== 'model') {
      const map = jacobianMap(arch, input);
      if ('problem' in map) problems.add(`${o('probe')}.jacobian`, `${map.problem} (in ${p.label})`);
      else if (probe.jacobian.method === 'exact' && map.dim > JACOBIAN_EXACT_MAX_DIM) {
        problems.add(
          `${o('probe')}.jacobian.method`,
          `expected a map of at most ${JACOBIAN_EXACT_MAX_DIM} entries for "exact" (use "projection"), got H·W·width = ${input.height}·${input.width}·${arch.width} = ${map.dim} (in ${p.label})`,
        );
      }
    }
  }
  if (model !== null && init !== null && (isDataDependent(init) || init.name === 'fixup')) {
    problems.add(o('init'), `expected an initializer that draws each kernel on its own for a model arch, got "${init.name}" (it needs initbench's own nets: ${init.name === 'fixup' ? 'residual blocks' : 'a data-dependent rescale of each layer'})`);
  }
  if (probe === null && train === null) problems.add(p.label, 'a run must probe or train: "probe" and "train" are both null');
  if (problems.count > before || init === null) return null;
  return { init, activation, arch, input, probe, data, train, ...(bias.init !== undefined && model === null ? { bias: bias.init } : {}) };
}

/** Rejects arch/input combinations the model cannot build, naming the point. */
function checkArch(c: Coords, p: RawPoint, problems: Problems): boolean {
  // a model's shapes were checked when its file was read
  if (c.arch.kind === 'model') return true;
  try {
    validateArch(c.arch, c.input);
    return true;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const where = p.origins.depth ?? p.origins.arch ?? p.label;
    problems.add(where, `${e.message.replace(/^arch: /, '')}${where === p.label ? '' : ` (in ${p.label})`}`);
    return false;
  }
}

function shrink(c: Coords): Coords {
  const residual = c.arch.kind === 'residual' || c.arch.kind === 'residual-bn';
  let depth = Math.min(c.arch.depth, QUICK.depth);
  if (residual && depth % 2 === 0) depth -= 1;
  // a model file is what it is: --quick shrinks its training and probe only
  const arch: RunArchSpec =
    c.arch.kind === 'model'
      ? c.arch
      : {
          ...c.arch,
          depth,
          width: Math.min(c.arch.width, QUICK.width),
          downsample: { ...c.arch.downsample, at: c.arch.downsample.at.filter((i) => i <= depth) },
        };
  // Every step count scales with the run, so a shrunk run keeps its shape: warm-up that was 50 of 600
  // steps stays 1/12 of the quick run (capping it at the new length instead left the lr in warm-up throughout).
  const scale = c.train === null ? 1 : Math.min(c.train.steps, QUICK.steps) / c.train.steps;
  const scaled = (n: number): number => Math.max(1, Math.round(n * scale));
  const train =
    c.train === null
      ? null
      : (() => {
          const steps = Math.min(c.train.steps, QUICK.steps);
          const schedule: LrSchedule = c.train.schedule.kind === 'step' ? { ...c.train.schedule, every: scaled(c.train.schedule.every) } : c.train.schedule;
          const warmupSteps = Math.min(Math.round(c.train.warmupSteps * scale), steps);
          return { ...c.train, steps, schedule, evalEvery: Math.min(scaled(c.train.evalEvery), steps), warmupSteps };
        })();
  const atSteps = c.probe === null || train === null ? [] : [...new Set(c.probe.atSteps.map((s) => Math.min(scaled(s), train.steps)))];
  const probe = c.probe === null ? null : { ...c.probe, batch: Math.min(c.probe.batch, QUICK.probeBatch), atSteps };
  const data =
    c.data === null ? null : { ...c.data, trainSize: Math.min(c.data.trainSize, QUICK.trainSize), testSize: Math.min(c.data.testSize, QUICK.testSize) };
  return { ...c, arch, train, probe, data };
}

/**
 * At most how many runs a suite plans, from its axis sizes alone (exclude can only drop some):
 * (∏ axis lengths + includes) × seeds. Throws InputError past MAX_PLANNED_RUNS unless forced.
 */
function assertPlanSize(suite: SuiteSpec, seeds: number, opts: PlanOptions): void {
  const axes = Object.entries(suite.matrix).filter(([, vs]) => vs !== undefined) as [AxisName, unknown[]][];
  const points = axes.reduce((n, [, vs]) => n * vs.length, 1);
  const include = suite.include?.length ?? 0;
  const runs = (points + include) * seeds;
  if (runs <= MAX_PLANNED_RUNS || opts.force === true) return;
  const sizes = `matrix ${axes.map(([k, vs]) => `${k} ${vs.length}`).join(' × ')} = ${points} points${include > 0 ? ` + ${include} include` : ''}, × ${seeds} seeds`;
  throw new InputError(
    `${opts.file}: expected at most ${MAX_PLANNED_RUNS} planned runs (pass --force to plan more), got up to ${runs}: ${sizes}`,
    { file: opts.file },
  );
}

/** Plans a validated suite. Throws InputError listing every problem as `file: path: message`. */
export function planSuite(suiteIn: SuiteSpec, opts: PlanOptions): Plan {
  const quick = opts.quick === true;
  const seeds = quick ? Math.min(suiteIn.seeds ?? 1, QUICK.seeds) : suiteIn.seeds ?? 1;
  assertPlanSize(suiteIn, seeds, opts);
  const progress = (phase: PlanProgress['phase'], done: number, total: number): void => {
    if (done > 0 && done % PLAN_PROGRESS_EVERY === 0) opts.onProgress?.({ phase, done, total });
  };
  const suite = structuredClone(suiteIn);
  const problems = new Problems(opts.file);
  const builtinOrigins = Object.fromEntries(AXIS_NAMES.map((k) => [k, BUILTIN_ORIGIN(k)])) as Origins;
  const [base, baseOrigins] = layer(BUILTIN_DEFAULTS as SuitePoint, suite.defaults ?? {}, builtinOrigins, (k) => `defaults.${k}`);
  const exclude = suite.exclude ?? [];
  const all = matrixPoints(suite, base, baseOrigins);
  // an entry that drops nothing is a typo (an alias, a misspelt name, a value not on any axis)
  exclude.forEach((ex, i) => {
    if (!all.some((p) => matches(p.values, ex))) problems.add(`exclude[${i}]`, `expected an entry matching some matrix point, got ${describeValue(ex)}, which matches none`);
  });
  const points = all.filter((p) => !exclude.some((ex) => matches(p.values, ex)));
  (suite.include ?? []).forEach((inc, i) => {
    const [values, origins] = layer(base, inc, baseOrigins, (k) => `include[${i}].${k}`);
    points.push({ values, origins, label: `include[${i}]` });
  });
  if (points.length === 0) problems.add('exclude', 'expected at least one run, but exclude drops every matrix point');

  const coords: Coords[] = [];
  const seen = new Set<string>();
  const models = new Map<string, UserTopology>();
  for (const [i, p] of points.entries()) {
    progress('points', i, points.length);
    const c0 = normalizePoint(p, opts, problems, models);
    if (c0 === null || !checkArch(c0, p, problems)) continue;
    const c = quick ? shrink(c0) : c0;
    // a point repeated (e.g. by include, or by --quick caps) is one configuration
    const key = canonicalJson(c);
    if (seen.has(key)) continue;
    seen.add(key);
    coords.push(c);
  }
  if (problems.count > 0) {
    const more = problems.count > 20 ? [`… and ${problems.count - 20} more`] : [];
    throw new InputError([...problems.lines.slice(0, 20), ...more].join('\n'), { file: opts.file });
  }

  const runs: RunSpec[] = [];
  for (let repeat = 0; repeat < seeds; repeat++) {
    for (const c of coords) {
      progress('runs', runs.length, coords.length * seeds);
      const seed = deriveSeed(suite.seed, canonicalJson(c), repeat);
      const body: Omit<RunSpec, 'id'> = { suite: suite.name, seed, repeat, ...structuredClone(c) };
      runs.push({ id: runId(body), ...body });
    }
  }
  return { name: suite.name, description: suite.description, seed: suite.seed, seeds, quick, runs };
}

/** Short human label of a run, for progress lines: `he-normal relu plain d30 w64 #0`. */
export function runLabel(r: RunSpec): string {
  const act = r.activation.alpha !== undefined ? `${r.activation.name}(${r.activation.alpha})` : r.activation.name;
  const tr = r.train !== null ? ` ${r.data?.kind ?? ''} ${r.train.optimizer} lr${r.train.lr} ${r.train.steps}st` : '';
  const arch = r.arch.kind === 'model' ? `model ${r.arch.path}` : `${r.arch.kind} d${r.arch.depth} w${r.arch.width}`;
  return `${r.init.name} ${act} ${arch}${tr} #${r.repeat}`;
}

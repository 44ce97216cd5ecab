/**
 * The on-disk results format as TypeBox schemas: a run record (one line of runs.jsonl), the manifest,
 * and the side files samples.json, check.json and init-stats.json. Readers validate what they parse
 * against these (compiled once, on first use) instead of casting it; each schema is checked at
 * compile time to describe exactly its type in core/types.ts (see `Same` below).
 *
 * Objects accept keys they do not name, so a field added later (and absent from older files, like
 * LayerTheory.meanField) does not make this reader refuse what a newer writer wrote.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck, type ValueError } from '@sinclair/typebox/compiler';
import { describeValue } from '../core/errors.ts';
import type {
  ActivationName, BackendName, CheckReport, DataSamples, InitAuditRow, Manifest, RunRecord,
} from '../core/types.ts';

/**
 * The version this initbench writes and reads, of a run record, the manifest and check.json. A record
 * without one was written before versions existed and is version 1. samples.json and init-stats.json
 * are bare arrays, which is version 1 of each; a later version would wrap them in an object.
 */
export const FORMAT_VERSION = 1;

/** A string from a fixed list, typed as the list's union (so a name missing here fails `Same`). */
function names<const L extends readonly string[]>(list: L) {
  return Type.Union(list.map((n) => Type.Literal(n))) as TUnion<TLiteral<L[number]>[]>;
}
const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/**
 * A reference to a shared schema (one with a $id, registered by `validatorOf`): Ajv compiles it once
 * instead of inlining a copy wherever it is used; the four record branches share spec, probe and train.
 */
const ref = <T extends TSchema>(t: T) => Type.Unsafe<Static<T>>(Type.Ref(t.$id!));
const Num = Type.Number();
const Int = Type.Integer();
const NumOrNull = nullable(Num);
const Pair = Type.Tuple([Num, Num]);

const ACTIVATIONS = ['linear', 'relu', 'leaky_relu', 'tanh', 'sigmoid', 'selu', 'elu', 'gelu', 'swish'] as const satisfies readonly ActivationName[];
const BACKENDS = ['node', 'node-gpu', 'wasm', 'cpu'] as const satisfies readonly BackendName[];
export const STATUSES = ['ok', 'stalled', 'diverged', 'failed'] as const satisfies readonly RunRecord['status'][];

const Activation = names(ACTIVATIONS);
const Backend = names(BACKENDS);

const InitSpecSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  mode: Type.Optional(names(['fan_in', 'fan_out', 'fan_avg'] as const)),
  gain: Type.Optional(Num),
  activation: Type.Optional(Activation),
  alpha: Type.Optional(Num),
  std: Type.Optional(Num),
  limit: Type.Optional(Num),
  value: Type.Optional(Num),
  tol: Type.Optional(Num),
  maxIter: Type.Optional(Int),
});

const ModelArchSpecSchema = Type.Object({
  kind: Type.Literal('model'),
  path: Type.String(),
  hash: Type.String(),
  inputShape: Type.Array(Int),
  outputShape: Type.Array(Int),
  depth: Int,
});

const ArchSpecSchema = Type.Object({
  kind: names(['plain', 'batchnorm', 'residual', 'residual-bn'] as const),
  depth: Int,
  width: Int,
  kernel: Int,
  padding: names(['same', 'valid'] as const),
  bias: Type.Boolean(),
  downsample: Type.Object({ at: Type.Array(Int), mode: names(['stride', 'maxpool', 'avgpool'] as const) }),
  head: names(['gap-dense', 'none'] as const),
  classes: Int,
});

const InputSpecSchema = Type.Object({ height: Int, width: Int, channels: Int });

const ProbeSpecSchema = Type.Object({
  batch: Int,
  source: names(['gaussian', 'data'] as const),
  inputStd: Num,
  atSteps: Type.Array(Int),
  correlation: Type.Optional(Type.Object({ pairs: Int, inputCorrelation: Num })),
  jacobian: Type.Optional(Type.Object({ method: names(['exact', 'projection'] as const), projections: Type.Optional(Int) })),
});

const BiasInitSchema = Type.Union([
  Type.Object({ init: Type.Literal('zeros') }),
  Type.Object({ init: Type.Literal('normal'), std: Num }),
  Type.Object({ init: Type.Literal('constant'), value: Num }),
]);

const DataSpecSchema = Type.Union([
  Type.Object({ kind: Type.Literal('synthetic'), difficulty: Num, classes: Int, trainSize: Int, testSize: Int }),
  Type.Object({ kind: Type.Literal('cifar10'), trainSize: Int, testSize: Int, augment: Type.Boolean() }),
]);

const TrainSpecSchema = Type.Object({
  optimizer: names(['sgd', 'momentum', 'adam'] as const),
  lr: Num,
  momentum: Num,
  weightDecay: Num,
  schedule: Type.Union([
    Type.Object({ kind: Type.Literal('constant') }),
    Type.Object({ kind: Type.Literal('step'), every: Int, factor: Num }),
    Type.Object({ kind: Type.Literal('cosine') }),
  ]),
  warmupSteps: Int,
  batchSize: Int,
  steps: Int,
  evalEvery: Int,
  targetAccuracy: Num,
});

const RunSpecSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  suite: Type.String(),
  seed: Int,
  repeat: Int,
  init: InitSpecSchema,
  activation: Type.Object({ name: Activation, alpha: Type.Optional(Num) }),
  arch: Type.Union([ArchSpecSchema, ModelArchSpecSchema]),
  input: InputSpecSchema,
  probe: nullable(ProbeSpecSchema),
  data: nullable(DataSpecSchema),
  train: nullable(TrainSpecSchema),
  bias: Type.Optional(BiasInitSchema),
}, { $id: 'RunSpec' });

const MomentsSchema = Type.Object({ mean: NumOrNull, variance: NumOrNull, secondMoment: NumOrNull }, { $id: 'Moments' });

const ChannelStatsSchema = Type.Object({ sqMean: NumOrNull, variance: NumOrNull });

const HistogramSchema = Type.Object({
  center: Num,
  scale: Num,
  lo: Num,
  hi: Num,
  counts: Type.Array(Int),
  under: Int,
  over: Int,
  zeros: Int,
  total: Int,
}, { $id: 'Histogram' });

const LayerProbeSchema = Type.Object({
  index: Int,
  name: Type.String(),
  kind: names(['conv', 'dense'] as const),
  fanIn: Int,
  fanOut: Int,
  spatial: Pair,
  pre: ref(MomentsSchema),
  post: ref(MomentsSchema),
  deadFraction: NumOrNull,
  saturatedFraction: NumOrNull,
  gradPre: ref(MomentsSchema),
  gradWeight: ref(MomentsSchema),
  theory: Type.Object({
    preVariance: NumOrNull,
    gradPreVariance: NumOrNull,
    preVarianceBand: nullable(Pair),
    meanField: Type.Optional(
      nullable(
        Type.Object({
          sigmaW2: Num,
          qStar: NumOrNull,
          chi1: NumOrNull,
          depthScale: NumOrNull,
          converged: Type.Boolean(),
          slope: Type.Optional(NumOrNull),
          stable: Type.Optional(nullable(Type.Boolean())),
          perturbed: Type.Optional(nullable(Type.Tuple([NumOrNull, NumOrNull]))),
        }),
      ),
    ),
  }),
  signal: Type.Optional(Type.Object({ pre: ChannelStatsSchema, post: ChannelStatsSchema, branch: nullable(ChannelStatsSchema) })),
  histograms: Type.Optional(
    nullable(Type.Object({ pre: nullable(ref(HistogramSchema)), post: nullable(ref(HistogramSchema)), gradPre: nullable(ref(HistogramSchema)) })),
  ),
  correlation: Type.Optional(nullable(Type.Object({ measured: NumOrNull, stderr: NumOrNull, theory: NumOrNull }))),
}, { $id: 'LayerProbe' });

const ProbeResultSchema = Type.Object({
  step: Int,
  input: Type.Object({ source: names(['gaussian', 'data'] as const), std: Num, batch: Int }),
  cotangent: Type.Literal('unit-gaussian'),
  layers: Type.Array(ref(LayerProbeSchema)),
  summary: Type.Object({ perLayerRatio: NumOrNull, theoryPerLayerRatio: NumOrNull, lastOverFirst: NumOrNull, theoryLastOverFirst: NumOrNull }),
  correlation: Type.Optional(nullable(Type.Object({
    cStar: NumOrNull, chiC: NumOrNull, xiTheory: NumOrNull, xiMeasured: NumOrNull, xiStderr: NumOrNull, fit: Type.String(),
  }))),
  jacobian: Type.Optional(nullable(Type.Object({
    method: names(['exact', 'projection'] as const),
    output: Type.String(),
    singularValues: nullable(Type.Array(Num)),
    meanS2: Num,
    meanS2Stderr: NumOrNull,
    varS2: Num,
    varS2Stderr: NumOrNull,
    theory: nullable(Type.Object({ meanS2: Num, varS2: Num })),
  }))),
}, { $id: 'ProbeResult' });

const TrainResultSchema = Type.Object({
  stepsDone: Int,
  losses: Type.Array(Type.Object({ step: Int, loss: Num })),
  evals: Type.Array(Type.Object({ step: Int, accuracy: Num, loss: Num, gradNorms: Type.Array(Num), weightNorms: Type.Array(Num) })),
  finalAccuracy: NumOrNull,
  finalLoss: NumOrNull,
  bestAccuracy: NumOrNull,
  chance: Num,
  wallMs: Num,
  imagesPerSec: Num,
  timeToTargetMs: NumOrNull,
  stepsToTarget: nullable(Int),
  probes: Type.Array(ref(ProbeResultSchema)),
  paramNames: Type.Optional(Type.Array(Type.String())),
}, { $id: 'TrainResult' });

const recordBase = {
  formatVersion: Type.Literal(FORMAT_VERSION),
  id: Type.String({ minLength: 1 }),
  suiteHash: Type.String(),
  spec: ref(RunSpecSchema),
  backend: Backend,
  startedAt: Type.String(),
  wallMs: Num,
};

/** One branch per status, so a record is checked against the shape its status promises. */
export const RecordSchemas = {
  ok: Type.Object({ ...recordBase, status: Type.Literal('ok'), probe: nullable(ref(ProbeResultSchema)), train: nullable(ref(TrainResultSchema)) }),
  stalled: Type.Object({ ...recordBase, status: Type.Literal('stalled'), probe: nullable(ref(ProbeResultSchema)), train: ref(TrainResultSchema), reason: Type.String() }),
  diverged: Type.Object({
    ...recordBase, status: Type.Literal('diverged'), probe: nullable(ref(ProbeResultSchema)), train: ref(TrainResultSchema), atStep: Int, reason: Type.String(),
  }),
  failed: Type.Object({
    ...recordBase, status: Type.Literal('failed'), probe: Type.Null(), train: Type.Null(),
    error: Type.Object({ message: Type.String(), stack: nullable(Type.String()), kind: names(['exception', 'worker-crash', 'timeout'] as const) }),
  }),
};
export const RunRecordSchema = Type.Union([RecordSchemas.ok, RecordSchemas.stalled, RecordSchemas.diverged, RecordSchemas.failed]);

const EnvironmentSchema = Type.Object({
  initbench: Type.String(),
  tfjs: Type.String(),
  backend: Backend,
  backendDetail: Type.String(),
  node: Type.String(),
  platform: Type.String(),
  cpu: Type.Object({ model: Type.String(), cores: Int }),
  memoryGiB: Num,
  gitCommit: nullable(Type.String()),
}, { $id: 'Environment' });

export const ManifestSchema = Type.Object({
  formatVersion: Type.Literal(FORMAT_VERSION),
  suite: Type.Object({ name: Type.String(), file: Type.String(), hash: Type.String(), source: Type.Unknown() }),
  plan: Type.Array(ref(RunSpecSchema)),
  environment: ref(EnvironmentSchema),
  startedAt: Type.String(),
  mergedFrom: Type.Optional(Type.Array(Type.String())),
  shard: Type.Optional(Type.Object({ k: Int, n: Int })),
  quick: Type.Optional(Type.Boolean()),
  history: Type.Optional(
    Type.Array(Type.Object({ hash: Type.String(), file: Type.String(), time: Type.String(), runsAdded: Int, planned: Int })),
  ),
});

export const CheckReportSchema = Type.Object({
  formatVersion: Type.Literal(FORMAT_VERSION),
  environment: ref(EnvironmentSchema),
  rows: Type.Array(
    Type.Object({
      op: Type.String(),
      case: Type.String(),
      backend: Type.String(),
      maxAbs: NumOrNull,
      maxRel: NumOrNull,
      atol: Num,
      rtol: Num,
      mismatches: Int,
      verdict: names(['pass', 'fail', 'skip', 'error'] as const),
      detail: nullable(Type.String()),
    }),
  ),
  passed: Int,
  failed: Int,
});

/** One element of init-stats.json. */
export const InitAuditRowSchema = Type.Object({
  init: Type.String(),
  shape: Type.Array(Int),
  samples: Int,
  nominalVariance: Num,
  measuredVariance: Num,
  ci: Pair,
  ciMethod: Type.String(),
  ratio: Num,
  mean: Num,
  min: Num,
  max: Num,
  support: nullable(Pair),
  orthogonalityError: NumOrNull,
  verdict: names(['ok', 'deviates'] as const),
});

/** One element of samples.json. */
export const DataSamplesSchema = Type.Object({
  label: Type.String(),
  data: DataSpecSchema,
  height: Int,
  width: Int,
  channels: Int,
  images: Type.Array(Type.Array(Num)),
  labels: Type.Array(Int),
  classNames: Type.Array(Type.String()),
});

// Compile-time: each schema describes exactly its core type (a field added to one but not the other fails
// tsc). Optional keys are made required on both sides first, or a missing optional key would go unnoticed.
type Strict<T> = T extends readonly unknown[] ? { [K in keyof T]: Strict<T[K]> } : T extends object ? { [K in keyof T]-?: Strict<T[K]> } : T;
type Same<A, B> = [Strict<A>] extends [Strict<B>] ? ([Strict<B>] extends [Strict<A>] ? true : false) : false;
type Assert<T extends true> = T;
export type SchemasMatchTypes = [
  Assert<Same<Static<typeof RunRecordSchema>, RunRecord>>,
  Assert<Same<Static<typeof ManifestSchema>, Manifest>>,
  Assert<Same<Static<typeof CheckReportSchema>, CheckReport>>,
  Assert<Same<Static<typeof InitAuditRowSchema>, InitAuditRow>>,
  Assert<Same<Static<typeof DataSamplesSchema>, DataSamples>>,
];

// ---------------------------------------------------------------- validation

/** The schemas `ref` points to, by $id. */
const SHARED = [MomentsSchema, HistogramSchema, LayerProbeSchema, ProbeResultSchema, TrainResultSchema, RunSpecSchema, EnvironmentSchema];
const compiled = new Map<TSchema, TypeCheck<TSchema>>();

/**
 * The schema's checker, compiled on first use. TypeBox's compiler rather than Ajv (which validates
 * suites): it compiles a record branch in ~10 ms of CPU where Ajv takes ~200 ms, and `report` has a
 * second for everything.
 */
function checkerOf(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (c === undefined) {
    c = TypeCompiler.Compile(schema, SHARED);
    compiled.set(schema, c);
  }
  return c;
}

/** `/train/losses/3/loss` → `train.losses[3].loss` */
function jsonPath(pointer: string): string {
  let out = '';
  for (const p of pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

type Sch = Record<string, unknown>;

/** A `ref` node's target schema; any other node as it is. */
function resolve(s: Sch): Sch {
  return typeof s.$ref === 'string' ? ((SHARED.find((t) => t.$id === s.$ref) ?? s) as Sch) : s;
}

/** What a schema node accepts, in words. */
function describe(node: Sch): string {
  const s = resolve(node);
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) {
    const branches = s.anyOf as Sch[];
    if (branches.every((b) => 'const' in b)) return `one of ${branches.map((b) => JSON.stringify(b.const)).join(', ')}`;
    return branches.map(describe).join(' or ');
  }
  switch (s.type) {
    case 'integer':
    case 'number':
    case 'null':
      return s.type;
    case 'boolean':
      return 'true or false';
    case 'string':
      return typeof s.minLength === 'number' && s.minLength > 0 ? 'a non-empty string' : 'a string';
    case 'array':
      if (Array.isArray(s.items)) return `[${(s.items as Sch[]).map(describe).join(', ')}]`;
      return s.items !== undefined ? `an array of ${describe(s.items as Sch)}` : 'an array';
    case 'object':
      return 'an object';
    default:
      return 'a value';
  }
}

function jsType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Whether `v` is evidently meant for union branch `s`: its JSON type, and its `kind` where the branch fixes one. */
function fits(node: Sch, v: unknown): boolean {
  const s = resolve(node);
  if ('const' in s) return v === s.const;
  const t = jsType(v);
  if (s.type !== undefined && s.type !== t && !(s.type === 'number' && t === 'integer')) return false;
  const kind = (s.properties as Record<string, Sch> | undefined)?.kind;
  return kind === undefined || !('const' in kind) || (v as Record<string, unknown>).kind === kind.const;
}

/** A problem to show: where (a JSON pointer), what belongs there, what is there. */
interface Problem {
  pointer: string;
  expected: string;
  got: unknown;
}

/**
 * The problem to show for an error: inside a union, the first problem of the one branch the value was
 * evidently meant for (a probe object's own problem, not "expected null"); an object whose `kind` no
 * branch has, that `kind`; else the union's.
 */
function problemOf(e: ValueError): Problem {
  const branches = (e.schema as Sch).anyOf as Sch[] | undefined;
  const union: Problem = { pointer: e.path, expected: describe(e.schema as Sch), got: e.value };
  if (!Array.isArray(branches) || e.errors.length !== branches.length) return union;
  const fitting = branches.flatMap((b, i) => (fits(b, e.value) ? [i] : []));
  if (fitting.length === 1) {
    const inner = e.errors[fitting[0]!]!.First();
    return inner === undefined ? union : problemOf(inner);
  }
  const kinds = branches.map((b) => ((resolve(b).properties as Record<string, Sch> | undefined)?.kind as Sch | undefined)?.const);
  if (fitting.length === 0 && jsType(e.value) === 'object' && kinds.every((k) => typeof k === 'string')) {
    const got = (e.value as Record<string, unknown>).kind;
    return { pointer: `${e.path}/kind`, expected: `one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}`, got };
  }
  return union;
}

/** `train.losses[3].loss: expected number, got null`; the path under `at`. */
function whyOf(p: Problem, at: string): string {
  const where = `${at}${p.pointer}` === '' ? '' : `${jsonPath(`${at}${p.pointer}`)}: `;
  return `${where}expected ${p.expected}, got ${describeValue(p.got)}`;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; why: string };

/**
 * Validates `value` against `schema`; the failure names the first problem as `path: expected X, got Y`,
 * its path under `at` (a JSON pointer: `/2` for an array's third element).
 */
export function check<S extends TSchema>(schema: S, value: unknown, at = ''): Checked<Static<S>> {
  const c = checkerOf(schema);
  if (c.Check(value)) return { ok: true, value: value as Static<S> };
  const e = c.Errors(value).First();
  return { ok: false, why: e === undefined ? 'not valid' : whyOf(problemOf(e), at) };
}

/**
 * The format version a parsed file or record declares: absent is 1 (written before versions existed);
 * `newer` when a later initbench wrote it, which this one cannot read.
 */
export function versionOf(value: unknown): { version: unknown; newer: boolean } {
  const declared = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as { formatVersion?: unknown }).formatVersion : undefined;
  const version = declared ?? FORMAT_VERSION;
  return { version, newer: typeof version === 'number' && Number.isInteger(version) && version > FORMAT_VERSION };
}

/** `formatVersion 2 is newer than this initbench reads (1); upgrade initbench to read it` */
export function newerMessage(version: unknown): string {
  return `formatVersion ${String(version)} is newer than this initbench reads (${FORMAT_VERSION}); upgrade initbench to read it`;
}

/**
 * A parsed runs.jsonl line as a record: a missing formatVersion becomes 1; a newer one is refused
 * (the caller skips the line); the status picks the branch the rest is checked against.
 */
export function checkRecord(value: unknown): Checked<RunRecord> & { newer?: boolean } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, why: `expected a run record (an object), got ${describeValue(value)}` };
  }
  const { version, newer } = versionOf(value);
  if (newer) return { ok: false, why: newerMessage(version), newer: true };
  const obj: Record<string, unknown> = { formatVersion: version, ...value };
  const status = obj.status as RunRecord['status'];
  if (!STATUSES.includes(status)) {
    return { ok: false, why: `status: expected one of ${STATUSES.map((s) => JSON.stringify(s)).join(', ')}, got ${describeValue(obj.status)}` };
  }
  return check(RecordSchemas[status], obj) as Checked<RunRecord>;
}

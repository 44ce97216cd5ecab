/**
 * The suite file's schema, written once as TypeBox: it types `SuiteSpec`, drives Ajv validation, and
 * is emitted as suites/schema.json (scripts/schema.ts) so editors complete and validate suites.
 *
 * Two annotation keywords ride along for our error messages (JSON Schema ignores unknown keywords):
 *   `expected`  how to describe what belongs here (`expected integer ≥ 1`)
 *   `nameKind`  for a string enum: what the names are (`unknown activation "rleu" (did you mean…)`)
 */
import { Type, type Static, type TArray, type TSchema } from '@sinclair/typebox';
import type { DownsampleMode } from '../core/types.ts';
import { ACTIVATION_NAMES } from '../init/index.ts';
import { ARCH_KINDS } from './defaults.ts';

// the one list of activations (src/init's), so a new one is accepted in suites too
export { ACTIVATION_NAMES };
export { ARCH_KINDS };
export const DOWNSAMPLE_MODES = ['stride', 'maxpool', 'avgpool'] as const satisfies readonly DownsampleMode[];
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
export const FAN_MODES = ['fan_in', 'fan_out', 'fan_avg'] as const;
export const JACOBIAN_METHODS = ['exact', 'projection'] as const;

/** A string from a fixed list; an enum (not a union of literals) so errors stay one per value. */
function names<T extends string>(list: readonly T[], nameKind: string, description: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...list], nameKind, description });
}

const int = (minimum: number, description: string, extra: Record<string, unknown> = {}) =>
  Type.Integer({ minimum, description, ...extra });
const posNum = (description: string) => Type.Number({ exclusiveMinimum: 0, description });
const nonNegNum = (description: string) => Type.Number({ minimum: 0, description });

export const ActivationNameSchema = names(ACTIVATION_NAMES, 'activation', 'activation function');

const InitObject = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'initializer name, see `initbench list`' }),
    mode: Type.Optional(names(FAN_MODES, 'fan mode', 'fan used for the variance: fan_in, fan_out or their average')),
    gain: Type.Optional(posNum('explicit gain (else from the activation)')),
    activation: Type.Optional(ActivationNameSchema),
    alpha: Type.Optional(nonNegNum('leaky_relu slope / elu alpha for the gain lookup')),
    std: Type.Optional(posNum('`normal`: standard deviation')),
    limit: Type.Optional(posNum('`uniform`: U(-limit, limit)')),
    value: Type.Optional(Type.Number({ description: '`constant`: the value' })),
    tol: Type.Optional(posNum('lsuv: stop when |std−1| < tol')),
    maxIter: Type.Optional(int(1, 'lsuv: at most this many passes per layer')),
  },
  { additionalProperties: false },
);
export const InitValue = Type.Union([Type.String({ minLength: 1 }), InitObject], {
  expected: 'an initializer name or {"name": …, options}',
  description: 'weight initializer: a name, or {"name": …} with options',
});

export const ActivationValue = Type.Union(
  [
    ActivationNameSchema,
    Type.Object(
      { name: ActivationNameSchema, alpha: Type.Optional(nonNegNum('leaky_relu slope / elu alpha')) },
      { additionalProperties: false },
    ),
  ],
  { expected: 'an activation name or {"name": …, "alpha": …}' },
);

const Downsample = Type.Object(
  {
    at: Type.Array(int(1, '1-based conv layer index'), {
      description: 'conv layers after which the spatial size halves; indices beyond a run\'s depth are ignored',
    }),
    mode: Type.Optional(names(DOWNSAMPLE_MODES, 'downsample mode', 'stride-2 conv, or 2×2 max/avg pool')),
  },
  { additionalProperties: false },
);

const Input = Type.Object(
  {
    height: Type.Optional(int(1, 'input height in pixels')),
    width: Type.Optional(int(1, 'input width in pixels')),
    channels: Type.Optional(int(1, 'input channels')),
  },
  { additionalProperties: false },
);

const Probe = Type.Object(
  {
    batch: Type.Optional(int(1, 'examples in the probe batch')),
    source: Type.Optional(names(['gaussian', 'data'] as const, 'probe source', 'Gaussian noise or a batch of the run\'s data')),
    inputStd: Type.Optional(posNum('std of the Gaussian probe input')),
    atSteps: Type.Optional(Type.Array(int(0, 'training step'), { description: 'training steps at which to probe again' })),
    correlation: Type.Optional(
      Type.Union(
        [
          Type.Null(),
          Type.Object(
            {
              pairs: Type.Optional(int(2, 'pairs of inputs (the standard error comes from their spread)')),
              inputCorrelation: Type.Optional(Type.Number({ minimum: -1, maximum: 1, description: 'correlation c₀ of each pair\'s input entries' })),
            },
            { additionalProperties: false },
          ),
        ],
        { expected: 'null or {"pairs": n ≥ 2, "inputCorrelation": c in [-1, 1]}', description: 'measure the correlation map between paired inputs (null: off)' },
      ),
    ),
    jacobian: Type.Optional(
      Type.Union(
        [
          Type.Null(),
          Type.Object(
            {
              method: names(JACOBIAN_METHODS, 'Jacobian method', 'exact singular values, or moments from random projections'),
              projections: Type.Optional(int(2, 'random projections (method "projection")')),
            },
            { additionalProperties: false },
          ),
        ],
        { expected: 'null or {"method": "exact"|"projection", "projections": n ≥ 2}', description: 'measure the Jacobian spectrum at init (null: off)' },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * The `bias` axis: whether conv layers have a bias and how it starts. true/false as before (zeros); an
 * initializer implies a bias. {"sigmaB2": v} is normal with std √v (the phase diagram's σ_b²).
 */
const strictObj = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });
const BiasValue = Type.Union(
  [
    Type.Boolean(),
    Type.Literal('zeros'),
    strictObj({ init: Type.Literal('zeros') }),
    strictObj({ init: Type.Literal('normal'), std: nonNegNum('σ_b: standard deviation of every conv bias') }),
    strictObj({ sigmaB2: nonNegNum('σ_b² = Var(b): normal biases of std √σ_b²') }),
    strictObj({ init: Type.Literal('constant'), value: Type.Number({ description: 'every conv bias starts at this value' }) }),
  ],
  {
    expected: 'true, false, "zeros", {"init": "normal", "std": σ_b ≥ 0}, {"sigmaB2": v ≥ 0} or {"init": "constant", "value": v}',
    description: 'conv layers have a bias (true/false: zero-initialized), or the biases\' initializer (implies a bias)',
  },
);

const SyntheticData = Type.Object(
  {
    kind: Type.Literal('synthetic'),
    difficulty: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: '0 = easy, 1 = hard' })),
    classes: Type.Optional(int(2, 'number of classes')),
    trainSize: Type.Optional(int(1, 'training images')),
    testSize: Type.Optional(int(1, 'held-out images')),
  },
  { additionalProperties: false },
);
const CifarData = Type.Object(
  {
    kind: Type.Literal('cifar10'),
    trainSize: Type.Optional(int(1, 'training images (≤ 50000)', { maximum: 50000 })),
    testSize: Type.Optional(int(1, 'held-out images (≤ 10000)', { maximum: 10000 })),
    augment: Type.Optional(Type.Boolean({ description: 'random flips and crops' })),
  },
  { additionalProperties: false },
);
const Data = Type.Union([Type.Null(), SyntheticData, CifarData], {
  expected: 'null, {"kind": "synthetic", …} or {"kind": "cifar10", …}',
  description: 'training/probe data, or null for none',
});

const Schedule = Type.Union(
  [
    names(['constant', 'cosine', 'step'] as const, 'schedule', 'learning-rate schedule ("step": ×0.1 every steps/3)'),
    Type.Object({ kind: Type.Literal('constant') }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('cosine') }, { additionalProperties: false }),
    Type.Object(
      {
        kind: Type.Literal('step'),
        every: Type.Optional(int(1, 'steps between decays')),
        factor: Type.Optional(posNum('lr multiplier at each decay')),
      },
      { additionalProperties: false },
    ),
  ],
  { expected: '"constant", "cosine", "step", or {"kind": "constant"|"cosine"|"step", …}' },
);

const Train = Type.Union(
  [
    Type.Null(),
    Type.Object(
      {
        optimizer: Type.Optional(names(OPTIMIZERS, 'optimizer', 'sgd, sgd with momentum, or adam')),
        lr: Type.Optional(posNum('learning rate')),
        momentum: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'momentum of the momentum optimizer (sgd and adam ignore it)' })),
        weightDecay: Type.Optional(nonNegNum('L2 weight decay')),
        schedule: Type.Optional(Schedule),
        warmupSteps: Type.Optional(int(0, 'linear warm-up steps')),
        batchSize: Type.Optional(int(1, 'examples per step')),
        steps: Type.Optional(int(1, 'training steps')),
        evalEvery: Type.Optional(int(1, 'steps between held-out evaluations')),
        targetAccuracy: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'held-out accuracy counted as reached' })),
      },
      { additionalProperties: false },
    ),
  ],
  { expected: 'null or an object of training settings' },
);

/** Every axis a run has; each is optional in defaults, exclude and include. */
const axisSchemas = {
  init: InitValue,
  activation: ActivationValue,
  arch: Type.Union(
    [
      names(ARCH_KINDS, 'architecture', 'plain | batchnorm | residual | residual-bn'),
      Type.Object(
        {
          kind: Type.Literal('model'),
          path: Type.String({ minLength: 1, description: 'a tfjs Layers model.json (or a Keras-converted one), relative to this suite file' }),
        },
        { additionalProperties: false },
      ),
    ],
    {
      expected: '"plain", "batchnorm", "residual", "residual-bn" or {"kind": "model", "path": "…/model.json"}',
      description: 'a built-in architecture, or your own model file (see "Check your own model" in the README)',
    },
  ),
  depth: int(1, 'conv layers (the stem counts; residual blocks hold 2)'),
  width: int(1, 'channels of every conv layer'),
  kernel: int(1, 'square kernel size'),
  padding: names(['same', 'valid'] as const, 'padding', 'conv padding'),
  bias: BiasValue,
  downsample: Downsample,
  head: names(['gap-dense', 'none'] as const, 'head', 'global-average-pool + dense classifier, or none'),
  classes: int(2, 'classifier outputs'),
  input: Input,
  probe: Type.Union([Type.Null(), Probe], { expected: 'null or an object of probe settings' }),
  data: Data,
  train: Train,
} as const;

export type AxisName = keyof typeof axisSchemas;
export const AXIS_NAMES = Object.keys(axisSchemas) as AxisName[];

/** The same properties, each an array of its values (a matrix axis). */
function axesOf<T extends Record<string, TSchema>>(o: T): { [K in keyof T]: TArray<T[K]> } {
  return Object.fromEntries(
    Object.entries(o).map(([k, s]) => [k, Type.Array(s, { minItems: 1, description: `values of the ${k} axis` })]),
  ) as { [K in keyof T]: TArray<T[K]> };
}

const Point = Type.Partial(Type.Object(axisSchemas), { additionalProperties: false });

const Matrix = Type.Partial(Type.Object(axesOf(axisSchemas)), {
  additionalProperties: false,
  minProperties: 1,
  expected: 'a non-empty object of axes, e.g. {"depth": [1, 10]}',
  description: 'axes whose product gives the runs',
});

export const SuiteSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({
      pattern: '^[a-z0-9][a-z0-9._-]*$',
      expected: 'a name of lowercase letters, digits, ".", "_" or "-"',
      description: 'suite name; default results dir is results/<name>/',
    }),
    description: Type.String({ description: 'what the study asks' }),
    summary: Type.Optional(
      Type.String({ minLength: 1, maxLength: 72, pattern: '^[^\\n]*$', expected: 'one line of at most 72 characters', description: 'one line for `initbench list`' }),
    ),
    seed: int(1, 'suite seed (non-zero); every run\'s seed derives from it', { maximum: 2147483647 }),
    seeds: Type.Optional(int(1, 'repeats of every matrix point with different seeds', { maximum: 10000 })),
    defaults: Type.Optional(Point),
    matrix: Matrix,
    exclude: Type.Optional(Type.Array(Point, { description: 'matrix points matching any of these are dropped' })),
    include: Type.Optional(Type.Array(Point, { description: 'extra points, each over the defaults' })),
  },
  {
    additionalProperties: false,
    title: 'initbench suite',
    expected: 'a suite object',
  },
);

export type SuiteSpec = Static<typeof SuiteSchema>;
export type SuitePoint = Static<typeof Point>;

/** The schema as plain JSON (what suites/schema.json holds). */
export function suiteJsonSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(SuiteSchema)) };
}

/** suites/schema.json's exact text. */
export function suiteJsonSchemaText(): string {
  return JSON.stringify(suiteJsonSchema(), null, 2) + '\n';
}

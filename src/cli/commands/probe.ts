/**
 * `initbench probe`: one architecture, a few seeds, per-layer statistics at init beside the theory.
 * The flags form a one-point suite planned by src/suite, so every default is a suite's
 * (BUILTIN_DEFAULTS: depth 10, width 64, no bias, no head, Gaussian probe batch of std 1).
 */
import type { CommandModule } from 'yargs';
import type { ArchKind, BuiltinRunSpec, RunSpec } from '../../core/types.ts';
import { InputError, inputError, unknownNameMessage } from '../../core/errors.ts';
import { ACTIVATION_NAMES, normalizeInitSpec } from '../../init/index.ts';
import type { AggregateProbe, Spread } from '../../probe/index.ts';
import { ABSURD_DEPTH, ABSURD_INPUT, ABSURD_WIDTH, ARCH_KINDS, BUILTIN_DEFAULTS } from '../../suite/defaults.ts';
import type { SuitePoint } from '../../suite/schema.ts';
import { backendFlag, parseActivation, parseBackend, typedToken, wholeNumber } from '../options.ts';
import { fmtNum, formatTable } from '../table.ts';


/** yargs gives numbers; the parsers also take the flag's text, which is what tests pass and what they check. */
interface Args {
  init?: string;
  activation?: string;
  alpha?: number;
  depth?: number | string;
  width?: number | string;
  arch?: string;
  kernel?: number | string;
  size?: number | string;
  channels?: number | string;
  batch?: number | string;
  'input-std'?: number | string;
  head?: string;
  classes?: number | string;
  bias?: boolean;
  seeds: number | string;
  seed: number | string;
  backend: string;
  json: boolean;
  model?: string;
  'init-map'?: string;
  data?: string;
  'data-dir'?: string;
  diagnose?: boolean;
}

function positiveNumber(flag: string, raw: unknown): number {
  const v = typedToken(flag, raw);
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw inputError({ flag, expected: 'a number > 0', got: v });
  return n;
}

/** `he-normal`, or a JSON object such as `{"name":"orthogonal","gain":1.2}`; checked here so errors name the flag. */
function parseInit(v: string): NonNullable<SuitePoint['init']> {
  let raw: unknown = v;
  if (v.trim().startsWith('{')) {
    try {
      raw = JSON.parse(v);
    } catch (e) {
      throw inputError({ flag: 'init', expected: 'an initializer name or a JSON object', got: v, hint: (e as Error).message });
    }
  }
  normalizeInitSpec(raw, { flags: true });
  return raw as NonNullable<SuitePoint['init']>;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** What the command shows: the one-point plan's runs (one per seed) and, for the header, their shared settings. */
export interface ProbeCliOptions extends Pick<BuiltinRunSpec, 'init' | 'activation' | 'arch' | 'input'> {
  batch: number;
  inputStd: number;
  seeds: number;
  seed: number;
  specs: RunSpec[];
}

/**
 * Flags → a one-point suite → the planner (src/suite), so probe has the defaults, validation and run
 * ids of \`run\`; only the flags given override the suite defaults.
 */
export async function parseProbeArgs(a: Args): Promise<ProbeCliOptions> {
  const point: Writable<SuitePoint> = {};
  if (a.init !== undefined) point.init = parseInit(a.init);
  if (a.activation !== undefined || a.alpha !== undefined) point.activation = parseActivation(a.activation ?? BUILTIN_DEFAULTS.activation, a.alpha);
  if (a.arch !== undefined) {
    if (!(ARCH_KINDS as readonly string[]).includes(a.arch)) {
      throw new InputError(`--arch: ${unknownNameMessage('architecture', a.arch, ARCH_KINDS)}`, { flag: 'arch' });
    }
    point.arch = a.arch as ArchKind;
  }
  if (a.head !== undefined) {
    if (a.head !== 'none' && a.head !== 'gap-dense') throw inputError({ flag: 'head', expected: 'none or gap-dense', got: a.head });
    point.head = a.head;
  }
  if (a.depth !== undefined) point.depth = wholeNumber('depth', a.depth, 1, ABSURD_DEPTH - 1);
  const kind = point.arch ?? BUILTIN_DEFAULTS.arch;
  const depth = point.depth ?? BUILTIN_DEFAULTS.depth;
  if ((kind === 'residual' || kind === 'residual-bn') && (depth < 3 || depth % 2 === 0)) {
    throw inputError({ flag: 'depth', expected: `an odd depth ≥ 3 for --arch ${kind} (a stem plus blocks of two convs)`, got: a.depth ?? depth });
  }
  if (a.width !== undefined) point.width = wholeNumber('width', a.width, 1, ABSURD_WIDTH - 1);
  if (a.kernel !== undefined) point.kernel = wholeNumber('kernel', a.kernel, 1);
  if (a.classes !== undefined) point.classes = wholeNumber('classes', a.classes, 2);
  if (a.bias !== undefined) point.bias = a.bias;
  const input: Writable<NonNullable<SuitePoint['input']>> = {};
  if (a.size !== undefined) input.height = input.width = wholeNumber('size', a.size, 1, ABSURD_INPUT - 1);
  if (a.channels !== undefined) input.channels = wholeNumber('channels', a.channels, 1, ABSURD_INPUT - 1);
  if (Object.keys(input).length > 0) point.input = input;
  const probe: Writable<NonNullable<SuitePoint['probe']>> = {};
  if (a.batch !== undefined) probe.batch = wholeNumber('batch', a.batch, 1);
  if (a['input-std'] !== undefined) probe.inputStd = positiveNumber('input-std', a['input-std']);
  if (Object.keys(probe).length > 0) point.probe = probe;
  const seeds = wholeNumber('seeds', a.seeds, 1, 1000);
  // a suite's seed rules: non-zero (tfjs reads 0 as "random"), a positive int32
  const seed = wholeNumber('seed', a.seed, 1, 2147483647);
  // the planner (the suite schema and its validator) loads only now, not for --help
  const { planPoint } = await import('../../suite/index.ts');
  const plan = planPoint(point, { name: 'probe', description: 'initbench probe', seed, seeds, file: 'probe flags' });
  const first = plan.runs[0]!;
  if (first.probe === null || first.arch.kind === 'model') throw new Error('a probe plan has a probe spec and a built-in net');
  return {
    init: first.init,
    activation: first.activation,
    arch: first.arch,
    input: first.input,
    batch: first.probe.batch,
    inputStd: first.probe.inputStd,
    seeds,
    seed,
    specs: plan.runs,
  };
}

/** The RunSpec of repeat r, as \`run\` would plan it. */
export function probeRunSpec(o: ProbeCliOptions, repeat: number): RunSpec {
  const spec = o.specs[repeat];
  if (spec === undefined) throw new RangeError(`probe planned ${o.specs.length} repeats, not ${repeat + 1}`);
  return spec;
}

/** mean ± sd; a variance's sd as a share of its mean, which reads at a glance and keeps the column narrow */
const pm = (s: Spread): string => (s.mean === null ? '-' : s.sd === null ? fmtNum(s.mean) : `${fmtNum(s.mean)} ± ${fmtNum(s.sd)}`);
const pmRel = (s: Spread): string =>
  s.mean === null ? '-' : s.sd === null || s.mean === 0 ? pm(s) : `${fmtNum(s.mean)} ±${(Math.abs(s.sd / s.mean) * 100).toFixed(1)}%`;

export function formatProbe(o: ProbeCliOptions, agg: AggregateProbe, backend: string, width?: number): string {
  const act = o.activation.alpha !== undefined ? `${o.activation.name}(${o.activation.alpha})` : o.activation.name;
  const w = width !== undefined ? { width } : {};
  const R = 'right' as const;
  const forward = formatTable(
    [{ header: 'layer' }, { header: 'pre var', align: R }, { header: 'theory', align: R }, { header: 'band (±2σ)', align: R }, { header: 'post var', align: R }, { header: 'dead', align: R }, { header: 'sat', align: R }],
    agg.layers.map((l) => [
      l.name,
      pmRel(l.stats['pre.variance']),
      fmtNum(l.theory.preVariance),
      l.theory.preVarianceBand === null ? '-' : `${fmtNum(l.theory.preVarianceBand[0])} … ${fmtNum(l.theory.preVarianceBand[1])}`,
      pmRel(l.stats['post.variance']),
      fmtNum(l.stats.deadFraction.mean),
      fmtNum(l.stats.saturatedFraction.mean),
    ]),
    {
      ...w,
      title: [
        `probe: ${o.init.name} + ${act}, ${o.arch.kind} depth ${o.arch.depth} width ${o.arch.width} kernel ${o.arch.kernel}, ` +
          `${o.input.height}×${o.input.width}×${o.input.channels} input, batch ${o.batch} of N(0, ${o.inputStd}²), ` +
          `${agg.results} seed${agg.results === 1 ? '' : 's'} (mean ± sd), ${backend}`,
        'band: finite-width spread of one draw of the layer (Hanin & Rolnick), from src/theory; none with batch norm',
      ],
    },
  );
  const backward = formatTable(
    [{ header: 'layer' }, { header: 'pre mean', align: R }, { header: 'post mean', align: R }, { header: 'grad pre var', align: R }, { header: 'theory', align: R }, { header: 'grad W var', align: R }],
    agg.layers.map((l) => [
      l.name,
      pm(l.stats['pre.mean']),
      pm(l.stats['post.mean']),
      pmRel(l.stats['gradPre.variance']),
      fmtNum(l.theory.gradPreVariance),
      pmRel(l.stats['gradWeight.variance']),
    ]),
    { ...w, title: [`means; gradients: backward from a unit-variance Gaussian cotangent at the ${o.arch.head === 'none' ? 'last activation' : 'logits'}`] },
  );
  const s = agg.summary;
  const range = (x: Spread): string => (x.min !== null && x.max !== null && x.n > 1 ? ` [${fmtNum(x.min)} … ${fmtNum(x.max)}]` : '');
  const summary = formatTable(
    [{ header: 'summary' }, { header: 'measured', align: R }, { header: 'seeds range', align: R }, { header: 'theory', align: R }],
    [
      ['perLayerRatio', pm(s.perLayerRatio), range(s.perLayerRatio).trim(), fmtNum(s.theoryPerLayerRatio)],
      ['lastOverFirst', pm(s.lastOverFirst), range(s.lastOverFirst).trim(), fmtNum(s.theoryLastOverFirst)],
    ],
    { ...w, title: [`perLayerRatio: geometric mean of Var(z_l)/Var(z_{l−1}), l = 2..${o.arch.depth}`] },
  );
  return `${forward}\n${backward}\n${summary}`;
}

export const probeCommand: CommandModule<object, Args> = {
  builder: (y) =>
    y
      .option('init', { type: 'string', describe: `initializer name (see \`initbench list\`) or a JSON object with options (default ${BUILTIN_DEFAULTS.init}; with --model: keep, the model's own)` })
      .option('activation', { type: 'string', choices: ACTIVATION_NAMES, describe: `activation (default ${BUILTIN_DEFAULTS.activation})` })
      .option('alpha', { type: 'number', describe: 'leaky_relu slope or elu alpha' })
      .option('depth', { type: 'number', describe: `conv layers (default ${BUILTIN_DEFAULTS.depth}, as in suites)` })
      .option('width', { type: 'number', describe: `channels per conv layer (default ${BUILTIN_DEFAULTS.width})` })
      .option('arch', { type: 'string', choices: ARCH_KINDS, describe: `architecture (default ${BUILTIN_DEFAULTS.arch})` })
      .option('kernel', { type: 'number', describe: `square kernel size (default ${BUILTIN_DEFAULTS.kernel})` })
      .option('size', { type: 'number', describe: `input height and width (default ${BUILTIN_DEFAULTS.input.height})` })
      .option('channels', { type: 'number', describe: `input channels (default ${BUILTIN_DEFAULTS.input.channels})` })
      .option('batch', { type: 'number', describe: `probe batch size (default ${BUILTIN_DEFAULTS.probe.batch})` })
      .option('input-std', { type: 'number', describe: `std of the Gaussian probe input (default ${BUILTIN_DEFAULTS.probe.inputStd})` })
      .option('head', { type: 'string', choices: ['none', 'gap-dense'], describe: 'none: cotangent on the last activation (the default); gap-dense: on --classes logits' })
      .option('bias', { type: 'boolean', describe: 'conv biases (zero at init; default: none)' })
      .option('classes', { type: 'number', describe: 'logits of the gap-dense head (default 10)' })
      .option('seeds', { type: 'number', default: 3, describe: 'repeats with different seeds' })
      .option('seed', { type: 'number', default: 1, describe: 'suite seed (1..2147483647); each repeat\'s seed derives from it as in a suite' })
      .option('backend', backendFlag)
      .option('json', { type: 'boolean', default: false, describe: 'print JSON (specs, per-seed results, aggregate)' })
      .option('model', { type: 'string', describe: 'a tfjs Layers model.json (weights beside it), a Keras-converted one, or a topology-only JSON: probe and diagnose it' })
      .option('init-map', { type: 'string', describe: 'with --model: per-layer initializers, layer=NAME,layer=NAME (--init keep|NAME sets the rest)' })
      .option('data', { type: 'string', choices: ['gaussian', 'synthetic', 'cifar10'], describe: 'with --model: the probe batch (default gaussian, std --input-std)' })
      .option('data-dir', { type: 'string', describe: 'with --model --data cifar10: where CIFAR-10 is (default data)' })
      .option('diagnose', { type: 'boolean', describe: 'with --model: the diagnosis and a re-probe with its recommendation (default true; --no-diagnose skips)' })
      .example('$0 probe --init xavier-normal --depth 30', 'Xavier + ReLU loses half the variance per layer')
      .example('$0 probe --arch residual --depth 31 --seeds 5 --json', 'a residual net (He init), five seeds, as JSON')
      .example('$0 probe --model examples/models/vgg-plain/model.json', 'your own tfjs model: per-layer statistics, the diagnosis, before/after the recommended init') as never,
  handler: async (args) => {
    if (args.model !== undefined) {
      const { runModelProbe } = await import('./probe-model.ts');
      await runModelProbe(args as never);
      return;
    }
    for (const f of ['init-map', 'data', 'data-dir', 'diagnose'] as const) {
      if (args[f] !== undefined) throw new InputError(`--${f}: only with --model`, { flag: f });
    }
    const opts = await parseProbeArgs(args);
    // tfjs loads only once the flags are good
    const { readyBackend } = await import('../../backend/index.ts');
    const { probeSpecs } = await import('../../probe/index.ts');
    const backend = await readyBackend(parseBackend(args.backend));
    const { aggregate, results } = await probeSpecs(opts.specs);
    if (args.json) {
      const spec = { ...opts.specs[0]!, id: undefined, seed: undefined, repeat: undefined };
      process.stdout.write(JSON.stringify({ backend: backend.name, tfjs: backend.tfjs, seeds: opts.specs.map((s) => s.seed), ids: opts.specs.map((s) => s.id), spec, aggregate, results }, null, 2) + '\n');
      return;
    }
    process.stdout.write(formatProbe(opts, aggregate, backend.detail));
  },
};

/**
 * `initbench probe`: one architecture, a few seeds, per-layer statistics at init beside the theory.
 * Defaults match a suite's (src/suite BUILTIN_DEFAULTS): no bias, no head (the cotangent sits on the
 * last activation), Gaussian probe batch of std 1.
 */
import type { CommandModule } from 'yargs';
import * as tf from '@tensorflow/tfjs';
import type { ActivationSpec, ArchKind, ArchSpec, InitSpec, RunSpec } from '../../core/types.ts';
import { InputError, inputError, unknownNameMessage } from '../../core/errors.ts';
import { deriveSeed } from '../../core/rng.ts';
import { readyBackend } from '../../backend/index.ts';
import { ACTIVATION_NAMES, normalizeInitSpec } from '../../init/index.ts';
import { buildRunModel, validateArch } from '../../model/index.ts';
import { aggregateProbes, makeProbeBatch, probeRun, type AggregateProbe, type Spread } from '../../probe/index.ts';
import { ABSURD_DEPTH, ARCH_KINDS } from '../../suite/index.ts';
import { backendFlag, parseActivation, parseBackend, wholeNumber } from '../options.ts';


interface Args {
  init: string;
  activation: string;
  alpha?: number;
  depth: string;
  width: string;
  arch: string;
  kernel: string;
  size: string;
  channels: string;
  batch: string;
  'input-std': string;
  head: string;
  bias: boolean;
  seeds: string;
  seed: string;
  backend: string;
  json: boolean;
}

function positiveNumber(flag: string, v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw inputError({ flag, expected: 'a number > 0', got: v });
  return n;
}

/** `he-normal`, or a JSON object such as `{"name":"orthogonal","gain":1.2}`. */
function parseInit(v: unknown): InitSpec {
  if (typeof v === 'string' && v.trim().startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(v);
    } catch (e) {
      throw inputError({ flag: 'init', expected: 'an initializer name or a JSON object', got: v, hint: (e as Error).message });
    }
    return normalizeInitSpec(raw, { flags: true });
  }
  return normalizeInitSpec(v, { flags: true });
}

export interface ProbeCliOptions {
  init: InitSpec;
  activation: ActivationSpec;
  arch: ArchSpec;
  input: { height: number; width: number; channels: number };
  batch: number;
  inputStd: number;
  seeds: number;
  seed: number;
}

export function parseProbeArgs(a: Args): ProbeCliOptions {
  const init = parseInit(a.init);
  const activation = parseActivation(a.activation, a.alpha);
  if (!(ARCH_KINDS as readonly string[]).includes(a.arch)) {
    throw new InputError(`--arch: ${unknownNameMessage('architecture', a.arch, ARCH_KINDS)}`, { flag: 'arch' });
  }
  if (a.head !== 'none' && a.head !== 'gap-dense') throw inputError({ flag: 'head', expected: 'none or gap-dense', got: a.head });
  const kind = a.arch as ArchKind;
  const depth = wholeNumber('depth', a.depth, 1, ABSURD_DEPTH - 1);
  if ((kind === 'residual' || kind === 'residual-bn') && (depth < 3 || depth % 2 === 0)) {
    throw inputError({ flag: 'depth', expected: `an odd depth ≥ 3 for --arch ${kind} (a stem plus blocks of two convs)`, got: a.depth });
  }
  const size = wholeNumber('size', a.size, 1);
  const arch: ArchSpec = {
    kind,
    depth,
    width: wholeNumber('width', a.width, 1),
    kernel: wholeNumber('kernel', a.kernel, 1),
    padding: 'same',
    bias: a.bias,
    downsample: { at: [], mode: 'stride' },
    head: a.head,
    classes: 10,
  };
  const input = { height: size, width: size, channels: wholeNumber('channels', a.channels, 1) };
  validateArch(arch, input);
  return {
    init,
    activation,
    arch,
    input,
    batch: wholeNumber('batch', a.batch, 1),
    inputStd: positiveNumber('input-std', a['input-std']),
    seeds: wholeNumber('seeds', a.seeds, 1, 1000),
    seed: wholeNumber('seed', a.seed, 0, 0xffffffff),
  };
}

/** The RunSpec of repeat r: seed deriveSeed(base, 'probe', r), never 0. */
export function probeRunSpec(o: ProbeCliOptions, repeat: number): RunSpec {
  const seed = deriveSeed(o.seed, 'probe', repeat);
  return {
    id: `probe-${seed}`,
    suite: 'cli-probe',
    seed,
    repeat,
    init: o.init,
    activation: o.activation,
    arch: o.arch,
    input: o.input,
    probe: { batch: o.batch, source: 'gaussian', inputStd: o.inputStd, atSteps: [] },
    data: null,
    train: null,
  };
}

export async function runProbe(o: ProbeCliOptions): Promise<{ specs: RunSpec[]; aggregate: AggregateProbe; results: Awaited<ReturnType<typeof probeRun>>[] }> {
  const specs = Array.from({ length: o.seeds }, (_, r) => probeRunSpec(o, r));
  const results = [];
  for (const spec of specs) {
    const batch = makeProbeBatch(spec);
    const built = await buildRunModel(spec, { lsuvBatch: batch });
    try {
      results.push(await probeRun(spec, built, batch, 0));
    } finally {
      built.dispose();
      batch.dispose();
    }
  }
  return { specs, aggregate: aggregateProbes(results), results };
}

const num = (x: number | null): string => {
  if (x === null) return '-';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e4 ? x.toPrecision(4) : x.toExponential(2);
};
const pm = (s: Spread): string => (s.mean === null ? '-' : s.sd === null ? num(s.mean) : `${num(s.mean)} ± ${num(s.sd)}`);

export function formatProbe(o: ProbeCliOptions, agg: AggregateProbe, backend: string): string {
  const act = o.activation.alpha !== undefined ? `${o.activation.name}(${o.activation.alpha})` : o.activation.name;
  const lines: string[] = [];
  lines.push(
    `probe: ${o.init.name} + ${act}, ${o.arch.kind} depth ${o.arch.depth} width ${o.arch.width} kernel ${o.arch.kernel}, ` +
      `${o.input.height}×${o.input.width}×${o.input.channels} input, batch ${o.batch} of N(0, ${o.inputStd}²), ` +
      `${agg.results} seed${agg.results === 1 ? '' : 's'} (mean ± sd), ${backend}`,
  );
  lines.push(`gradients: backward from a unit-variance Gaussian cotangent at the ${o.arch.head === 'none' ? 'last activation' : 'logits'}`);
  lines.push('band: finite-width spread of one draw of the layer (Hanin & Rolnick), from src/theory; none with batch norm');
  const header = ['layer', 'pre var', 'theory', 'band (±2σ)', 'pre mean', 'post var', 'post mean', 'dead', 'sat', 'grad pre var', 'theory', 'grad W var'];
  const rows = agg.layers.map((l) => [
    l.name,
    pm(l.stats['pre.variance']),
    num(l.theory.preVariance),
    l.theory.preVarianceBand === null ? '-' : `${num(l.theory.preVarianceBand[0])} … ${num(l.theory.preVarianceBand[1])}`,
    pm(l.stats['pre.mean']),
    pm(l.stats['post.variance']),
    pm(l.stats['post.mean']),
    l.stats.deadFraction.mean === null ? '-' : l.stats.deadFraction.mean.toFixed(3),
    l.stats.saturatedFraction.mean === null ? '-' : l.stats.saturatedFraction.mean.toFixed(3),
    pm(l.stats['gradPre.variance']),
    num(l.theory.gradPreVariance),
    pm(l.stats['gradWeight.variance']),
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const fmtRow = (r: string[]): string => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');
  lines.push(fmtRow(header));
  for (const r of rows) lines.push(fmtRow(r));
  const s = agg.summary;
  const range = (x: Spread): string => (x.min !== null && x.max !== null && x.n > 1 ? ` [${num(x.min)} … ${num(x.max)}]` : '');
  lines.push('summary');
  lines.push(`  perLayerRatio  ${pm(s.perLayerRatio)}${range(s.perLayerRatio)}   theory ${num(s.theoryPerLayerRatio)}   (geometric mean of Var(z_l)/Var(z_{l−1}), l = 2..${o.arch.depth})`);
  lines.push(`  lastOverFirst  ${pm(s.lastOverFirst)}${range(s.lastOverFirst)}   theory ${num(s.theoryLastOverFirst)}`);
  return lines.join('\n') + '\n';
}

export const probeCommand: CommandModule<object, Args> = {
  command: 'probe',
  describe: 'probe one net at init: per-layer variances, dead/saturated units and gradients, beside the theory',
  builder: (y) =>
    y
      .option('init', { type: 'string', default: 'he-normal', describe: 'initializer name (see `initbench list`) or a JSON object with options' })
      .option('activation', { type: 'string', default: 'relu', describe: `activation: ${ACTIVATION_NAMES.join(' | ')}` })
      .option('alpha', { type: 'number', describe: 'leaky_relu slope or elu alpha' })
      .option('depth', { type: 'string', default: '30', describe: 'conv layers' })
      .option('width', { type: 'string', default: '64', describe: 'channels per conv layer' })
      .option('arch', { type: 'string', default: 'plain', describe: `architecture: ${ARCH_KINDS.join(' | ')}` })
      .option('kernel', { type: 'string', default: '3', describe: 'square kernel size' })
      .option('size', { type: 'string', default: '32', describe: 'input height and width' })
      .option('channels', { type: 'string', default: '3', describe: 'input channels' })
      .option('batch', { type: 'string', default: '32', describe: 'probe batch size' })
      .option('input-std', { type: 'string', default: '1', describe: 'std of the Gaussian probe input' })
      .option('head', { type: 'string', default: 'none', describe: 'none (cotangent on the last activation) | gap-dense (10 logits)' })
      .option('bias', { type: 'boolean', default: false, describe: 'conv biases (zero at init)' })
      .option('seeds', { type: 'string', default: '3', describe: 'repeats with different seeds' })
      .option('seed', { type: 'string', default: '1', describe: 'base seed; repeat r uses deriveSeed(seed, "probe", r)' })
      .option('backend', backendFlag)
      .option('json', { type: 'boolean', default: false, describe: 'print JSON (specs, per-seed results, aggregate)' }) as never,
  handler: async (args) => {
    const opts = parseProbeArgs(args);
    const backend = await readyBackend(parseBackend(args.backend));
    const { specs, aggregate, results } = await runProbe(opts);
    if (args.json) {
      process.stdout.write(
        JSON.stringify({ backend: backend.name, tfjs: tf.version_core, seeds: specs.map((s) => s.seed), spec: { ...specs[0]!, id: undefined, seed: undefined, repeat: undefined }, aggregate, results }, null, 2) + '\n',
      );
      return;
    }
    process.stdout.write(formatProbe(opts, aggregate, backend.detail));
  },
};

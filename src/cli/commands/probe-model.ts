/**
 * `initbench probe --model PATH`: a user's tfjs Layers model probed at init (src/usermodel), the
 * diagnosis, and a re-probe with the recommended initializers, before and after side by side.
 * Loaded by probe.ts's handler only when --model is given; every flag and the model file are checked
 * before tfjs loads, so a bad input is one line and exit 2.
 */
import type { DataSpec, InitSpec } from '../../core/types.ts';
import { InputError, inputError } from '../../core/errors.ts';
import { deriveSeed } from '../../core/rng.ts';
import { normalizeInitSpec } from '../../init/index.ts';
import { overrideTargets, readUserTopology, type InitOverride, type UserTopology } from '../../usermodel/topology.ts';
import type { Diagnosis } from '../../usermodel/diagnose.ts';
import type { AggregateProbe } from '../../probe/probe.ts';
import { BUILTIN_DEFAULTS } from '../../suite/defaults.ts';
import { parseBackend, typedToken, wholeNumber } from '../options.ts';
import { fmtNum, formatTable } from '../table.ts';

export interface ModelProbeArgs {
  model: string;
  init?: string;
  'init-map'?: string;
  data?: string;
  'data-dir'?: string;
  batch?: number | string;
  'input-std'?: number | string;
  seeds: number | string;
  seed: number | string;
  diagnose?: boolean;
  backend: string;
  json: boolean;
  /** the built-in net's flags, refused with --model */
  [flag: string]: unknown;
}

/** Flags that describe initbench's own nets: the model file fixes all of them. */
const ARCH_FLAGS = ['depth', 'width', 'arch', 'kernel', 'size', 'channels', 'head', 'bias', 'classes', 'activation', 'alpha'] as const;

export interface ModelProbeOptions {
  topology: UserTopology;
  init: InitOverride;
  /** how the flags named it, for the header */
  initLabel: string;
  data: { kind: 'gaussian'; std: number } | { kind: 'synthetic' | 'cifar10'; dataDir: string };
  batch: number;
  seeds: number[];
  diagnose: boolean;
  backend: ReturnType<typeof parseBackend>;
}

function initSpec(flag: 'init' | 'init-map', name: string): InitSpec {
  try {
    return normalizeInitSpec(name.trim(), { flags: true });
  } catch (e) {
    if (e instanceof InputError && flag === 'init-map') throw new InputError(e.message.replace(/^--init\b/, '--init-map'), { flag });
    throw e;
  }
}

/** Flags → options; reads the model file (tfjs-free), so a bad file fails here. */
export function parseModelProbeArgs(a: ModelProbeArgs): ModelProbeOptions {
  for (const f of ARCH_FLAGS) {
    if (a[f] !== undefined) throw new InputError(`--${f}: not with --model (the model file fixes the architecture and its activations)`, { flag: f });
  }
  if (typeof a.model !== 'string' || a.model.trim() === '') throw inputError({ flag: 'model', expected: 'a path to a model.json', got: a.model });
  const topology = readUserTopology(a.model);
  const all: InitSpec | 'keep' = a.init === undefined || a.init.trim() === 'keep' ? 'keep' : initSpec('init', a.init);
  const perLayer: Record<string, InitSpec> = {};
  if (a['init-map'] !== undefined) {
    for (const part of a['init-map'].split(',').filter((p) => p.trim() !== '')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw inputError({ flag: 'init-map', expected: 'layer=NAME pairs separated by commas', got: part });
      perLayer[part.slice(0, eq).trim()] = initSpec('init-map', part.slice(eq + 1));
    }
  }
  const init: InitOverride = Object.keys(perLayer).length > 0 ? { all, perLayer } : { all };
  overrideTargets(topology, init);
  const seeds = wholeNumber('seeds', a.seeds, 1, 1000);
  const seed = wholeNumber('seed', a.seed, 1, 2147483647);
  const batch = a.batch === undefined ? BUILTIN_DEFAULTS.probe.batch : wholeNumber('batch', a.batch, 1, 4096);
  let data: ModelProbeOptions['data'];
  const kind = a.data ?? 'gaussian';
  if (kind === 'gaussian') {
    const raw = typedToken('input-std', a['input-std'] ?? 1);
    const std = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isFinite(std) || std <= 0) throw inputError({ flag: 'input-std', expected: 'a number > 0', got: raw });
    data = { kind: 'gaussian', std };
  } else if (kind === 'synthetic' || kind === 'cifar10') {
    if (a['input-std'] !== undefined) throw new InputError(`--input-std: only with Gaussian inputs, not --data ${kind}`, { flag: 'input-std' });
    const [h, w, c] = topology.inputShape;
    if (topology.inputShape.length !== 3) {
      throw new InputError(`--data ${kind}: the model's input [${topology.inputShape.join(',')}] is not an image (height, width, channels)`, { flag: 'data' });
    }
    if (kind === 'cifar10' && (h !== 32 || w !== 32 || c !== 3)) {
      throw new InputError(`--data cifar10: CIFAR-10 images are [32,32,3], the model's input is [${topology.inputShape.join(',')}]`, { flag: 'data' });
    }
    data = { kind, dataDir: a['data-dir'] ?? 'data' };
  } else {
    throw inputError({ flag: 'data', expected: 'gaussian, synthetic or cifar10', got: kind });
  }
  // each repeat's seed derives from --seed as a suite's do; non-zero (tfjs reads 0 as "random")
  const seedList = Array.from({ length: seeds }, (_, r) => (r === 0 ? seed : deriveSeed(seed, 'repeat', r)));
  const initLabel = (all === 'keep' ? 'as declared' : all.name) + (Object.keys(perLayer).length > 0 ? ` (${Object.entries(perLayer).map(([k, v]) => `${k}=${v.name}`).join(', ')})` : '');
  return { topology, init, initLabel, data, batch, seeds: seedList, diagnose: a.diagnose ?? true, backend: parseBackend(a.backend) };
}

const R = 'right' as const;

export function formatModelProbe(o: ModelProbeOptions, agg: AggregateProbe, extra: { classNames: string[]; activations: (string | null)[]; declared: string[]; sigmaW2: number[] }, diagnosis: Diagnosis | null, backend: string, width?: number): string {
  const w = width !== undefined ? { width } : {};
  const t = o.topology;
  const src = o.data.kind === 'gaussian' ? `N(0, ${o.data.std}²)` : `${o.data.kind} images`;
  const layers = formatTable(
    [
      { header: 'layer' },
      { header: 'class' },
      { header: 'act' },
      { header: 'init' },
      { header: 'σ_w²', align: R },
      { header: 'pre var', align: R },
      { header: 'theory', align: R },
      { header: 'post var', align: R },
      { header: 'grad pre var', align: R },
      { header: 'theory', align: R },
      { header: 'dead', align: R },
      { header: 'sat', align: R },
    ],
    agg.layers.map((l, j) => [
      l.name,
      extra.classNames[j]!,
      extra.activations[j] ?? '-',
      extra.declared[j]!,
      fmtNum(extra.sigmaW2[j]),
      fmtNum(l.stats['pre.variance'].mean),
      fmtNum(l.theory.preVariance),
      fmtNum(l.stats['post.variance'].mean),
      fmtNum(l.stats['gradPre.variance'].mean),
      fmtNum(l.theory.gradPreVariance),
      fmtNum(l.stats.deadFraction.mean),
      fmtNum(l.stats.saturatedFraction.mean),
    ]),
    {
      ...w,
      title: [
        `probe: ${t.file} (${t.format}${t.hasWeights ? ', weights as saved' : ', topology only'}), input [${t.inputShape.join(',')}], init ${o.initLabel}, ` +
          `batch ${o.batch} of ${src}, ${agg.results} seed${agg.results === 1 ? '' : 's'} (means), ${backend}`,
        'σ_w² = fan-in·E[W²]; theory: the mean-field length map forward along conv/dense + activation chains, and backward from a unit Gaussian cotangent at the output (--json: each layer\'s theoryNote says where and why it stops)',
      ],
    },
  );
  if (diagnosis === null) return layers;
  const lines = [layers, 'diagnosis:', ...diagnosis.sentences.map((s) => `  - ${s}`)];
  if (diagnosis.after !== null) {
    const b = diagnosis.before.layers;
    const a = diagnosis.after.layers;
    const changed = new Set(diagnosis.applied.map((x) => x.name));
    lines.push(
      formatTable(
        [
          { header: 'layer' },
          { header: 'now' },
          { header: 'recommended' },
          { header: 'pre var before', align: R },
          { header: 'after', align: R },
          { header: 'grad var before', align: R },
          { header: 'after', align: R },
          { header: 'dead before', align: R },
          { header: 'after', align: R },
        ],
        diagnosis.advice.map((ad, j) => [
          ad.name,
          ad.declared,
          changed.has(ad.name) ? ad.recommended : 'keep',
          fmtNum(b[j]!.preVariance),
          fmtNum(a[j]!.preVariance),
          fmtNum(b[j]!.gradPreVariance),
          fmtNum(a[j]!.gradPreVariance),
          fmtNum(b[j]!.deadFraction),
          fmtNum(a[j]!.deadFraction),
        ]),
        { ...w, title: ['before → after the recommendation (re-probed on the same batches and seeds)'] },
      ),
    );
  }
  return lines.join('\n') + '\n';
}

/** Runs the probe (and the diagnosis) and prints it. */
export async function runModelProbe(a: ModelProbeArgs): Promise<void> {
  const o = parseModelProbeArgs(a);
  // tfjs loads only once the flags and the file are good
  const { readyBackend } = await import('../../backend/index.ts');
  const { probeUserModel } = await import('../../usermodel/probe.ts');
  const { describeInit, runDiagnosis } = await import('../../usermodel/diagnose.ts');
  let backend = await readyBackend(o.backend);
  const { missingGradKernels } = await import('../../usermodel/probe.ts');
  const missing = missingGradKernels(o.topology);
  if (missing.length > 0) {
    const m = missing[0]!;
    const why = `layer ${JSON.stringify(m.layer)} (${m.className}) needs ${m.kernel}, which tfjs's ${backend.name} backend does not have`;
    if (o.backend !== 'auto') throw new InputError(`--backend ${o.backend}: ${why}; use --backend cpu or node`, { flag: 'backend' });
    // auto picked a backend the model cannot be differentiated on: the pure-JS one always can
    process.stderr.write(`initbench: ${why}: probing on cpu\n`);
    backend = await readyBackend('cpu');
  }
  let batchOf: ((seed: number) => import('@tensorflow/tfjs').Tensor) | null = null;
  if (o.data.kind !== 'gaussian') {
    const { loadData, probeBatchFromData, assertDataAvailable } = await import('../../data/index.ts');
    const [height, width, channels] = o.topology.inputShape as [number, number, number];
    const spec: DataSpec =
      o.data.kind === 'synthetic'
        ? { kind: 'synthetic', difficulty: 0.5, classes: 10, trainSize: o.batch, testSize: o.batch }
        : { kind: 'cifar10', trainSize: o.batch, testSize: o.batch, augment: false };
    assertDataAvailable(spec, o.data.dataDir);
    const dataDir = o.data.dataDir;
    const sets = new Map<number, Awaited<ReturnType<typeof loadData>>>();
    for (const s of o.seeds) sets.set(s, await loadData(spec, { height, width, channels }, s, { dataDir }));
    batchOf = (s) => probeBatchFromData(sets.get(s)!, o.batch);
  }
  const probeOpts = {
    topology: o.topology,
    seeds: o.seeds,
    init: o.init,
    data: batchOf === null ? { source: 'gaussian' as const, batch: o.batch, std: o.data.kind === 'gaussian' ? o.data.std : 1 } : { source: 'data' as const, batch: batchOf },
  };
  const run = o.diagnose ? await runDiagnosis(probeOpts) : { before: await probeUserModel(probeOpts), after: null, diagnosis: null };
  const first = run.before.results[0]!;
  if (a.json) {
    process.stdout.write(
      JSON.stringify(
        {
          backend: backend.name,
          tfjs: backend.tfjs,
          model: { file: o.topology.file, format: o.topology.format, hasWeights: o.topology.hasWeights, contentHash: o.topology.contentHash, inputShape: o.topology.inputShape, outputShape: o.topology.outputShape },
          init: o.init,
          seeds: o.seeds,
          aggregate: run.before.aggregate,
          results: run.before.results,
          diagnosis: run.diagnosis,
          after: run.after === null ? null : { aggregate: run.after.aggregate, results: run.after.results },
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  process.stdout.write(
    formatModelProbe(
      o,
      run.before.aggregate,
      {
        classNames: first.layers.map((l) => l.className),
        activations: first.layers.map((l) => l.activation),
        declared: o.topology.layers.filter((l) => l.kind !== 'other').map((l) => describeInit(l.kernelInitializer)),
        sigmaW2: first.layers.map((_, j) => run.before.results.reduce((s, r) => s + r.layers[j]!.sigmaW2, 0) / run.before.results.length),
      },
      run.diagnosis,
      backend.detail,
    ),
  );
}

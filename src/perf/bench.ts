/**
 * `initbench perf`, in sections. backends: per backend that loads, a correctness gate first, then
 * GFLOP/s of the conv kernels on the benchmark layer and of the CNN's SGD step on one worker and on
 * the whole pool. commands: wall-clock time of whole CLI commands (commands.ts). theory: the report's
 * mean-field correlation functions (theory.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultJobsFor, readyBackend, type ReadyBackend } from '../backend/index.ts';
import { setBackpropInputChoice } from '../backend/wasm-kernels.ts';
import type { BackendName, CheckRow } from '../core/types.ts';
import { InputError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { WorkerPool } from '../pool/pool.ts';
import { PERF_CNN, convFlops, trainStepFlops, type StepFlops } from './cnn.ts';
import { COMMAND_CASES, timeCommands, type CommandsPerf } from './commands.ts';
import { runGate } from './gate.ts';
import { loadSample, machineInfo, type LoadSample, type MachineInfo } from './machine.ts';
import { gflops, timeReps, type Timing } from './timing.ts';
import { timeTheory, type TheoryPerf } from './theory.ts';
import { perfTask } from './tasks.ts';
import type { TrainTiming } from './train.ts';
import type { PerfSection } from './sections.ts';

export { PERF_BACKENDS, PERF_SECTIONS, type PerfSection } from './sections.ts';

export interface PerfOptions {
  sections: PerfSection[];
  backends: BackendName[];
  /** pool size; undefined → defaultJobsFor(backend) */
  jobs: number | undefined;
  /** timed reps (≥ 5) and discarded warm-up runs, for wasm/node; cpu uses 5 reps, 1 warm-up */
  reps: number;
  warmup: number;
  /** directory for <timestamp>.json; null → do not write */
  outDir: string | null;
  /** progress lines (stderr in the CLI) */
  log?: (line: string) => void;
}

/** The benchmark layer: 3×3, 16→16 channels, 32×32, batch 64, stride 1, 'same'. */
export const PERF_LAYER = {
  x: [64, 32, 32, 16] as [number, number, number, number],
  w: [3, 3, 16, 16] as [number, number, number, number],
  strides: 1,
  pad: 'same' as const,
};

export interface KernelFigure {
  op: 'conv2d.forward' | 'conv2d.backprop-input' | 'conv2d.backprop-filter' | 'conv2d.backprop-input (wasm built-in)';
  layer: string;
  flops: number;
  timing: Timing;
  gflops: number;
  /** at the median process CPU time per rep: what an idle core would do */
  gflopsCpuTime: number | null;
}

export interface TrainFigure {
  workers: number;
  perWorker: TrainTiming[];
  /** Σ over workers of flops per step / median step time, all timed concurrently */
  gflops: number;
  /** all timed flops / (last end − first start): the same, measured over the shared window */
  gflopsWindow: number;
  /** fraction of the union window in which all workers were timing at once */
  overlap: number;
  /**
   * timed flops / process CPU seconds in the window: GFLOP per busy core-second, independent of
   * competing load; on idle cores the pool would reach ≈ workers × this
   */
  gflopsPerCpuSecond: number;
}

export type TrainResultOrSkip = TrainFigure | { skipped: string } | { failed: string };

export interface BackendPerf {
  name: BackendName;
  loads: boolean;
  error: string | null;
  detail: string | null;
  gate: { passed: boolean; rows: CheckRow[] } | { skipped: string } | null;
  kernels: KernelFigure[];
  train: { oneWorker: TrainResultOrSkip; pool: TrainResultOrSkip } | null;
  load: { before: LoadSample; after: LoadSample } | null;
}

export interface PerfReport {
  formatVersion: 1;
  kind: 'initbench-perf';
  startedAt: string;
  machine: MachineInfo;
  network: { spec: typeof PERF_CNN; flops: StepFlops };
  options: { sections: PerfSection[]; backends: BackendName[]; jobs: number | null; reps: number; warmup: number };
  /** null when the section was not asked for */
  backends: BackendPerf[] | null;
  commands: CommandsPerf | null;
  theory: TheoryPerf | null;
  targets: { wasmOneWorkerGflops: number; wasmPool2CoresGflops: number; pytorchCpuGflops: number };
  gatePassed: boolean;
  file: string | null;
}

const TF_NAME: Record<BackendName, string> = { node: 'tensorflow', 'node-gpu': 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

function layerName(batch: number = PERF_LAYER.x[0]): string {
  return `x=[${[batch, ...PERF_LAYER.x.slice(1)].join(',')}] w=[${PERF_LAYER.w.join(',')}] s=${PERF_LAYER.strides} p=${PERF_LAYER.pad}`;
}

/** The cpu backend runs this layer at ~1 GFLOP/s forward and ~0.01 backprop-filter (CPU time): batch 64 would take minutes, so it gets 2. */
const CPU_KERNEL_BATCH = 2;

function cpuGflops(flops: number, t: Timing): number | null {
  return t.cpuMedianMs === undefined || t.cpuMedianMs <= 0 ? null : flops / (t.cpuMedianMs * 1e6);
}

function timeKernels(b: BackendName, reps: number, warmup: number, batch: number): KernelFigure[] {
  const [, H, W, Ci] = PERF_LAYER.x;
  const N = batch;
  const xShape: [number, number, number, number] = [N, H, W, Ci];
  const [KH, KW, , Co] = PERF_LAYER.w;
  const flops = convFlops(N, H, W, KH, KW, Ci, Co);
  const rng = new Rng(4242);
  const normal = (n: number, std: number) => rng.fillNormal(new Float32Array(n), std) as Float32Array;
  // two of each, alternated per rep: in training every step brings new tensors, so backends must not
  // get to reuse what they cached for the previous call's buffers (XNNPACK's operators, indirection)
  const pairOf = (shape: [number, number, number, number], std: number) =>
    [0, 1].map(() => tf.tensor4d(normal(shape.reduce((a, b) => a * b, 1), std), shape));
  const xs = pairOf(xShape, 1);
  const ws = pairOf(PERF_LAYER.w, 0.1);
  const dys = pairOf([N, H, W, Co], 1);
  let rep = 0;
  const pick = () => {
    const i = rep++ % 2;
    return { x: xs[i]!, w: ws[i]!, dy: dys[i]! };
  };
  const attrs = { strides: PERF_LAYER.strides, pad: PERF_LAYER.pad, dataFormat: 'NHWC', dilations: 1 };
  const ops: [KernelFigure['op'], () => void][] = [
    ['conv2d.forward', () => { const { x, w } = pick(); tf.engine().runKernel('Conv2D', { x, filter: w }, attrs); }],
    ['conv2d.backprop-input', () => { const { dy, w } = pick(); tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape }); }],
    ['conv2d.backprop-filter', () => { const { x, dy } = pick(); tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: PERF_LAYER.w }); }],
  ];
  const out: KernelFigure[] = [];
  try {
    for (const [op, run] of ops) {
      const t = timeReps(() => tf.tidy(run), warmup, reps);
      out.push({ op, layer: layerName(N), flops, timing: t, gflops: gflops(flops, t), gflopsCpuTime: cpuGflops(flops, t) });
    }
    if (b === 'wasm') {
      // the built-in it replaces, for the record of why ours is registered
      const prev = setBackpropInputChoice('builtin');
      try {
        const t = timeReps(() => tf.tidy(ops[1]![1]), 1, 5);
        out.push({ op: 'conv2d.backprop-input (wasm built-in)', layer: layerName(N), flops, timing: t, gflops: gflops(flops, t), gflopsCpuTime: cpuGflops(flops, t) });
      } finally {
        setBackpropInputChoice(prev);
      }
    }
  } finally {
    tf.dispose([...xs, ...ws, ...dys]);
  }
  return out;
}

async function timeTrainOnPool(backend: BackendName, jobs: number, reps: number, warmup: number): Promise<TrainResultOrSkip> {
  const pool = new WorkerPool({ jobs, backend });
  try {
    const barrier = { buffer: new SharedArrayBuffer(4), parties: jobs };
    const outcomes = await Promise.all(
      Array.from({ length: jobs }, () => pool.run(perfTask('train', { warmup, reps, barrier }))),
    );
    const failed = outcomes.find((o) => !o.ok);
    if (failed !== undefined && !failed.ok) return { failed: `${failed.error.kind}: ${failed.error.message}` };
    const per = outcomes.map((o) => (o.ok ? o.value : null)).filter((v): v is TrainTiming => v !== null);
    const start = Math.min(...per.map((p) => p.startedAt));
    const end = Math.max(...per.map((p) => p.endedAt));
    const lastStart = Math.max(...per.map((p) => p.startedAt));
    const firstEnd = Math.min(...per.map((p) => p.endedAt));
    const totalFlops = per.reduce((s, p) => s + p.flopsPerStep * p.timing.reps, 0);
    return {
      workers: jobs,
      perWorker: per,
      gflops: per.reduce((s, p) => s + p.gflops, 0),
      gflopsWindow: totalFlops / ((end - start) * 1e6),
      overlap: Math.max(0, firstEnd - lastStart) / (end - start),
      gflopsPerCpuSecond: totalFlops / ((per.reduce((s, p) => s + p.processCpuMs, 0) / per.length) * 1e6),
    };
  } finally {
    await pool.close();
  }
}

async function perfBackend(name: BackendName, opts: PerfOptions, log: (s: string) => void): Promise<BackendPerf> {
  let ready: ReadyBackend;
  try {
    ready = await readyBackend(name);
  } catch (e) {
    const msg = e instanceof InputError ? e.message : (e as Error).message;
    log(`perf: ${name}: does not load, skipped`);
    return { name, loads: false, error: msg, detail: null, gate: null, kernels: [], train: null, load: null };
  }
  const before = loadSample();
  const result: BackendPerf = { name, loads: true, error: null, detail: ready.detail, gate: null, kernels: [], train: null, load: null };
  if (name === 'cpu') {
    result.gate = { skipped: 'cpu is the reference the gate compares against' };
  } else {
    log(`perf: ${name}: correctness gate`);
    result.gate = await runGate(TF_NAME[name], name);
    await readyBackend(name);
    if (!result.gate.passed) {
      result.load = { before, after: loadSample() };
      return result;
    }
  }
  const slow = name === 'cpu';
  const batch = slow ? CPU_KERNEL_BATCH : PERF_LAYER.x[0];
  log(`perf: ${name}: conv kernels on ${layerName(batch)}`);
  result.kernels = timeKernels(name, slow ? 5 : opts.reps, slow ? 1 : opts.warmup, batch);
  if (slow) {
    const skip = {
      skipped: `the cpu backend's backprop-filter runs at ~0.01 GFLOP/s (its kernel figures above), so one ${(trainStepFlops(PERF_CNN).total / 1e9).toFixed(2)} GFLOP step would take minutes`,
    };
    result.train = { oneWorker: skip, pool: skip };
  } else {
    const jobs = opts.jobs ?? defaultJobsFor(name);
    log(`perf: ${name}: train step, one worker`);
    const oneWorker = await timeTrainOnPool(name, 1, opts.reps, opts.warmup);
    log(`perf: ${name}: train step, pool of ${jobs}`);
    const pool = await timeTrainOnPool(name, jobs, opts.reps, opts.warmup);
    result.train = { oneWorker, pool };
  }
  result.load = { before, after: loadSample() };
  return result;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
}

/** Runs the benchmark; never exits. `gatePassed` false means a backend's kernels disagree with cpu. */
export async function runPerf(opts: PerfOptions): Promise<PerfReport> {
  const log = opts.log ?? (() => {});
  const started = new Date();
  let backends: BackendPerf[] | null = null;
  if (opts.sections.includes('backends')) {
    backends = [];
    for (const name of opts.backends) backends.push(await perfBackend(name, opts, log));
  }
  // after the backends' pools have closed, so they do not compete with what is spawned
  const commands = opts.sections.includes('commands') ? await timeCommands(COMMAND_CASES, log) : null;
  const theory = opts.sections.includes('theory') ? timeTheory(opts.reps, opts.warmup, log) : null;
  const gatePassed = (backends ?? []).every((b) => b.gate === null || !('passed' in b.gate) || b.gate.passed);
  const report: PerfReport = {
    formatVersion: 1,
    kind: 'initbench-perf',
    startedAt: started.toISOString(),
    machine: machineInfo(),
    network: { spec: PERF_CNN, flops: trainStepFlops(PERF_CNN) },
    options: { sections: opts.sections, backends: opts.backends, jobs: opts.jobs ?? null, reps: opts.reps, warmup: opts.warmup },
    backends,
    commands,
    theory,
    targets: { wasmOneWorkerGflops: 17, wasmPool2CoresGflops: 32, pytorchCpuGflops: 46 },
    gatePassed,
    file: null,
  };
  if (opts.outDir !== null) {
    mkdirSync(opts.outDir, { recursive: true });
    report.file = path.join(opts.outDir, `${stamp(started)}.json`);
    writeFileSync(report.file, JSON.stringify(report, null, 2) + '\n');
  }
  return report;
}

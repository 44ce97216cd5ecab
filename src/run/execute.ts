/**
 * One run, inside a pool worker: data (if any) → probe batch → model (LSUV on the probe batch) →
 * probe at init → training with probes at spec.probe.atSteps → a RunRecord. Every tensor it makes is
 * disposed whatever happens; an exception becomes a `failed` record with its stack. A run over a model
 * file (arch.kind 'model') loads, re-initializes and probes it through model-run.ts instead of building a net.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName, ProbeResult, RunRecord, RunSpec } from '../core/types.ts';
import { builtinRun } from '../arch/index.ts';
import { dataSeed } from './seeds.ts';
import { loadData, probeBatchFromData, type Dataset } from '../data/index.ts';
import { buildRunModel } from '../model/index.ts';
import { makeProbeBatch, probeRun } from '../probe/index.ts';
import { isModelRun, loadModelRun } from './model-run.ts';
import { trainRun } from '../train/index.ts';

export interface ExecuteOptions {
  suiteHash: string;
  dataDir: string;
  /** the suite file's directory, which a model arch's path is relative to (default: the working directory) */
  suiteDir?: string;
}

/** What a run needs of its net, built-in or loaded: a logits model, a probe of it, and its disposal. */
interface RunNet {
  model: tf.LayersModel;
  probe(batch: tf.Tensor4D, step: number): Promise<ProbeResult>;
  dispose(): void;
}

async function runNet(spec: RunSpec, batch: tf.Tensor4D | null, suiteDir: string): Promise<RunNet> {
  if (isModelRun(spec)) {
    const m = await loadModelRun(spec, suiteDir);
    return { model: m.model, probe: async (b, step) => m.probe(b, step), dispose: m.dispose };
  }
  const b = builtinRun(spec);
  // LSUV rescales on the probe batch when there is one, so it calibrates on what is measured
  const built = await buildRunModel(b, batch !== null ? { lsuvBatch: batch } : {});
  return { model: built.model, probe: (x, step) => probeRun(b, built, x, step), dispose: built.dispose };
}

export async function executeRun(spec: RunSpec, backend: { name: BackendName }, opts: ExecuteOptions): Promise<RunRecord> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const base = { formatVersion: 1 as const, id: spec.id, suiteHash: opts.suiteHash, spec, backend: backend.name, startedAt };
  let data: Dataset | null = null;
  let batch: tf.Tensor4D | null = null;
  let built: RunNet | null = null;
  try {
    if (spec.data !== null) data = await loadData(spec.data, spec.input, dataSeed(spec), { dataDir: opts.dataDir });
    if (spec.probe !== null) {
      if (spec.probe.source === 'data') {
        if (data === null) throw new Error(`run ${spec.id}: probe source "data" but the run has no data`);
        batch = probeBatchFromData(data, spec.probe.batch);
      } else {
        batch = makeProbeBatch(spec);
      }
    }
    built = await runNet(spec, batch, opts.suiteDir ?? process.cwd());
    const model = built;
    const probeBatch = batch;
    const probe = probeBatch !== null ? await model.probe(probeBatch, 0) : null;
    if (spec.train === null) return { ...base, wallMs: performance.now() - t0, status: 'ok', probe, train: null };
    if (data === null) throw new Error(`run ${spec.id}: training needs data`);
    const out = await trainRun(spec, model, data, probeBatch !== null ? { probeAt: (step) => model.probe(probeBatch, step) } : {});
    const wallMs = performance.now() - t0;
    if (out.status === 'diverged') {
      return { ...base, wallMs, status: 'diverged', probe, train: out.train, atStep: out.atStep, reason: out.reason };
    }
    if (out.status === 'stalled') {
      return { ...base, wallMs, status: 'stalled', probe, train: out.train, reason: out.reason ?? 'no progress beyond chance' };
    }
    return { ...base, wallMs, status: 'ok', probe, train: out.train };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return {
      ...base,
      wallMs: performance.now() - t0,
      status: 'failed',
      probe: null,
      train: null,
      error: { message: err.message, stack: err.stack ?? null, kind: 'exception' },
    };
  } finally {
    built?.dispose();
    batch?.dispose();
    data?.dispose();
  }
}

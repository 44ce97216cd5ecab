/**
 * One run, inside a pool worker: data (if any) → probe batch → model (LSUV on the probe batch) →
 * probe at init → training with probes at spec.probe.atSteps → a RunRecord. Every tensor it makes is
 * disposed whatever happens; an exception becomes a `failed` record with its stack.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName, RunRecord, RunSpec } from '../core/types.ts';
import { dataSeed } from './seeds.ts';
import { loadData, probeBatchFromData, type Dataset } from '../data/index.ts';
import { buildRunModel, type RunModel } from '../model/index.ts';
import { makeProbeBatch, probeRun } from '../probe/index.ts';
import { trainRun } from '../train/index.ts';

export interface ExecuteOptions {
  suiteHash: string;
  dataDir: string;
}

export async function executeRun(spec: RunSpec, backend: { name: BackendName }, opts: ExecuteOptions): Promise<RunRecord> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const base = { formatVersion: 1 as const, id: spec.id, suiteHash: opts.suiteHash, spec, backend: backend.name, startedAt };
  let data: Dataset | null = null;
  let batch: tf.Tensor4D | null = null;
  let built: RunModel | null = null;
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
    // LSUV rescales on the probe batch when there is one, so it calibrates on what is measured
    built = await buildRunModel(spec, batch !== null ? { lsuvBatch: batch } : {});
    const model = built;
    const probeBatch = batch;
    const probe = probeBatch !== null ? await probeRun(spec, model, probeBatch, 0) : null;
    if (spec.train === null) return { ...base, wallMs: performance.now() - t0, status: 'ok', probe, train: null };
    if (data === null) throw new Error(`run ${spec.id}: training needs data`);
    const out = await trainRun(spec, model, data, probeBatch !== null ? { probeAt: (step) => probeRun(spec, model, probeBatch, step) } : {});
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

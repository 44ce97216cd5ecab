// The runner for real: executeRun in pool workers on wasm; shards vs the unsharded run; no tensor leaks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import type { RunRecord } from '../src/core/types.ts';
import { mergeResults, readResults } from '../src/results/index.ts';
import { executeRun } from '../src/run/execute.ts';
import { WorkerPool } from '../src/pool/pool.ts';
import { poolTask } from '../src/pool/tasks.ts';
import { runSuite } from '../src/run/runner.ts';
import { loadSuite, planSuiteText } from '../src/suite/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-pool-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const TINY = 'test/fixtures/suites/tiny.json';

/** What a run measured, without wall-clock fields. */
function measured(r: RunRecord): unknown {
  return { id: r.id, status: r.status, probe: r.probe, final: r.train?.finalAccuracy ?? null, losses: r.train?.losses ?? null };
}

describe('suite runs in the worker pool', () => {
  let unsharded: RunRecord[];
  beforeAll(async () => {
    const loaded = loadSuite(TINY);
    const out = path.join(root, 'full');
    const res = await runSuite(loaded, { out, shard: null, resume: true, jobs: 2, backend: 'wasm', dataDir: 'data', progress: 'silent' });
    expect(res.counts).toEqual({ ok: 12, stalled: 0, diverged: 0, failed: 0 });
    unsharded = (await readResults(out)).records;
  });

  it('every run probed every layer, and He+ReLU keeps the pre-activation variance within its theory band', () => {
    for (const r of unsharded) {
      expect(r.status).toBe('ok');
      expect(r.probe?.layers).toHaveLength(r.spec.arch.depth);
      for (const l of r.probe!.layers) {
        expect(l.pre.variance).toBeGreaterThan(0);
        if (r.spec.init.name === 'he-normal' && l.theory.preVarianceBand !== null) {
          expect(l.pre.variance!).toBeGreaterThanOrEqual(l.theory.preVarianceBand[0]);
          expect(l.pre.variance!).toBeLessThanOrEqual(l.theory.preVarianceBand[1]);
        }
      }
    }
  });

  it('shards 1/3, 2/3, 3/3 merged equal the unsharded run: same ids, identical probe statistics', async () => {
    const loaded = loadSuite(TINY);
    // the three shards at once, one worker each, as three machines would
    const dirs = await Promise.all(
      [1, 2, 3].map(async (k) => {
        const out = path.join(root, `shard-${k}`);
        await runSuite(loaded, { out, shard: { k, n: 3 }, resume: true, jobs: 1, backend: 'wasm', dataDir: 'data', progress: 'silent' });
        return out;
      }),
    );
    const merged = path.join(root, 'merged');
    mergeResults(dirs, merged);
    const m = (await readResults(merged)).records;
    expect(m.map((r) => r.id)).toEqual(unsharded.map((r) => r.id));
    expect(m.map(measured)).toEqual(unsharded.map(measured));
  });
});

describe('a training suite in the worker pool', () => {
  it('trains, probes at init and at atSteps, and writes samples.json with one entry per data set', async () => {
    const loaded = loadSuite('test/fixtures/suites/tiny-train.json');
    const out = path.join(root, 'train');
    const res = await runSuite(loaded, { out, shard: null, resume: true, jobs: 2, backend: 'wasm', dataDir: 'data', progress: 'silent' });
    expect(res.counts.failed).toBe(0);
    const { records } = await readResults(out);
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r.status === 'ok' || r.status === 'stalled').toBe(true);
      expect(r.probe?.step).toBe(0);
      expect(r.train?.stepsDone).toBe(6);
      expect(r.train?.evals.map((e) => e.step)).toEqual([0, 3, 6]);
      expect(r.train?.probes.map((p) => p.step)).toEqual([4]);
    }
    const samples = JSON.parse(fs.readFileSync(path.join(out, 'samples.json'), 'utf8')) as { data: unknown; images: number[][]; height: number; width: number; channels: number }[];
    expect(samples).toHaveLength(1);
    expect(samples[0]!.data).toEqual(loaded.plan.runs[0]!.data);
    for (const img of samples[0]!.images) expect(img).toHaveLength(8 * 8 * 3);
  });
});

describe('per-run timeout', () => {
  it('a task past its limit comes back as a timeout, and the pool goes on', async () => {
    const pool = new WorkerPool({ jobs: 1, backend: 'cpu' });
    try {
      const o = await pool.run(poolTask('ping', { delayMs: 20_000 }), { timeoutMs: 500 });
      expect(o).toMatchObject({ ok: false, error: { kind: 'timeout', message: 'timed out after 0.5 s; its worker was stopped' } });
      expect((await pool.run(poolTask('ping', {}))).ok).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('executeRun in this process', () => {
  beforeAll(async () => {
    await readyBackend('cpu');
  });

  const { plan } = planSuiteText(
    JSON.stringify({
      name: 'leak', description: 'd', seed: 11,
      defaults: {
        width: 4, input: { height: 8, width: 8, channels: 3 }, probe: { batch: 4, atSteps: [2] },
        data: { kind: 'synthetic', classes: 3, trainSize: 24, testSize: 12 }, train: { steps: 3, batchSize: 4, evalEvery: 2 },
      },
      matrix: { init: ['he-normal', 'lsuv'], depth: [2] },
    }),
    'leak.json',
  );

  it('a probe + training run (LSUV too) leaves no tensors behind and repeats exactly', async () => {
    for (const spec of plan.runs) {
      const a = await executeRun(spec, { name: 'cpu' }, { suiteHash: 'h', dataDir: 'data' });
      const before = tf.memory().numTensors;
      const b = await executeRun(spec, { name: 'cpu' }, { suiteHash: 'h', dataDir: 'data' });
      expect(tf.memory().numTensors).toBe(before);
      expect(a.status, a.status === 'failed' ? a.error.message : '').not.toBe('failed');
      expect(measured(b)).toEqual(measured(a));
      expect(a.train?.probes.map((p) => p.step)).toEqual([2]);
      expect(a.probe?.step).toBe(0);
    }
  });

  it('an exception becomes a failed record with its message, and leaks nothing', async () => {
    const spec = structuredClone(plan.runs[0]!);
    spec.data = { kind: 'cifar10', trainSize: 10, testSize: 10, augment: false };
    spec.input = { height: 32, width: 32, channels: 3 };
    const before = tf.memory().numTensors;
    const r = await executeRun(spec, { name: 'cpu' }, { suiteHash: 'h', dataDir: path.join(root, 'no-data') });
    expect(r.status).toBe('failed');
    if (r.status === 'failed') {
      expect(r.error.kind).toBe('exception');
      expect(r.error.message.length).toBeGreaterThan(0);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

/**
 * --quick shrinks every step count of a training run by the same factor as the steps, so a quick run
 * keeps its warm-up/schedule shape and leaves warm-up early enough to learn.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import { executeRun } from '../src/run/execute.ts';
import { loadSuite, planSuite, validateSuiteValue } from '../src/suite/index.ts';
import { QUICK } from '../src/suite/plan.ts';
import { lrAt, stallThreshold } from '../src/train/index.ts';

beforeAll(async () => {
  await readyBackend('wasm');
});

describe('--quick scales warm-up, schedule, evals and probes with the steps', () => {
  it('cifar10-quick: 600 steps with warm-up 50 → 20 steps with warm-up round(50·20/600) = 2; the lr peaks at step 2, then decays', () => {
    const plan = loadSuite(path.resolve('suites/cifar10-quick.json'), { quick: true }).plan;
    for (const r of plan.runs) {
      const t = r.train!;
      expect(t.steps).toBe(QUICK.steps);
      expect(t.warmupSteps).toBe(2);
      expect(t.evalEvery).toBe(Math.round((100 * 20) / 600)); // 3
      // out of warm-up: the peak lr at step 2, cosine decay after it (was: warm-up 20 = the whole run, lr < peak throughout)
      expect(lrAt(t.warmupSteps, t)).toBe(t.lr);
      expect(lrAt(t.steps - 1, t)).toBeLessThan(t.lr);
      expect(lrAt(t.steps - 1, t)).toBeGreaterThan(0);
    }
  });

  it('a step schedule (every 90 of 300), evals every 50 and probes at [100, 300] scale by 20/300: every 6, evals every 3, probes at [7, 20]', () => {
    const suite = validateSuiteValue(
      {
        name: 'q',
        description: 'd',
        seed: 3,
        defaults: {
          depth: 4,
          width: 8,
          input: { height: 8, width: 8 },
          probe: { batch: 4, source: 'data', atSteps: [100, 300] },
          data: { kind: 'synthetic', classes: 4, trainSize: 64, testSize: 32 },
          train: { schedule: { kind: 'step', every: 90, factor: 0.1 }, warmupSteps: 30, steps: 300, evalEvery: 50 },
        },
        matrix: { init: ['he-normal'] },
      },
      'q.json',
    );
    const t = planSuite(suite, { file: 'q.json', quick: true }).runs[0]!;
    expect(t.train).toMatchObject({ steps: 20, warmupSteps: 2, evalEvery: 3, schedule: { kind: 'step', every: 6, factor: 0.1 } });
    expect(t.probe!.atSteps).toEqual([7, 20]);
    // the full plan is untouched
    const full = planSuite(suite, { file: 'q.json' }).runs[0]!;
    expect(full.train).toMatchObject({ steps: 300, warmupSteps: 30, evalEvery: 50, schedule: { kind: 'step', every: 90, factor: 0.1 } });
    expect(full.probe!.atSteps).toEqual([100, 300]);
  });

  it('every shipped suite under --quick keeps warm-up below its steps (when it had any) and its probes within them', () => {
    const dir = path.resolve('suites');
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'schema.json')) {
      const full = loadSuite(path.join(dir, f)).plan.runs;
      const quick = loadSuite(path.join(dir, f), { quick: true }).plan.runs;
      const fullWarm = full.some((r) => (r.train?.warmupSteps ?? 0) > 0 && (r.train?.warmupSteps ?? 0) < (r.train?.steps ?? 0));
      for (const r of quick) {
        if (r.train === null) continue;
        if (fullWarm) expect(r.train.warmupSteps, f).toBeLessThan(r.train.steps);
        for (const s of r.probe?.atSteps ?? []) expect(s, f).toBeLessThanOrEqual(r.train.steps);
      }
    }
  });

  it('a quick synthetic run learns: depth 3, warm-up 100 of 400 → 5 of 20 steps, both seeds end above 0.6 (chance 0.25, stall bound below)', async () => {
    const suite = validateSuiteValue(
      {
        name: 'q',
        description: 'd',
        seed: 7,
        seeds: 2,
        defaults: {
          arch: 'plain',
          width: 16,
          depth: 3,
          bias: true,
          input: { height: 16, width: 16, channels: 3 },
          probe: null,
          data: { kind: 'synthetic', difficulty: 0.1, classes: 4, trainSize: 2048, testSize: 256 },
          train: { optimizer: 'momentum', lr: 0.02, momentum: 0.9, schedule: 'cosine', warmupSteps: 100, batchSize: 32, steps: 400, evalEvery: 100, targetAccuracy: 0.6 },
        },
        matrix: { init: ['he-normal'] },
      },
      'q.json',
    );
    const plan = planSuite(suite, { file: 'q.json', quick: true });
    expect(plan.runs).toHaveLength(2);
    for (const spec of plan.runs) {
      expect(spec.train).toMatchObject({ steps: 20, warmupSteps: 5 });
      const rec = await executeRun(spec, { name: 'wasm' }, { suiteHash: 'x', dataDir: 'data' });
      expect(rec.status).toBe('ok');
      const acc = rec.train!.finalAccuracy!;
      // with 256 held-out images, chance (0.25) + 3 binomial sds is stallThreshold; 0.6 is far past it
      expect(stallThreshold(0.25, 256)).toBeLessThan(0.6);
      expect(acc).toBeGreaterThan(0.6);
    }
  }, 60_000);
});

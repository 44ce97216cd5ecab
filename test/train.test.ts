import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import type { DataSpec, InputSpec, RunSpec, TrainSpec } from '../src/core/types.ts';
import { loadData } from '../src/data/index.ts';
import { evaluate, lrAt, makeOptimizer, stallThreshold, trainRun } from '../src/train/index.ts';

// wasm (single thread, deterministic); the same-seed check on the pure-JS cpu backend is in train-cpu.test.ts
beforeAll(async () => {
  await readyBackend('wasm');
});

const input: InputSpec = { height: 12, width: 12, channels: 3 };

/** conv3×3(8)-relu → conv3×3(8)-relu-maxpool → [optional 3rd conv] → GAP → dense(K): seeded, tiny. */
function smallNet(seed: number, classes: number, opts: { convs?: number; flatten?: boolean; zeroHead?: boolean } = {}): tf.LayersModel {
  const x = tf.input({ shape: [input.height, input.width, input.channels] });
  let h: tf.SymbolicTensor = x;
  const convs = opts.convs ?? 2;
  for (let i = 1; i <= convs; i++) {
    h = tf.layers
      .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed + i }), name: `conv${i}` })
      .apply(h) as tf.SymbolicTensor;
    if (i === 2) h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  }
  h = (opts.flatten === true ? tf.layers.flatten() : tf.layers.globalAveragePooling2d({})).apply(h) as tf.SymbolicTensor;
  const head = tf.layers.dense({
    units: classes,
    name: 'head',
    kernelInitializer: opts.zeroHead === true ? 'zeros' : tf.initializers.glorotNormal({ seed: seed + 99 }),
  });
  return tf.model({ inputs: x, outputs: head.apply(h) as tf.SymbolicTensor });
}

function runSpec(train: Partial<TrainSpec>, data: DataSpec, seed = 11): RunSpec {
  return {
    id: 'test',
    suite: 'test',
    seed,
    repeat: 0,
    init: { name: 'he-normal' },
    activation: { name: 'relu' },
    arch: { kind: 'plain', depth: 2, width: 8, kernel: 3, padding: 'same', bias: true, downsample: { at: [2], mode: 'maxpool' }, head: 'gap-dense', classes: 4 },
    input,
    probe: null,
    data,
    train: {
      optimizer: 'adam',
      lr: 0.01,
      momentum: 0.9,
      weightDecay: 0,
      schedule: { kind: 'constant' },
      warmupSteps: 0,
      batchSize: 8,
      steps: 20,
      evalEvery: 10,
      targetAccuracy: 0.9,
      ...train,
    },
  };
}

const synth = (n: number, nt: number, difficulty = 0.3): DataSpec => ({ kind: 'synthetic', difficulty, classes: 4, trainSize: n, testSize: nt });

describe('trainRun', () => {
  it('a 3-layer net (2 conv + dense) overfits a tiny batch of 8: loss 1.4 → < 0.05 in 150 adam steps', async () => {
    const data = await loadData(synth(8, 8), input, 3, { dataDir: 'data' });
    const model = smallNet(1, 4, { flatten: true });
    const out = await trainRun(runSpec({ batchSize: 8, steps: 150, evalEvery: 150, lr: 0.01 }, synth(8, 8)), { model }, data);
    expect(out.status).toBe('ok');
    expect(out.train.losses[0]!.loss).toBeGreaterThan(1);
    expect(out.train.losses.at(-1)!.loss).toBeLessThan(0.05);
    expect(out.train.losses).toHaveLength(150);
    model.dispose();
    data.dispose();
  });

  it('the same seed gives identical loss curves and evals on wasm; another seed does not', async () => {
    const curve = async (seed: number) => {
      const data = await loadData(synth(64, 32), input, seed, { dataDir: 'data' });
      const model = smallNet(seed, 4);
      const out = await trainRun(runSpec({ optimizer: 'momentum', lr: 0.05, steps: 12, evalEvery: 6 }, synth(64, 32), seed), { model }, data);
      model.dispose();
      data.dispose();
      return { losses: out.train.losses.map((l) => l.loss), evals: out.train.evals.map((e) => [e.accuracy, e.loss, ...e.gradNorms]) };
    };
    const a = await curve(5);
    const b = await curve(5);
    const c = await curve(6);
    expect(a.losses).toHaveLength(12);
    expect(a).toEqual(b);
    expect(a.losses).not.toEqual(c.losses);
  });

  it('a huge lr (sgd, 1e5) is recorded as diverged at the step it happens, training stopped there', async () => {
    const data = await loadData(synth(64, 32), input, 2, { dataDir: 'data' });
    const model = smallNet(2, 4);
    const out = await trainRun(runSpec({ optimizer: 'sgd', lr: 1e5, steps: 50, evalEvery: 10 }, synth(64, 32)), { model }, data);
    expect(out.status).toBe('diverged');
    if (out.status !== 'diverged') return;
    expect(out.atStep).toBeGreaterThan(0);
    expect(out.atStep).toBeLessThan(10);
    expect(out.train.stepsDone).toBe(out.atStep);
    expect(out.reason).toMatch(/^diverged: (loss|gradient norm) /);
    expect(out.train.losses.length).toBeLessThanOrEqual(out.atStep + 1);
    expect(out.train.losses.every((l) => Number.isFinite(l.loss))).toBe(true);
    expect(out.train.finalAccuracy).toBeNull();
    // the record is JSON-clean (no NaN turning into null where a number is promised)
    expect(JSON.parse(JSON.stringify(out.train))).toEqual(out.train);
    model.dispose();
    data.dispose();
  });

  it('a net that cannot learn (lr 0, zero head: constant class-0 output) is stalled, with the criterion in the reason', async () => {
    const data = await loadData(synth(64, 400), input, 4, { dataDir: 'data' });
    const model = smallNet(4, 4, { zeroHead: true });
    const out = await trainRun(runSpec({ optimizer: 'sgd', lr: 0, steps: 4, evalEvery: 2 }, synth(64, 400)), { model }, data);
    expect(out.status).toBe('stalled');
    expect(out.train.chance).toBe(0.25);
    expect(out.train.bestAccuracy).toBe(0.25);
    // 0.25 + 3·√(0.25·0.75/400) = 0.25 + 3·0.021651 = 0.314952
    expect(stallThreshold(0.25, 400)).toBeCloseTo(0.314952, 5);
    expect(out.status === 'stalled' && out.reason).toMatch(/≤ chance 0\.2500 \+ 3·√\(p\(1−p\)\/400\) = 0\.3150/);
    model.dispose();
    data.dispose();
  });

  it('leaks no tensors: numTensors is the same after every step, and back to the start after the run', async () => {
    const data = await loadData(synth(64, 32), input, 7, { dataDir: 'data' });
    const model = smallNet(7, 4);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
      counts.length = 0;
      await trainRun(runSpec({ optimizer, lr: 0.01, steps: 8, evalEvery: 3, weightDecay: 1e-3 }, synth(64, 32)), { model }, data, {
        onStep: () => counts.push(tf.memory().numTensors),
      });
      expect(new Set(counts.slice(1)).size, optimizer).toBe(1);
      expect(tf.memory().numTensors, optimizer).toBe(before);
    }
    model.dispose();
    data.dispose();
  });

  it('a batch-norm net trains in training mode (moving stats move) with no leaked tensors', async () => {
    const data = await loadData(synth(64, 32), input, 12, { dataDir: 'data' });
    const x = tf.input({ shape: [12, 12, 3] });
    const c = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: 3 }) }).apply(x) as tf.SymbolicTensor;
    const bnLayer = tf.layers.batchNormalization({ name: 'bn1' });
    const r = tf.layers.activation({ activation: 'relu' }).apply(bnLayer.apply(c)) as tf.SymbolicTensor;
    const g = tf.layers.globalAveragePooling2d({}).apply(r) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }).apply(g) as tf.SymbolicTensor });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const out = await trainRun(runSpec({ optimizer: 'momentum', lr: 0.05, steps: 8, evalEvery: 4 }, synth(64, 32)), { model }, data, {
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(out.status === 'diverged').toBe(false);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    const movingMean = bnLayer.getWeights()[2]!.dataSync();
    expect(Math.max(...Array.from(movingMean, Math.abs))).toBeGreaterThan(0);
    // BN's gamma and beta are trained, and not decayed (weight decay is for kernels only)
    expect(model.trainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['kernel', 'gamma', 'beta', 'kernel', 'bias']);
    model.dispose();
    data.dispose();
  });

  it('records evals at 0, every evalEvery and the last step with per-weight gradient and weight norms; probes at atSteps', async () => {
    const data = await loadData(synth(64, 32), input, 8, { dataDir: 'data' });
    const model = smallNet(8, 4);
    const spec = { ...runSpec({ steps: 7, evalEvery: 3, targetAccuracy: 0 }, synth(64, 32)), probe: { batch: 4, source: 'data' as const, inputStd: 1, atSteps: [0, 3, 7, 99] } };
    const probed: number[] = [];
    const out = await trainRun(spec, { model }, data, {
      probeAt: async (step) => {
        probed.push(step);
        return { step, input: { source: 'data', std: 1, batch: 4 }, cotangent: 'unit-gaussian', layers: [], summary: { perLayerRatio: null, theoryPerLayerRatio: null, lastOverFirst: null, theoryLastOverFirst: null } };
      },
    });
    expect(out.train.evals.map((e) => e.step)).toEqual([0, 3, 6, 7]);
    expect(probed).toEqual([3, 7]);
    expect(out.train.probes.map((p) => p.step)).toEqual([3, 7]);
    const nWeights = model.trainableWeights.length; // conv1 k,b conv2 k,b head k,b
    expect(nWeights).toBe(6);
    expect(out.train.paramNames).toEqual(['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias', 'head/kernel', 'head/bias']);
    for (const e of out.train.evals) {
      expect(e.gradNorms).toHaveLength(nWeights);
      expect(e.weightNorms).toHaveLength(nWeights);
      expect(e.gradNorms.every((g) => g > 0 || g === 0)).toBe(true);
    }
    // weight norm of head/kernel at step 0 equals its L2 norm computed independently
    const hk = model.getLayer('head').getWeights()[0]!;
    expect(out.train.evals.at(-1)!.weightNorms[4]).toBeCloseTo(Math.hypot(...hk.dataSync()), 4);
    expect(out.train.stepsToTarget).toBe(0);
    expect(out.train.timeToTargetMs).toBe(0);
    expect(out.train.imagesPerSec).toBeGreaterThan(0);
    model.dispose();
    data.dispose();
  });
  it('an eval at step s measures the model after s updates: step 0 is the initial model, step 6 ≠ step 7', async () => {
    const data = await loadData(synth(64, 32), input, 13, { dataDir: 'data' });
    const model = smallNet(13, 4);
    const atInit = await evaluate(model, data, false);
    const initNorms = model.trainableWeights.map((w) => Math.hypot(...w.read().dataSync()));
    const out = await trainRun(runSpec({ optimizer: 'sgd', lr: 0.05, steps: 7, evalEvery: 3 }, synth(64, 32)), { model }, data);
    const [e0, , e6, e7] = out.train.evals;
    expect(out.train.evals.map((e) => e.step)).toEqual([0, 3, 6, 7]);
    expect([e0!.accuracy, e0!.loss]).toEqual([atInit.accuracy, atInit.loss]);
    e0!.weightNorms.forEach((n, i) => expect(n).toBeCloseTo(initNorms[i]!, 4));
    // step 6 → 7 is one update (the last step only measures), so the two evals differ
    expect(e7!.loss).not.toBe(e6!.loss);
    expect(e7!.weightNorms).not.toEqual(e6!.weightNorms);
    model.dispose();
    data.dispose();
  });
});

describe('schedules and optimizers', () => {
  const t = (over: Partial<TrainSpec>): TrainSpec => ({
    optimizer: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0, schedule: { kind: 'constant' }, warmupSteps: 0,
    batchSize: 1, steps: 100, evalEvery: 10, targetAccuracy: 1, ...over,
  });
  it.each([
    ['constant', t({}), 37, 0.1],
    ['warmup 10, step 3 of warm-up', t({ warmupSteps: 10 }), 3, 0.04],
    ['step every 20 × 0.5 at step 45', t({ schedule: { kind: 'step', every: 20, factor: 0.5 } }), 45, 0.025],
    ['cosine at the middle', t({ schedule: { kind: 'cosine' } }), 50, 0.05],
    ['cosine at the start', t({ schedule: { kind: 'cosine' } }), 0, 0.1],
    ['warmup 20 + cosine, half-way after warm-up', t({ warmupSteps: 20, schedule: { kind: 'cosine' } }), 60, 0.05],
  ] as const)('lrAt: %s', (_name, spec, step, want) => {
    expect(lrAt(step, spec)).toBeCloseTo(want, 12);
  });

  it.each([
    // w0 = 2, gradient of ½w² is w; hand-computed two steps
    ['sgd lr 0.1 wd 0.5', t({ optimizer: 'sgd', weightDecay: 0.5 }), [2 - 0.1 * (2 + 1), 1.7 - 0.1 * (1.7 + 0.85)]],
    ['momentum lr 0.1 μ 0.9', t({ optimizer: 'momentum' }), [1.8, 1.8 - 0.1 * (0.9 * 2 + 1.8)]],
    // adam's first step moves by lr·sign(g) (m̂/√ŝ = g/|g|); second: m=0.19+0.1·1.9... computed below
    ['adam lr 0.1', t({ optimizer: 'adam' }), [1.9, adamSecond()]],
  ] as const)('optimizer %s: two steps on f(w) = ½w² match hand computation', (_n, spec, want) => {
    const w = tf.variable(tf.tensor1d([2]), true, `w_${_n}`);
    const opt = makeOptimizer(spec);
    const got: number[] = [];
    for (let step = 0; step < 2; step++) {
      const g = tf.clone(w);
      opt.apply([{ name: 'k/kernel', v: w, decay: true }], [g], 0.1, step);
      g.dispose();
      got.push(w.dataSync()[0]!);
    }
    expect(got[0]).toBeCloseTo(want[0], 6);
    expect(got[1]).toBeCloseTo(want[1], 6);
    opt.dispose();
    w.dispose();
  });
});

function adamSecond(): number {
  const b1 = 0.9;
  const b2 = 0.999;
  const g1 = 2;
  const w1 = 1.9;
  const m = b1 * ((1 - b1) * g1) + (1 - b1) * w1;
  const s = b2 * ((1 - b2) * g1 * g1) + (1 - b2) * w1 * w1;
  const mh = m / (1 - b1 ** 2);
  const sh = s / (1 - b2 ** 2);
  return w1 - 0.1 * (mh / (Math.sqrt(sh) + 1e-8));
}

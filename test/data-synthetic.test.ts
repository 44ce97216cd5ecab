import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import type { DataSpec, InputSpec, RunSpec } from '../src/core/types.ts';
import { loadData, sampleImages } from '../src/data/index.ts';
import { generateSynthetic, syntheticParams } from '../src/data/synthetic.ts';
import { trainRun } from '../src/train/index.ts';

beforeAll(async () => {
  await readyBackend('wasm');
});

const input: InputSpec = { height: 16, width: 16, channels: 3 };
const spec = (over: Partial<Extract<DataSpec, { kind: 'synthetic' }>> = {}): Extract<DataSpec, { kind: 'synthetic' }> => ({
  kind: 'synthetic', difficulty: 0.5, classes: 4, trainSize: 1024, testSize: 400, ...over,
});

async function arr(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('synthetic task', () => {
  it.each([
    [0, { contrast: 1, noise: 0.1, jitter: 0.1, orientJitter: 0 }],
    [1, { contrast: 0.25, noise: 1, jitter: 0.35, orientJitter: (0.6 * Math.PI) / 8 }],
  ] as const)('difficulty %d sets contrast, noise, jitter as documented (k=4)', (d, want) => {
    const p = syntheticParams(d, 4);
    for (const [k, v] of Object.entries(want)) expect(p[k as keyof typeof p]).toBeCloseTo(v, 12);
  });

  it('is deterministic from the seed, differs across seeds, and train ≠ held-out', async () => {
    const a = generateSynthetic(spec(), input, 42, 'train');
    const b = generateSynthetic(spec(), input, 42, 'train');
    const c = generateSynthetic(spec(), input, 43, 'train');
    const t = generateSynthetic(spec(), input, 42, 'test');
    const bytes = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    expect(bytes(a.images).equals(bytes(b.images))).toBe(true);
    expect(bytes(a.images.subarray(0, 768)).equals(bytes(c.images.subarray(0, 768)))).toBe(false);
    expect(bytes(a.images.subarray(0, 768)).equals(bytes(t.images.subarray(0, 768)))).toBe(false);
    // balanced labels: i mod K
    expect(Array.from(a.labels.subarray(0, 8))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    const d1 = await loadData(spec(), input, 42, { dataDir: 'data' });
    const d2 = await loadData(spec(), input, 42, { dataDir: 'data' });
    const [b1, b2] = [d1.batch(37, 32), d2.batch(37, 32)];
    expect(await arr(b1.x)).toEqual(await arr(b2.x));
    expect(await arr(b1.y)).toEqual(await arr(b2.y));
    b1.y.dispose();
    b2.y.dispose();
    d1.dispose();
    d2.dispose();
  });

  it('is standardized per channel on the training split, and the class-mean image is ≈ 0 (no pixel-level shortcut)', async () => {
    const ds = await loadData(spec({ trainSize: 2000 }), input, 3, { dataDir: 'data' });
    const all = ds.batch(0, 2000);
    const x = all.x;
    const mean = await arr(tf.mean(x, [0, 1, 2]));
    const vr = await arr(tf.moments(x, [0, 1, 2]).variance);
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-4);
    for (const v of vr) expect(v).toBeCloseTo(1, 3);
    // per class, the mean image over ~500 examples: |mean| per pixel small vs the pixel std 1
    const labels = await arr(tf.argMax(all.y, 1));
    const xs = await x.data();
    const D = 16 * 16 * 3;
    for (let k = 0; k < 4; k++) {
      const acc = new Float64Array(D);
      let n = 0;
      labels.forEach((l, i) => {
        if (l !== k) return;
        n++;
        for (let j = 0; j < D; j++) acc[j]! += xs[i * D + j]!;
      });
      const rms = Math.sqrt(acc.reduce((s, v) => s + (v / n) ** 2, 0) / D);
      // pure noise would give ≈ 1/√n ≈ 0.045; a class template would give O(contrast)
      expect(rms).toBeLessThan(0.08);
    }
    x.dispose();
    all.y.dispose();
    ds.dispose();
  });

  it('sampleImages gives 24 HWC byte images, 6 per class, with orientation class names', async () => {
    const s = await sampleImages(spec(), input, 5, { dataDir: 'data' });
    expect(s.images).toHaveLength(24);
    expect(s.labels).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3]);
    expect(s.images[0]).toHaveLength(16 * 16 * 3);
    expect(s.classNames).toEqual(['0°', '45°', '90°', '135°']);
  });
});

function run(seed: number, steps: number): RunSpec {
  return {
    id: 'learn', suite: 'test', seed, repeat: 0, init: { name: 'he-normal' }, activation: { name: 'relu' },
    arch: { kind: 'plain', depth: 3, width: 8, kernel: 3, padding: 'same', bias: true, downsample: { at: [2], mode: 'maxpool' }, head: 'gap-dense', classes: 4 },
    input, probe: null, data: spec(),
    train: { optimizer: 'adam', lr: 0.003, momentum: 0.9, weightDecay: 0, schedule: { kind: 'constant' }, warmupSteps: 0, batchSize: 32, steps, evalEvery: 100, targetAccuracy: 0.6 },
  };
}

function cnn(seed: number): tf.LayersModel {
  const x = tf.input({ shape: [16, 16, 3] });
  let h: tf.SymbolicTensor = x;
  for (let i = 1; i <= 3; i++) {
    h = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed + i }) }).apply(h) as tf.SymbolicTensor;
    if (i === 2) h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  }
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed }) }).apply(h) as tf.SymbolicTensor });
}

function linear(seed: number): tf.LayersModel {
  const x = tf.input({ shape: [16, 16, 3] });
  const f = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed }) }).apply(f) as tf.SymbolicTensor });
}

describe('synthetic task is learnable by a CNN, not by a linear model on pixels (d = 0.5, 4 classes, 400 held out)', () => {
  // binomial std of accuracy at chance: √(0.25·0.75/400) = 0.0217
  const sigma = Math.sqrt((0.25 * 0.75) / 400);

  it('a 3-conv CNN (width 8) beats chance by > 8σ within 200 adam steps', async () => {
    const data = await loadData(spec(), input, 9, { dataDir: 'data' });
    const model = cnn(9);
    const out = await trainRun(run(9, 200), { model }, data);
    expect(out.status).toBe('ok');
    expect(out.train.finalAccuracy!).toBeGreaterThan(0.25 + 8 * sigma);
    model.dispose();
    data.dispose();
  });

  it('logistic regression on raw pixels stays within 4σ of chance after 200 adam steps', async () => {
    const data = await loadData(spec(), input, 9, { dataDir: 'data' });
    const model = linear(9);
    const out = await trainRun(run(9, 200), { model }, data);
    expect(out.train.finalAccuracy!).toBeLessThan(0.25 + 4 * sigma);
    model.dispose();
    data.dispose();
  });
});

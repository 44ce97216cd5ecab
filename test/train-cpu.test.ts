import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import type { RunSpec } from '../src/core/types.ts';
import { loadData } from '../src/data/index.ts';
import { trainRun } from '../src/train/index.ts';

// The pure-JS cpu backend is slow on convolutions here, so this file keeps the net and run tiny.
beforeAll(async () => {
  await readyBackend('cpu');
});

const input = { height: 8, width: 8, channels: 3 };

function net(seed: number): tf.LayersModel {
  const x = tf.input({ shape: [8, 8, 3] });
  const c = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }) })
    .apply(x) as tf.SymbolicTensor;
  const g = tf.layers.globalAveragePooling2d({}).apply(c) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }).apply(g) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y });
}

function spec(seed: number): RunSpec {
  return {
    id: 'cpu', suite: 'test', seed, repeat: 0,
    init: { name: 'he-normal' }, activation: { name: 'relu' },
    arch: { kind: 'plain', depth: 1, width: 4, kernel: 3, padding: 'same', bias: true, downsample: { at: [], mode: 'maxpool' }, head: 'gap-dense', classes: 3 },
    input, probe: null,
    data: { kind: 'synthetic', difficulty: 0.2, classes: 3, trainSize: 32, testSize: 16 },
    train: { optimizer: 'momentum', lr: 0.05, momentum: 0.9, weightDecay: 1e-4, schedule: { kind: 'cosine' }, warmupSteps: 2, batchSize: 8, steps: 6, evalEvery: 3, targetAccuracy: 1 },
  };
}

describe('trainRun on the cpu backend', () => {
  it('the same seed gives bit-identical loss curves and evals; another seed does not', async () => {
    expect(tf.getBackend()).toBe('cpu');
    const curve = async (seed: number) => {
      const s = spec(seed);
      const data = await loadData(s.data!, input, seed, { dataDir: 'data' });
      const model = net(seed);
      const out = await trainRun(s, { model }, data);
      model.dispose();
      data.dispose();
      return { losses: out.train.losses.map((l) => l.loss), evals: out.train.evals.map((e) => [e.accuracy, e.loss, ...e.gradNorms, ...e.weightNorms]) };
    };
    const a = await curve(21);
    const b = await curve(21);
    const c = await curve(22);
    expect(a.losses).toHaveLength(6);
    expect(a).toEqual(b);
    expect(a.losses).not.toEqual(c.losses);
  });
});

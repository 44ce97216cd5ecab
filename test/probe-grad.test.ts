/**
 * The probe's gradients (wrt every pre-activation and every kernel, in one backward pass) against
 * central finite differences of the forward pass, on tiny nets on the cpu backend.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readyBackend } from '../src/backend/index.ts';
import { buildModel, forward, getWeightMap, setWeightMap, type BuiltModel } from '../src/model/index.ts';
import { probeTensors } from '../src/probe/measure.ts';
import type { ActivationSpec, ArchKind, ArchSpec } from '../src/core/types.ts';

beforeAll(async () => {
  await readyBackend('cpu');
});

function tiny(kind: ArchKind, act: ActivationSpec, head: ArchSpec['head']): BuiltModel {
  return buildModel({
    arch: {
      kind,
      depth: 3,
      width: 2,
      kernel: 3,
      padding: 'same',
      bias: true,
      downsample: { at: [], mode: 'maxpool' },
      head,
      classes: 3,
    },
    input: { height: 4, width: 4, channels: 2 },
    activation: act,
    kernelInitializer: (l) => tf.initializers.randomNormal({ mean: 0, stddev: 0.6, seed: l.seed }),
    seed: 3,
  });
}

/** ⟨top, g⟩ with `delta` added to entry `at` of layer i's pre-activation. */
function objective(b: BuiltModel, x: tf.Tensor4D, g: tf.Tensor, layer: number, at: number, delta: number): number {
  return tf.tidy(() => {
    const top = forward<tf.Tensor>(b.net, x, {
      kwargs: { training: true },
      pre: (i, z) => {
        if (i !== layer) return z;
        const buf = new Float32Array(z.size);
        buf[at] = delta;
        return tf.add(z, tf.tensor(buf, z.shape));
      },
    });
    return tf.sum(tf.mul(top, g)).dataSync()[0]!;
  });
}

const cases: [ArchKind, ActivationSpec, ArchSpec['head']][] = [
  ['plain', { name: 'tanh' }, 'gap-dense'],
  ['plain', { name: 'selu' }, 'none'],
  ['residual', { name: 'gelu' }, 'gap-dense'],
  ['batchnorm', { name: 'swish' }, 'gap-dense'],
];

describe('gradient wrt pre-activations vs central finite differences', () => {
  for (const [kind, act, head] of cases) {
    it(`${kind} depth 3, ${act.name}, head ${head}: every layer, 6 entries each, and the kernels`, () => {
      const b = tiny(kind, act, head);
      const x = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 17) as tf.Tensor4D;
      const pt = probeTensors({ net: b.net, layers: b.layers, activation: act.name, batch: x, cotangentSeed: 23 });
      const h = 1e-2;
      let checked = 0;
      b.layers.forEach((l, j) => {
        const grad = pt.gradPre[j]!.dataSync();
        const z = pt.pre[j]!.dataSync();
        for (let s = 0; s < 6; s++) {
          // selu's derivative jumps at 0: take the next entry whose ±h step stays on one side of the kink
          let at = Math.floor(((s + 0.5) / 6) * grad.length);
          while (Math.abs(z[at]!) < 3 * h) at = (at + 1) % grad.length;
          const fd = (objective(b, x, pt.cotangent, l.index, at, h) - objective(b, x, pt.cotangent, l.index, at, -h)) / (2 * h);
          expect(Math.abs(grad[at]! - fd)).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
          checked++;
        }
      });
      expect(checked).toBe(6 * b.layers.length);
      // The kernels: perturb one weight through the weight map, recompute ⟨top, g⟩.
      const w = getWeightMap(b.model);
      const g2 = pt.gradWeight[1]!.dataSync();
      const key = 'conv2/kernel';
      // A weight step moves every pre-activation of the layer, so some cross selu's kink: kernels only on smooth φ.
      const smooth = act.name !== 'selu';
      for (const at of smooth ? [0, 7, 19, 35] : []) {
        const shifted = (d: number): number => {
          const data = Float32Array.from(w.get(key)!.data);
          data[at]! += d;
          setWeightMap(b.model, new Map([[key, { shape: w.get(key)!.shape, data }]]));
          return objective(b, x, pt.cotangent, -1, 0, 0);
        };
        const fd = (shifted(h) - shifted(-h)) / (2 * h);
        expect(Math.abs(g2[at]! - fd)).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
      }
      setWeightMap(b.model, w);
      // pre-activations are the model's own: the probe model's outputs in training mode agree
      const outs = b.probeModel.apply(x, { training: true }) as tf.Tensor[];
      expect(Array.from(outs[b.probeOutputs.pre[2]!]!.dataSync())).toEqual(Array.from(pt.pre[2]!.dataSync()));
      tf.dispose(outs);
      pt.dispose();
      x.dispose();
    });
  }

  it('batchnorm: a probe leaves the moving averages as they were and repeats exactly', () => {
    const b = tiny('batchnorm', { name: 'relu' }, 'gap-dense');
    const before = getWeightMap(b.model);
    const x = tf.randomNormal([4, 4, 4, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const run = (): number[] => {
      const pt = probeTensors({ net: b.net, layers: b.layers, activation: 'relu', batch: x, cotangentSeed: 9 });
      const v = Array.from(pt.gradPre[0]!.dataSync());
      pt.dispose();
      return v;
    };
    const n0 = tf.memory().numTensors;
    const first = run();
    expect(tf.memory().numTensors).toBe(n0);
    expect(run()).toEqual(first);
    const after = getWeightMap(b.model);
    for (const k of ['bn1/moving_mean', 'bn2/moving_variance', 'bn3/moving_mean']) expect(after.get(k)!.data).toEqual(before.get(k)!.data);
    // and the model's own training-mode call does move them (what the restore undoes)
    tf.tidy(() => b.model.apply(x, { training: true }) as tf.Tensor);
    expect(getWeightMap(b.model).get('bn1/moving_mean')!.data).not.toEqual(before.get('bn1/moving_mean')!.data);
    x.dispose();
  });

  it('the head gradient is the cotangent itself, and gradients are not all zero', () => {
    const b = tiny('plain', { name: 'tanh' }, 'gap-dense');
    const x = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const pt = probeTensors({ net: b.net, layers: b.layers, activation: 'tanh', batch: x, cotangentSeed: 9 });
    expect(Array.from(pt.gradPre[3]!.dataSync())).toEqual(Array.from(pt.cotangent.dataSync()));
    expect(Math.max(...Array.from(pt.gradPre[0]!.dataSync()).map(Math.abs))).toBeGreaterThan(1e-4);
    pt.dispose();
    x.dispose();
  });
});

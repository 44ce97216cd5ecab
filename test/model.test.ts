import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readyBackend } from '../src/backend/index.ts';
import { BN_EPSILON, buildModel, getWeightMap, layerInits, setWeightMap } from '../src/model/index.ts';
import { BN_EPSILON as theoryBnEpsilon } from '../src/theory/index.ts';
import { BN_EPSILON as referenceBnEpsilon } from '../src/reference/index.ts';
import type { ActivationSpec, ArchKind, ArchSpec, InputSpec, LayerInit } from '../src/core/types.ts';
import { deriveSeed } from '../src/core/rng.ts';
import { InputError } from '../src/core/errors.ts';
import { buildRunModel } from '../src/model/index.ts';
import { normalizeInitSpec } from '../src/init/index.ts';
import type { RunSpec } from '../src/core/types.ts';
import type { BuiltinRunSpec } from '../src/core/types.ts';

const input: InputSpec = { height: 8, width: 8, channels: 3 };

function arch(kind: ArchKind, over: Partial<ArchSpec> = {}): ArchSpec {
  return {
    kind,
    depth: 5,
    width: 4,
    kernel: 3,
    padding: 'same',
    bias: true,
    downsample: { at: [], mode: 'maxpool' },
    head: 'gap-dense',
    classes: 10,
    ...over,
  };
}

const heNormal = (l: LayerInit) => tf.initializers.heNormal({ seed: l.seed });

function build(a: ArchSpec, act: ActivationSpec = { name: 'relu' }, seed = 7, inp: InputSpec = input) {
  return buildModel({ arch: a, input: inp, activation: act, kernelInitializer: heNormal, seed });
}

function noise(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
}

beforeAll(async () => {
  await readyBackend('cpu');
});

describe('model structure', () => {
  it('plain depth 5 width 4: layer names, output shape and a hand-counted parameter total', () => {
    const b = build(arch('plain'));
    expect(b.model.layers.map((l) => l.name)).toEqual([
      'input', 'conv1', 'act1', 'conv2', 'act2', 'conv3', 'act3', 'conv4', 'act4', 'conv5', 'act5', 'gap', 'head',
    ]);
    expect(b.model.outputs[0]!.shape).toEqual([null, 10]);
    // conv1 3·3·3·4+4, conv2..5 3·3·4·4+4 each, head 4·10+10
    expect(b.model.countParams()).toBe(3 * 3 * 3 * 4 + 4 + 4 * (3 * 3 * 4 * 4 + 4) + 4 * 10 + 10);
    expect(b.layers.map((l) => [l.name, l.fanIn, l.fanOut])).toEqual([
      ['conv1', 27, 36], ['conv2', 36, 36], ['conv3', 36, 36], ['conv4', 36, 36], ['conv5', 36, 36], ['head', 4, 10],
    ]);
    // probe model: (pre, post) per conv layer then the top (logits)
    expect(b.probeModel.outputs.length).toBe(2 * 5 + 1);
    expect(b.probeOutputs).toEqual({ pre: [0, 2, 4, 6, 8], post: [1, 3, 5, 7, 9], top: 10 });
  });

  it('batchnorm depth 3 without bias: bn layers between conv and act, 4 weights each', () => {
    const b = build(arch('batchnorm', { depth: 3, bias: false }));
    expect(b.model.layers.map((l) => l.name)).toEqual([
      'input', 'conv1', 'bn1', 'act1', 'conv2', 'bn2', 'act2', 'conv3', 'bn3', 'act3', 'gap', 'head',
    ]);
    expect(b.model.countParams()).toBe(3 * 3 * 3 * 4 + 2 * 3 * 3 * 4 * 4 + 3 * 4 * 4 + 4 * 10 + 10);
    expect([...getWeightMap(b.model).keys()]).toEqual([
      'conv1/kernel', 'bn1/gamma', 'bn1/beta', 'bn1/moving_mean', 'bn1/moving_variance',
      'conv2/kernel', 'bn2/gamma', 'bn2/beta', 'bn2/moving_mean', 'bn2/moving_variance',
      'conv3/kernel', 'bn3/gamma', 'bn3/beta', 'bn3/moving_mean', 'bn3/moving_variance',
      'head/kernel', 'head/bias',
    ]);
  });

  it('batch-norm epsilon: the tfjs layers use BN_EPSILON, and theory and reference keep the same value', () => {
    const b = build(arch('batchnorm', { depth: 2 }));
    const eps = (b.model.getLayer('bn1').getConfig() as { epsilon: number }).epsilon;
    expect([eps, theoryBnEpsilon, referenceBnEpsilon]).toEqual([BN_EPSILON, BN_EPSILON, BN_EPSILON]);
    expect(BN_EPSILON).toBe(1e-3);
  });

  it('residual depth 5: stem + 2 blocks with add layers, roles for Fixup', () => {
    const b = build(arch('residual'));
    const names = b.model.layers.map((l) => l.name);
    for (const n of ['conv1', 'act1', 'conv2', 'act2', 'conv3', 'add1', 'act3', 'conv4', 'act4', 'conv5', 'add2', 'act5']) {
      expect(names).toContain(n);
    }
    expect(b.layers.map((l) => l.role)).toEqual(['stem', 'branch-first', 'branch-last', 'branch-first', 'branch-last', 'head']);
    // adds and activations have no weights: same count as the plain net of this depth
    expect(b.model.countParams()).toBe(3 * 3 * 3 * 4 + 4 + 4 * (3 * 3 * 4 * 4 + 4) + 4 * 10 + 10);
    expect(b.probeModel.outputs.length).toBe(11);
    expect(layerInits(arch('residual'), input, 7).every((l) => l.residualBlocks === 2)).toBe(true);
  });

  it('residual-bn depth 3: bn3 sits before add1', () => {
    const b = build(arch('residual-bn', { depth: 3 }));
    const add = b.model.getLayer('add1');
    const inbound = (add as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes[0]!.inboundLayers.map((l) => l.name);
    expect(inbound).toEqual(['act1', 'bn3']);
  });

  it('stride downsample at 2,3 on 8x8 valid kernel 3: spatial sizes follow floor((n-k)/s)+1', () => {
    const b = build(arch('plain', { depth: 3, padding: 'valid', downsample: { at: [2, 3], mode: 'stride' } }), { name: 'relu' }, 7, {
      height: 16, width: 16, channels: 1,
    });
    expect(b.layers.slice(0, 3).map((l) => l.spatial)).toEqual([[14, 14], [6, 6], [2, 2]]);
    expect((b.model.getLayer('conv3').outputShape as number[]).slice(1)).toEqual([2, 2, 4]);
  });

  it('maxpool downsample at 1,3: pool layers after act1 and act3, spatial 8→4→2', () => {
    const b = build(arch('plain', { depth: 3, downsample: { at: [1, 3], mode: 'maxpool' } }));
    const names = b.model.layers.map((l) => l.name);
    expect(names.slice(0, 7)).toEqual(['input', 'conv1', 'act1', 'pool1', 'conv2', 'act2', 'conv3']);
    expect(b.layers.slice(0, 3).map((l) => l.spatial)).toEqual([[8, 8], [4, 4], [4, 4]]);
    expect((b.model.getLayer('pool3').outputShape as number[]).slice(1)).toEqual([2, 2, 4]);
  });

  it('head none: the output is the last activation', () => {
    const b = build(arch('plain', { head: 'none', depth: 2 }));
    expect(b.model.outputs[0]!.shape).toEqual([null, 8, 8, 4]);
    expect(b.layers.length).toBe(2);
    expect(b.probeOutputs.top).toBe(3);
    expect(b.probeModel.outputs.length).toBe(4);
  });

  it('residual with even depth 4 is an InputError', () => {
    expect(() => build(arch('residual', { depth: 4 }))).toThrow(InputError);
  });
});

describe('model numerics', () => {
  it('residual depth 3 equals hand-wired tf ops with the same weights', () => {
    const a = arch('residual', { depth: 3 });
    const b = build(a);
    const w = getWeightMap(b.model);
    const x = noise([2, 8, 8, 3], 11);
    const t = (k: string) => tf.tensor(w.get(k)!.data, w.get(k)!.shape);
    const conv = (h: tf.Tensor4D, i: number) =>
      tf.add(tf.conv2d(h, t(`conv${i}/kernel`) as tf.Tensor4D, 1, 'same'), t(`conv${i}/bias`)) as tf.Tensor4D;
    const h1 = tf.relu(conv(x, 1));
    const h2 = tf.relu(conv(h1, 2));
    const h3 = tf.relu(tf.add(h1, conv(h2, 3)));
    const logits = tf.add(tf.matMul(tf.mean(h3, [1, 2]), t('head/kernel') as tf.Tensor2D), t('head/bias'));
    const got = b.model.predict(x) as tf.Tensor;
    expect(Array.from(got.dataSync()).map((v, i) => Math.abs(v - logits.dataSync()[i]!))).toSatisfy((d: number[]) =>
      d.every((e) => e < 1e-5),
    );
    // a nonzero head bias so the check covers it
    expect(Math.max(...Array.from(logits.dataSync()).map(Math.abs))).toBeGreaterThan(0);
  });

  it('same seed gives identical weights; each layer seeded deriveSeed(seed, name)', () => {
    const a = arch('plain', { depth: 3 });
    const w1 = getWeightMap(build(a, { name: 'relu' }, 99).model);
    const w2 = getWeightMap(build(a, { name: 'relu' }, 99).model);
    const w3 = getWeightMap(build(a, { name: 'relu' }, 100).model);
    expect(w1.get('conv2/kernel')!.data).toEqual(w2.get('conv2/kernel')!.data);
    expect(w1.get('conv2/kernel')!.data).not.toEqual(w3.get('conv2/kernel')!.data);
    const direct = tf.initializers.heNormal({ seed: deriveSeed(99, 'conv2') }).apply([3, 3, 4, 4]);
    expect(w1.get('conv2/kernel')!.data).toEqual(direct.dataSync());
  });

  it('weight map round trip: another seed, set weights, identical outputs (batchnorm, training mode)', () => {
    const a = arch('residual-bn', { depth: 3 });
    const src = build(a, { name: 'tanh' }, 1);
    const dst = build(a, { name: 'tanh' }, 2);
    const x = noise([4, 8, 8, 3], 5);
    const before = dst.model.apply(x, { training: true }) as tf.Tensor;
    const want = src.model.apply(x, { training: true }) as tf.Tensor;
    expect(before.dataSync()).not.toEqual(want.dataSync());
    setWeightMap(dst.model, getWeightMap(src.model));
    const after = dst.model.apply(x, { training: true }) as tf.Tensor;
    expect(after.dataSync()).toEqual(want.dataSync());
    expect(() => setWeightMap(dst.model, new Map([['conv9/kernel', { shape: [1], data: new Float32Array(1) }]]))).toThrow(/no weight/);
  });

  it('save/load round trip with a custom elu(0.5) layer keeps outputs', async () => {
    const b = build(arch('plain', { depth: 2 }), { name: 'elu', alpha: 0.5 });
    let artifacts: tf.io.ModelArtifacts | null = null;
    await b.model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = noise([2, 8, 8, 3], 3);
    expect((loaded.predict(x) as tf.Tensor).dataSync()).toEqual((b.model.predict(x) as tf.Tensor).dataSync());
  });
});

describe('models with our initializers', () => {
  const spec = (init: string, kind: ArchKind = 'plain', depth = 3): BuiltinRunSpec => ({
    id: 't',
    suite: 'test',
    seed: 42,
    repeat: 0,
    init: normalizeInitSpec(init),
    activation: { name: 'relu' },
    arch: arch(kind, { depth }),
    input,
    probe: null,
    data: null,
    train: null,
  });

  for (const [init, kind, depth] of [['he-normal', 'plain', 3], ['orthogonal', 'batchnorm', 3], ['fixup', 'residual', 5], ['tfjs:heNormal', 'plain', 2]] as const) {
    it(`${init} on ${kind} depth ${depth}: save/load keeps the topology, the weights and the outputs`, async () => {
      const built = await buildRunModel(spec(init, kind, depth));
      let artifacts: tf.io.ModelArtifacts | null = null;
      await built.model.save(tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      // the saved topology names our initializer classes, so loading needs them registered
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      const a = getWeightMap(built.model);
      const b = getWeightMap(loaded);
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [k, v] of a) expect(b.get(k)!.data).toEqual(v.data);
      const x = noise([2, 8, 8, 3], 4);
      expect((loaded.predict(x) as tf.Tensor).dataSync()).toEqual((built.model.predict(x) as tf.Tensor).dataSync());
      expect(built.weightVariances.length).toBe(depth + 1);
      built.dispose();
      loaded.dispose();
    });
  }

  it('fixup: branch-last kernels and the head start at zero; He variance 2/fan_in is what the theory is given', async () => {
    const built = await buildRunModel(spec('fixup', 'residual', 5));
    const w = getWeightMap(built.model);
    for (const k of ['conv3/kernel', 'conv5/kernel', 'head/kernel']) expect(w.get(k)!.data.every((v) => v === 0)).toBe(true);
    expect(built.weightVariances[0]).toBeCloseTo(2 / 27, 12);
    expect(built.weightVariances[2]).toBe(0);
    built.dispose();
  });
});

describe('activation layers', () => {
  const xs = [-2, -0.5, 0, 0.3, 1.5];
  const erf = (x: number) => {
    // Abramowitz–Stegun 7.1.26 (|err| < 1.5e-7)
    const s = Math.sign(x);
    const ax = Math.abs(x);
    const t = 1 / (1 + 0.3275911 * ax);
    const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-ax * ax);
    return s * y;
  };
  const cases: [ActivationSpec, (x: number) => number][] = [
    [{ name: 'relu' }, (x) => Math.max(0, x)],
    [{ name: 'leaky_relu', alpha: 0.2 }, (x) => (x > 0 ? x : 0.2 * x)],
    [{ name: 'leaky_relu' }, (x) => (x > 0 ? x : 0.01 * x)],
    [{ name: 'tanh' }, Math.tanh],
    [{ name: 'sigmoid' }, (x) => 1 / (1 + Math.exp(-x))],
    [{ name: 'selu' }, (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1))],
    [{ name: 'elu' }, (x) => (x > 0 ? x : Math.exp(x) - 1)],
    [{ name: 'elu', alpha: 0.5 }, (x) => (x > 0 ? x : 0.5 * (Math.exp(x) - 1))],
    [{ name: 'gelu' }, (x) => 0.5 * x * (1 + erf(x / Math.SQRT2))],
    [{ name: 'swish' }, (x) => x / (1 + Math.exp(-x))],
    [{ name: 'linear' }, (x) => x],
  ];
  for (const [act, f] of cases) {
    it(`${act.name}${act.alpha !== undefined ? `(${act.alpha})` : ''} matches its formula`, () => {
      // 1×1 conv with identity kernel: the model's act1 output is act(x) exactly
      const b = buildModel({
        arch: arch('plain', { depth: 1, kernel: 1, width: 1, head: 'none', bias: false }),
        input: { height: 1, width: 5, channels: 1 },
        activation: act,
        kernelInitializer: () => tf.initializers.ones(),
        seed: 1,
      });
      const y = (b.model.predict(tf.tensor4d(xs, [1, 1, 5, 1])) as tf.Tensor).dataSync();
      xs.forEach((x, i) => expect(y[i]).toBeCloseTo(f(x), 5));
    });
  }
});

/**
 * src/usermodel topology.ts and load.ts: models built with tfjs in the test, saved with
 * tf.io.withSaveHandler to a temp dir, read back. Truth: tfjs itself (each layer's output shape, the
 * original model's outputs on the same batch, its weights byte for byte); Keras-converted configs
 * written by hand in the Keras 2 and Keras 3 forms; re-initialized kernels against their nominal
 * variance with a bound from the sample size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readyBackend } from '../src/backend/index.ts';
import { InputError } from '../src/core/errors.ts';
import { normalizeInitSpec } from '../src/init/index.ts';
import { readUserTopology, SUPPORTED_LAYERS } from '../src/usermodel/topology.ts';
import { loadUserModel, reinitialize } from '../src/usermodel/load.ts';
import { probeUserModel } from '../src/usermodel/probe.ts';
import { saveLayersModel } from './fixtures/save-model.ts';

beforeAll(async () => {
  await readyBackend('cpu');
});

const tmp = mkdtempSync(path.join(tmpdir(), 'initbench-usermodel-'));

/** Saves `m` as model.json + weights.bin in a fresh dir under tmp, returns the json path. */
const save = (m: tf.LayersModel, name: string): Promise<string> => saveLayersModel(m, path.join(tmp, name));

/** A functional model using every supported layer class once at least. */
function everyLayerModel(): tf.LayersModel {
  const L = tf.layers;
  const inp = tf.input({ shape: [9, 9, 3], name: 'img' });
  let a = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c1' }).apply(inp) as tf.SymbolicTensor;
  a = L.batchNormalization({ name: 'bn1' }).apply(a) as tf.SymbolicTensor;
  a = L.reLU({ name: 'r1' }).apply(a) as tf.SymbolicTensor;
  const b = L.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'sep' }).apply(inp) as tf.SymbolicTensor;
  let c = L.add({ name: 'add' }).apply([a, b]) as tf.SymbolicTensor;
  c = L.depthwiseConv2d({ kernelSize: 3, strides: 2, dilationRate: 1, name: 'dw', activation: 'elu' }).apply(c) as tf.SymbolicTensor;
  c = L.conv2d({ filters: 5, kernelSize: [3, 2], strides: [1, 2], padding: 'same', dilationRate: 1, name: 'c2', activation: 'tanh' }).apply(c) as tf.SymbolicTensor;
  c = L.zeroPadding2d({ padding: [[1, 0], [0, 2]], name: 'zp' }).apply(c) as tf.SymbolicTensor;
  c = L.elu({ name: 'elu' }).apply(c) as tf.SymbolicTensor;
  const d = L.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'mp' }).apply(c) as tf.SymbolicTensor;
  const e = L.averagePooling2d({ poolSize: 2, name: 'ap' }).apply(c) as tf.SymbolicTensor;
  const e2 = L.zeroPadding2d({ padding: [[0, 3], [0, 2]], name: 'zp2' }).apply(e) as tf.SymbolicTensor;
  let f = L.concatenate({ name: 'cat' }).apply([d, e2]) as tf.SymbolicTensor;
  const g1 = L.globalAveragePooling2d({ name: 'gap' }).apply(f) as tf.SymbolicTensor;
  const g2 = L.globalMaxPooling2d({ name: 'gmp' }).apply(f) as tf.SymbolicTensor;
  f = L.flatten({ name: 'fl' }).apply(f) as tf.SymbolicTensor;
  f = L.reshape({ targetShape: [10, f.shape[1]! / 10], name: 'rs' }).apply(f) as tf.SymbolicTensor;
  f = L.dense({ units: 3, name: 'd1' }).apply(f) as tf.SymbolicTensor;
  f = L.leakyReLU({ alpha: 0.1, name: 'lr' }).apply(f) as tf.SymbolicTensor;
  f = L.dropout({ rate: 0.5, name: 'do' }).apply(f) as tf.SymbolicTensor;
  f = L.flatten({ name: 'fl2' }).apply(f) as tf.SymbolicTensor;
  f = L.concatenate({ name: 'cat2' }).apply([f, g1, g2]) as tf.SymbolicTensor;
  f = L.dense({ units: 6, name: 'd2' }).apply(f) as tf.SymbolicTensor;
  f = L.activation({ activation: 'sigmoid', name: 'act' }).apply(f) as tf.SymbolicTensor;
  f = L.dense({ units: 2, name: 'd3' }).apply(f) as tf.SymbolicTensor;
  f = L.softmax({ name: 'sm' }).apply(f) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: f });
}

describe('usermodel: every supported layer, saved by tfjs and loaded back', () => {
  it('the test model covers every supported layer class', () => {
    const m = everyLayerModel();
    const classes = new Set(m.layers.map((l) => l.getClassName()));
    expect([...SUPPORTED_LAYERS].filter((c) => !classes.has(c))).toEqual([]);
    m.dispose();
  });

  it('functional model: topology shapes equal tfjs output shapes per layer, fans and following activations', async () => {
    const m = everyLayerModel();
    const file = await save(m, 'every');
    const t = readUserTopology(file);
    expect(t.format).toBe('tfjs-layers');
    expect(t.hasWeights).toBe(true);
    expect(t.layers.map((l) => l.name).sort()).toEqual(m.layers.map((l) => l.name).sort());
    for (const l of t.layers) {
      const tl = m.getLayer(l.name);
      expect([l.name, l.outputShape]).toEqual([l.name, (tl.outputShape as number[]).slice(1)]);
    }
    const by = new Map(t.layers.map((l) => [l.name, l]));
    expect(by.get('c1')).toMatchObject({ kind: 'conv', kernelShape: [3, 3, 3, 4], fanIn: 27, fanOut: 36, activation: 'relu', bnAfter: 'bn1', activationLayer: 'r1' });
    expect(by.get('sep')).toMatchObject({ kind: 'conv', kernelShape: [3, 3, 3, 1], fanIn: 9, fanOut: 9, activation: null, pointwise: { kernelShape: [1, 1, 3, 4], fanIn: 3, fanOut: 4 } });
    expect(by.get('dw')).toMatchObject({ kind: 'conv', kernelShape: [3, 3, 4, 1], fanIn: 9, activation: 'elu', activationLayer: 'dw' });
    expect(by.get('c2')).toMatchObject({ kernelShape: [3, 2, 4, 5], fanIn: 24, fanOut: 30, activation: 'tanh' });
    expect(by.get('d1')).toMatchObject({ kind: 'dense', kernelShape: [by.get('rs')!.outputShape[1]!, 3], activation: 'leaky_relu', activationAlpha: 0.1, activationLayer: 'lr' });
    expect(by.get('d2')).toMatchObject({ activation: 'sigmoid', activationLayer: 'act' });
    expect(by.get('d3')).toMatchObject({ activation: 'softmax', activationLayer: 'sm' });
    expect(by.get('c1')!.kernelInitializer).toEqual({ className: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null } });
    expect(t.inputShape).toEqual([9, 9, 3]);
    expect(t.outputShape).toEqual([2]);
    m.dispose();
  });

  it('functional model: loaded weights equal the saved ones and outputs on a batch match tfjs (inference mode)', async () => {
    const m = everyLayerModel();
    const file = await save(m, 'every-out');
    const loaded = await loadUserModel(file);
    for (const w of m.weights) {
      const other = loaded.getLayer(w.originalName.split('/')[0]!).weights.find((v) => v.originalName === w.originalName)!;
      expect(Array.from(other.read().dataSync())).toEqual(Array.from(w.read().dataSync()));
    }
    const x = tf.randomNormal([4, 9, 9, 3], 0, 1, 'float32', 11);
    const a = (m.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    // the same weights and ops: equal to float32 rounding (|a−b| ≤ 1e-6 + 1e-5·|a|)
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(v)));
    tf.dispose([x, m, loaded] as never);
  });

  it('functional model: the probe runs every supported layer on cpu, taps all seven conv/dense layers, leaks no tensor and leaves BN moving stats as they were', async () => {
    const m = everyLayerModel();
    const t = readUserTopology(await save(m, 'every-probe'));
    m.dispose();
    const loaded = await loadUserModel(t);
    const bn = () => Array.from(loaded.getLayer('bn1').getWeights()[2]!.dataSync());
    const moving = bn();
    const before = tf.memory().numTensors;
    const { results } = await probeUserModel({ model: loaded, topology: t, seeds: [1, 2], data: { source: 'gaussian', batch: 4, std: 1 } });
    expect(tf.memory().numTensors).toBe(before);
    expect(bn()).toEqual(moving);
    const r = results[0]!;
    expect(r.layers.map((l) => [l.name, l.className, l.activation])).toEqual([
      ['c1', 'Conv2D', 'relu'],
      ['sep', 'SeparableConv2D', null],
      ['dw', 'DepthwiseConv2D', 'elu'],
      ['c2', 'Conv2D', 'tanh'],
      ['d1', 'Dense', 'leaky_relu'],
      ['d2', 'Dense', 'sigmoid'],
      ['d3', 'Dense', 'softmax'],
    ]);
    for (const l of r.layers) {
      for (const v of [l.pre.variance, l.post.variance, l.gradPre.variance, l.gradWeight.variance]) expect([l.name, Number.isFinite(v) && v! > 0]).toEqual([l.name, true]);
    }
    // c1's pre is after bn1 in training mode: per-channel batch variance 1 (γ = 1, ε = 1e-3 against a variance of order 1)
    expect(r.layers[0]!.signal!.pre.variance).toBeGreaterThan(0.99);
    expect(r.layers[0]!.signal!.pre.variance).toBeLessThanOrEqual(1);
    // the sigmoid's post lies in (0, 1), the softmax's rows sum to 1: mean 1/2 over its two outputs
    expect(r.layers[6]!.post.mean).toBeCloseTo(0.5, 6);
    loaded.dispose();
  });

  it('sequential model: an input layer is made from batch_input_shape; same outputs after loading', async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, activation: 'relu', name: 's1' }),
        tf.layers.maxPooling2d({ poolSize: 2, name: 'sp' }),
        tf.layers.flatten({ name: 'sf' }),
        tf.layers.dense({ units: 4, name: 'sd' }),
      ],
    });
    const file = await save(m, 'seq');
    const t = readUserTopology(file);
    expect(t.layers.map((l) => [l.className, l.outputShape])).toEqual([
      ['InputLayer', [8, 8, 2]],
      ['Conv2D', [6, 6, 3]],
      ['MaxPooling2D', [3, 3, 3]],
      ['Flatten', [27]],
      ['Dense', [4]],
    ]);
    const loaded = await loadUserModel(t);
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 5);
    const a = (m.predict(x) as tf.Tensor).dataSync();
    const b = (loaded.predict(x) as tf.Tensor).dataSync();
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(v)));
    tf.dispose([x, m, loaded] as never);
  });

  it('topology-only (model.toJSON()): the declared initializers draw the same weights for the same seed, other weights for another', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [20], units: 30, name: 'dd' })] });
    const file = path.join(tmp, 'topo-only.json');
    writeFileSync(file, JSON.stringify(m.toJSON(null, false)));
    const t = readUserTopology(file);
    expect(t.format).toBe('topology-only');
    expect(t.hasWeights).toBe(false);
    const k = async (seed: number): Promise<number[]> => {
      const l = await loadUserModel(t, seed);
      const v = Array.from(l.getLayer('dd').getWeights()[0]!.dataSync());
      l.dispose();
      return v;
    };
    const a = await k(3);
    expect(await k(3)).toEqual(a);
    expect(await k(4)).not.toEqual(a);
    m.dispose();
  });

  it('content hash covers the weights: same topology, other weights → other hash', async () => {
    const mk = (seed: number): tf.LayersModel =>
      tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2, name: 'h', kernelInitializer: tf.initializers.glorotNormal({ seed }) })] });
    const a = readUserTopology(await save(mk(1), 'hash-a'));
    const a2 = readUserTopology(await save(mk(1), 'hash-a2'));
    const b = readUserTopology(await save(mk(2), 'hash-b'));
    expect(a.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.contentHash).not.toBe(a.contentHash);
    // the model.json bytes differ only in the layer's auto-numbered name, so equal weights alone do not make equal hashes
    expect(a2.contentHash === a.contentHash).toBe(readFileSync(a.file).equals(readFileSync(a2.file)));
  });
});

/** A Keras 2 (tf.keras 2.x) functional config as tfjs-converter writes it into modelTopology.model_config. */
function keras2Functional(): unknown {
  const vs = { class_name: 'GlorotUniform', config: { seed: null } };
  return {
    class_name: 'Functional',
    config: {
      name: 'model',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8, 3], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' }, name: 'input_1', inbound_nodes: [] },
        { class_name: 'Conv2D', config: { name: 'conv2d', trainable: true, dtype: 'float32', filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true, kernel_initializer: vs, bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null }, name: 'conv2d', inbound_nodes: [[['input_1', 0, 0, {}]]] },
        { class_name: 'Conv2D', config: { name: 'conv2d_1', trainable: true, dtype: 'float32', filters: 4, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: false, kernel_initializer: { class_name: 'HeNormal', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null }, name: 'conv2d_1', inbound_nodes: [[['input_1', 0, 0, {}]]] },
        { class_name: 'Add', config: { name: 'add', trainable: true, dtype: 'float32' }, name: 'add', inbound_nodes: [[['conv2d', 0, 0, {}], ['conv2d_1', 0, 0, {}]]] },
        { class_name: 'GlobalAveragePooling2D', config: { name: 'global_average_pooling2d', trainable: true, dtype: 'float32', data_format: 'channels_last', keepdims: false }, name: 'global_average_pooling2d', inbound_nodes: [[['add', 0, 0, {}]]] },
        { class_name: 'Dense', config: { name: 'dense', trainable: true, dtype: 'float32', units: 3, activation: 'softmax', use_bias: true, kernel_initializer: vs, bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null }, name: 'dense', inbound_nodes: [[['global_average_pooling2d', 0, 0, {}]]] },
      ],
      input_layers: [['input_1', 0, 0]],
      output_layers: [['dense', 0, 0]],
    },
  };
}

/** The same net as Keras 3 serializes it (module/registered_name, DTypePolicy, batch_shape, __keras_tensor__ inbound nodes). */
function keras3Functional(): unknown {
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const kt = (name: string, shape: (number | null)[]) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [name, 0, 0] } });
  const init = (c: string) => ({ module: 'keras.initializers', class_name: c, config: { seed: null }, registered_name: null });
  const conv = (name: string, k: number, act: string, pad: string) => ({ module: 'keras.layers', class_name: 'Conv2D', config: { name, trainable: true, dtype: policy, filters: 4, kernel_size: [k, k], strides: [1, 1], padding: pad, data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: act, use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null }, registered_name: null, build_config: { input_shape: [null, 8, 8, 3] }, name, inbound_nodes: [{ args: [kt('input_layer', [null, 8, 8, 3])], kwargs: {} }] });
  return {
    module: 'keras',
    class_name: 'Functional',
    config: {
      name: 'functional',
      trainable: true,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 8, 8, 3], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null, name: 'input_layer', inbound_nodes: [] },
        conv('conv2d', 3, 'relu', 'same'),
        conv('conv2d_1', 1, 'linear', 'valid'),
        { module: 'keras.layers', class_name: 'Add', config: { name: 'add', trainable: true, dtype: policy }, registered_name: null, name: 'add', inbound_nodes: [{ args: [[kt('conv2d', [null, 8, 8, 4]), kt('conv2d_1', [null, 8, 8, 4])]], kwargs: {} }] },
        { module: 'keras.layers', class_name: 'LeakyReLU', config: { name: 'leaky_re_lu', trainable: true, dtype: policy, negative_slope: 0.2 }, registered_name: null, name: 'leaky_re_lu', inbound_nodes: [{ args: [kt('add', [null, 8, 8, 4])], kwargs: {} }] },
      ],
      input_layers: ['input_layer', 0, 0],
      output_layers: ['leaky_re_lu', 0, 0],
    },
  };
}

describe('usermodel: Keras-converted layers models', () => {
  it('Keras 2 functional with weights named conv2d/kernel: format keras-converted, shapes, and tfjs loads the weights by name', async () => {
    const dir = path.join(tmp, 'keras2');
    mkdirSync(dir, { recursive: true });
    const specs = [
      { name: 'conv2d/kernel', shape: [3, 3, 3, 4], dtype: 'float32' },
      { name: 'conv2d/bias', shape: [4], dtype: 'float32' },
      { name: 'conv2d_1/kernel', shape: [1, 1, 3, 4], dtype: 'float32' },
      { name: 'dense/kernel', shape: [4, 3], dtype: 'float32' },
      { name: 'dense/bias', shape: [3], dtype: 'float32' },
    ];
    const n = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
    const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 0.3);
    writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.from(values.buffer));
    const json = {
      format: 'layers-model',
      generatedBy: 'keras v2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: keras2Functional(), training_config: { loss: 'categorical_crossentropy' } },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: specs }],
    };
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const t = readUserTopology(path.join(dir, 'model.json'));
    expect(t.format).toBe('keras-converted');
    expect(t.layers.map((l) => [l.name, l.outputShape])).toEqual([
      ['input_1', [8, 8, 3]],
      ['conv2d', [8, 8, 4]],
      ['conv2d_1', [8, 8, 4]],
      ['add', [8, 8, 4]],
      ['global_average_pooling2d', [4]],
      ['dense', [3]],
    ]);
    expect(t.layers[2]!.kernelInitializer).toEqual({ className: 'HeNormal', config: { seed: null } });
    const m = await loadUserModel(t);
    expect(Array.from(m.getLayer('conv2d_1').getWeights()[0]!.dataSync())).toEqual(Array.from(values.subarray(108 + 4, 108 + 4 + 12)));
    m.dispose();
  });

  it('Keras 3 functional (batch_shape, DTypePolicy, __keras_tensor__ nodes, negative_slope): read and built by tfjs', async () => {
    const file = path.join(tmp, 'keras3.json');
    writeFileSync(file, JSON.stringify({ modelTopology: { keras_version: '3.3.3', backend: 'tensorflow', model_config: keras3Functional() }, format: 'layers-model' }));
    const t = readUserTopology(file);
    expect(t.format).toBe('keras-converted');
    expect(t.hasWeights).toBe(false);
    expect(t.layers.map((l) => [l.name, l.className, l.inbound, l.outputShape])).toEqual([
      ['input_layer', 'InputLayer', [], [8, 8, 3]],
      ['conv2d', 'Conv2D', ['input_layer'], [8, 8, 4]],
      ['conv2d_1', 'Conv2D', ['input_layer'], [8, 8, 4]],
      ['add', 'Add', ['conv2d', 'conv2d_1'], [8, 8, 4]],
      ['leaky_re_lu', 'LeakyReLU', ['add'], [8, 8, 4]],
    ]);
    const m = await loadUserModel(t, 9);
    expect(m.outputs[0]!.shape).toEqual([null, 8, 8, 4]);
    expect((m.getLayer('leaky_re_lu').getConfig() as { alpha: number }).alpha).toBeCloseTo(0.2, 7);
    m.dispose();
  });
});

describe('usermodel: re-initialization', () => {
  it('he-normal on every kernel: Var(W) = 2/fan-in within a 4.5σ bound (depthwise fan-in kh·kw), biases kept', async () => {
    const inp = tf.input({ shape: [12, 12, 8] });
    let x = tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', name: 'rc', biasInitializer: 'ones' }).apply(inp) as tf.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ kernelSize: 5, depthMultiplier: 8, activation: 'relu', name: 'rdw' }).apply(x) as tf.SymbolicTensor;
    const m = tf.model({ inputs: inp, outputs: x });
    const t = readUserTopology(await save(m, 'reinit'));
    const loaded = await loadUserModel(t);
    const redrawn = reinitialize(loaded, t, { all: normalizeInitSpec('he-normal') }, 17);
    expect(redrawn).toEqual(['rc', 'rdw']);
    for (const [name, fanIn] of [['rc', 72], ['rdw', 25]] as const) {
      const w = loaded.getLayer(name).getWeights()[0]!;
      const v = Array.from(w.dataSync() as Float32Array);
      const n = v.length;
      const m2 = v.reduce((a, b) => a + b * b, 0) / n;
      const target = 2 / fanIn;
      // E[W²] of n normal draws: sd = target·√(2/n); 4.5 sd
      expect(Math.abs(m2 - target)).toBeLessThanOrEqual(4.5 * target * Math.sqrt(2 / n));
    }
    expect(Array.from(loaded.getLayer('rc').getWeights()[1]!.dataSync()).every((b) => b === 1)).toBe(true);
    tf.dispose([m, loaded] as never);
  });

  it('--init-map names a layer that is no conv/dense: InputError naming it and the kernels', async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'only' })] });
    const t = readUserTopology(await save(m, 'map'));
    const loaded = await loadUserModel(t);
    expect(() => reinitialize(loaded, t, { all: 'keep', perLayer: { nope: normalizeInitSpec('he-normal') } }, 1)).toThrow(/--init-map: .* has no conv or dense layer "nope"; its kernels: only/);
    expect(() => reinitialize(loaded, t, { all: normalizeInitSpec('lsuv') }, 1)).toThrow(InputError);
    tf.dispose([m, loaded] as never);
  });
});

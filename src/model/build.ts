/**
 * ArchSpec → tfjs functional LayersModel, implementing exactly the semantics and names documented on
 * ArchSpec in src/core/types.ts (conv{i}, bn{i}, act{i}, pool{i}, add{b}, gap, head).
 *
 * One forward description (`forward`) serves three callers: the symbolic build of the model and its
 * probe model, and the eager pass the probe differentiates (src/probe), so all three share one wiring.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationSpec, ArchSpec, BiasInitSpec, InputSpec, LayerInit } from '../core/types.ts';
import { deriveSeed } from '../core/rng.ts';
import { activationLayer } from './activation.ts';
import { BN_EPSILON, hasBn, isResidual, layerInits, planLayers, residualBlocks, validateArch, type ModelLayerInfo } from '../arch/index.ts';
// The base class is not re-exported on tf.initializers; its declaration file is (types only).
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';

export type { Initializer };

export interface BuildOptions {
  arch: ArchSpec;
  input: InputSpec;
  activation: ActivationSpec;
  kernelInitializer: (layer: LayerInit) => Initializer;
  seed: number;
  /** the conv biases' initializer (when arch.bias); absent = zeros */
  bias?: BiasInitSpec;
}

/** The layer objects, so the same weights can be run eagerly (the probe differentiates through them). */
export interface NetLayers {
  arch: ArchSpec;
  conv: tf.layers.Layer[];
  bn: (tf.layers.Layer | null)[];
  act: tf.layers.Layer[];
  pool: (tf.layers.Layer | null)[];
  add: tf.layers.Layer[];
  gap: tf.layers.Layer | null;
  head: tf.layers.Layer | null;
}

export interface BuiltModel {
  model: tf.LayersModel;
  /**
   * outputs [pre_1, post_1, …, pre_L, post_L] over conv layers 1..L, then the top (logits with a head, or the
   * last activation after its pool) unless the top is post_L itself; `probeOutputs` says which index is which.
   */
  probeModel: tf.LayersModel;
  probeOutputs: { pre: number[]; post: number[]; top: number };
  layers: ModelLayerInfo[];
  net: NetLayers;
}

type AnyTensor = tf.Tensor | tf.SymbolicTensor;

function conv1Based(i: number): number {
  return i - 1;
}

/** A conv layer's bias initializer: zeros, a constant, or normal draws seeded per layer (deriveSeed(its kernel seed, 'bias')). */
function biasInitializer(bias: BiasInitSpec | undefined, layer: LayerInit): Initializer | 'zeros' {
  if (bias === undefined || bias.init === 'zeros') return 'zeros';
  if (bias.init === 'constant') return tf.initializers.constant({ value: bias.value });
  return tf.initializers.randomNormal({ mean: 0, stddev: bias.std, seed: deriveSeed(layer.seed, 'bias') });
}

function createLayers(opts: BuildOptions, infos: ModelLayerInfo[]): NetLayers {
  const { arch, activation } = opts;
  const inits = layerInits(arch, opts.input, opts.seed);
  const conv: tf.layers.Layer[] = [];
  const bn: (tf.layers.Layer | null)[] = [];
  const act: tf.layers.Layer[] = [];
  const pool: (tf.layers.Layer | null)[] = [];
  for (let i = 1; i <= arch.depth; i++) {
    const info = infos[conv1Based(i)]!;
    conv.push(
      tf.layers.conv2d({
        name: `conv${i}`,
        filters: arch.width,
        kernelSize: arch.kernel,
        strides: info.stride,
        padding: arch.padding,
        useBias: arch.bias,
        kernelInitializer: opts.kernelInitializer(inits[conv1Based(i)]!),
        biasInitializer: biasInitializer(opts.bias, inits[conv1Based(i)]!),
      }),
    );
    bn.push(
      hasBn(arch)
        ? tf.layers.batchNormalization({
            name: `bn${i}`,
            axis: -1,
            momentum: 0.99,
            epsilon: BN_EPSILON,
            gammaInitializer: 'ones',
            betaInitializer: 'zeros',
          })
        : null,
    );
    act.push(activationLayer(activation, `act${i}`));
    pool.push(
      info.pooled
        ? arch.downsample.mode === 'maxpool'
          ? tf.layers.maxPooling2d({ name: `pool${i}`, poolSize: 2, strides: 2, padding: 'valid' })
          : tf.layers.averagePooling2d({ name: `pool${i}`, poolSize: 2, strides: 2, padding: 'valid' })
        : null,
    );
  }
  const add: tf.layers.Layer[] = [];
  for (let b = 1; b <= residualBlocks(arch); b++) add.push(tf.layers.add({ name: `add${b}` }));
  const headInfo = infos.find((l) => l.kind === 'dense');
  return {
    arch,
    conv,
    bn,
    act,
    pool,
    add,
    gap: arch.head === 'gap-dense' ? tf.layers.globalAveragePooling2d({ name: 'gap' }) : null,
    head:
      headInfo !== undefined
        ? tf.layers.dense({
            name: 'head',
            units: arch.classes,
            useBias: true,
            kernelInitializer: opts.kernelInitializer(inits[inits.length - 1]!),
            biasInitializer: 'zeros',
          })
        : null,
  };
}

export interface ForwardHooks<T extends AnyTensor> {
  /** kwargs for every layer call; the probe passes { training: true } so BatchNorm uses batch statistics */
  kwargs?: Record<string, unknown>;
  /** sees (and may replace, e.g. add a perturbation to) the pre-activation of layer i, 1-based; the head is depth+1 */
  pre?: (i: number, pre: T) => T;
  post?: (i: number, post: T) => void;
  /** residual nets: sees block b's branch output y (after its BN, if any) before the add x + y */
  branch?: (b: number, y: T) => void;
}

/**
 * The architecture's wiring, once, for symbolic and eager tensors alike (layer.apply accepts both).
 * Returns the top output: logits with a head, else the last activation (after its pool, if any).
 */
export function forward<T extends AnyTensor>(net: NetLayers, x: T, hooks: ForwardHooks<T> = {}): T {
  const kw = hooks.kwargs ?? {};
  const call = (layer: tf.layers.Layer, input: T | T[]): T => layer.apply(input as never, kw) as T;
  const tapPre = (i: number, t: T): T => (hooks.pre !== undefined ? hooks.pre(i, t) : t);
  const activate = (i: number, pre: T): T => {
    const a = call(net.act[i - 1]!, tapPre(i, pre));
    hooks.post?.(i, a);
    const p = net.pool[i - 1];
    return p !== null && p !== undefined ? call(p, a) : a;
  };
  const convBn = (i: number, input: T): T => {
    const c = call(net.conv[i - 1]!, input);
    const b = net.bn[i - 1];
    return b !== null && b !== undefined ? call(b, c) : c;
  };
  const { arch } = net;
  let h: T = x;
  if (isResidual(arch)) {
    h = activate(1, convBn(1, h));
    for (let b = 1; b <= residualBlocks(arch); b++) {
      const i = 2 * b;
      const branch = activate(i, convBn(i, h));
      const y = convBn(i + 1, branch);
      hooks.branch?.(b, y);
      h = activate(i + 1, call(net.add[b - 1]!, [h, y]));
    }
  } else {
    for (let i = 1; i <= arch.depth; i++) h = activate(i, convBn(i, h));
  }
  if (net.gap !== null && net.head !== null) {
    const logits = tapPre(arch.depth + 1, call(net.head, call(net.gap, h)));
    hooks.post?.(arch.depth + 1, logits);
    return logits;
  }
  return h;
}

/**
 * Builds the model and its probe model over the same layers (shared weights).
 * Weights are created by the given kernel initializer; conv biases by opts.bias (zero by default), the
 * head's bias at zero, BN at gamma=1, beta=0.
 */
export function buildModel(opts: BuildOptions): BuiltModel {
  validateArch(opts.arch, opts.input);
  const infos = planLayers(opts.arch, opts.input);
  const net = createLayers(opts, infos);
  const input = tf.input({ shape: [opts.input.height, opts.input.width, opts.input.channels], name: 'input' });
  const taps: tf.SymbolicTensor[] = [];
  const top = forward<tf.SymbolicTensor>(net, input, {
    pre: (i, t) => {
      if (i <= opts.arch.depth) taps.push(t);
      return t;
    },
    post: (i, t) => {
      if (i <= opts.arch.depth) taps.push(t);
    },
  });
  const model = tf.model({ inputs: input, outputs: top, name: 'initbench' });
  // Conv layers' (pre, post) pairs, then the top; tfjs warns on a repeated output, so the top is added only when new.
  const outputs = taps[taps.length - 1] === top ? taps : [...taps, top];
  const probeModel = tf.model({ inputs: input, outputs, name: 'initbench_probe' });
  const L = opts.arch.depth;
  const probeOutputs = {
    pre: Array.from({ length: L }, (_, j) => 2 * j),
    post: Array.from({ length: L }, (_, j) => 2 * j + 1),
    top: outputs.length - 1,
  };
  return { model, probeModel, probeOutputs, layers: infos, net };
}

/** `conv3/kernel` etc.: the layer name and the weight's own name, free of tfjs's `_1` uniquifying suffixes. */
function weightKey(w: tf.LayerVariable): string {
  const original = (w as unknown as { originalName: string }).originalName;
  const parts = original.split('/');
  return `${parts[parts.length - 2]}/${parts[parts.length - 1]}`;
}

/**
 * Every weight keyed `conv3/kernel`, `conv3/bias`, `bn3/gamma`, `bn3/beta`, `bn3/moving_mean`,
 * `bn3/moving_variance`, `head/kernel`, `head/bias` (layer order), as float32 copies.
 */
export function getWeightMap(model: tf.LayersModel): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const layer of model.layers) {
    for (const w of layer.weights) {
      const t = w.read();
      out.set(weightKey(w), { shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) });
    }
  }
  return out;
}

/**
 * Sets weights by key. Every key must name a weight of the model with the same shape; weights the map
 * does not mention keep their values (a map of kernels alone is fine).
 */
export function setWeightMap(model: tf.LayersModel, map: Map<string, { shape: number[]; data: Float32Array | Float64Array }>): void {
  const byKey = new Map<string, tf.LayerVariable>();
  for (const layer of model.layers) for (const w of layer.weights) byKey.set(weightKey(w), w);
  for (const [key, v] of map) {
    const w = byKey.get(key);
    if (w === undefined) throw new Error(`setWeightMap: the model has no weight ${JSON.stringify(key)}; it has ${[...byKey.keys()].join(', ')}`);
    const shape = w.shape;
    if (shape.length !== v.shape.length || shape.some((d, j) => d !== v.shape[j])) {
      throw new Error(`setWeightMap: ${key} has shape [${shape.join(',')}], the map gives [${v.shape.join(',')}]`);
    }
    const size = shape.reduce((a: number, b) => a * (b ?? 1), 1);
    if (v.data.length !== size) throw new Error(`setWeightMap: ${key} needs ${size} values, the map gives ${v.data.length}`);
    const t = tf.tensor(Float32Array.from(v.data), shape as number[], 'float32');
    w.write(t);
    t.dispose();
  }
}

/**
 * The reference model: the architecture of src/core/types.ts ArchSpec (restated here structurally,
 * since this room imports nothing of ours), on a weight map keyed like tfjs weights
 * (`conv3/kernel` (k,k,cin,cout), `conv3/bias`, `bn3/gamma`, `bn3/beta`, `head/kernel` (width,classes), `head/bias`).
 *
 * 'plain':       x → [conv_i → act_i → pool_i?] for i = 1..depth
 * 'batchnorm':   as plain with bn_i between conv_i and act_i
 * 'residual':    stem conv_1 → act_1, then blocks of two convs i = 2b, 2b+1:
 *                h = act_{2b}(conv_{2b}(x)); x ← act_{2b+1}(x + conv_{2b+1}(h))
 * 'residual-bn': as residual with bn after every conv (before the add)
 * head 'gap-dense': global average pool, then dense logits. pre_i is the tensor fed to act_i.
 */
import { type Tensor, sizeOf, zeros, clone } from './tensor.ts';
import { conv2d, conv2dBackward } from './conv2d.ts';
import { dense, denseBackward } from './dense.ts';
import { type ActivationName, activation, activationBackward } from './activations.ts';
import { maxPool, maxPoolBackward, avgPool, avgPoolBackward, globalAvgPool, globalAvgPoolBackward, type PoolOptions } from './pool.ts';
import { batchNorm, batchNormBackward, BN_EPSILON } from './batchnorm.ts';
import { add } from './residual.ts';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from './loss.ts';

export interface RefArchSpec {
  kind: 'plain' | 'batchnorm' | 'residual' | 'residual-bn';
  depth: number;
  width: number;
  kernel: number;
  padding: 'same' | 'valid';
  bias: boolean;
  downsample: { at: number[]; mode: 'stride' | 'maxpool' | 'avgpool' };
  head: 'gap-dense' | 'none';
  classes: number;
}
/** The ArchSpec fields the reference model reads (all of them) and leaves out; a test holds them to core's ArchSpec. */
export const REF_ARCH_FIELDS = ['kind', 'depth', 'width', 'kernel', 'padding', 'bias', 'downsample', 'head', 'classes'] as const satisfies readonly (keyof RefArchSpec)[];
export const REF_ARCH_IGNORED = [] as const;
export interface RefInputSpec {
  height: number;
  width: number;
  channels: number;
}
export interface RefActivationSpec {
  name: ActivationName;
  alpha?: number;
}
export interface RefModelSpec {
  arch: RefArchSpec;
  input: RefInputSpec;
  activation: RefActivationSpec;
}

/** Weights and gradients: flat float64 arrays keyed by tfjs weight name, row-major in the tfjs shape. */
export type WeightMap = Record<string, Float64Array>;

/** The 2×2 stride-2 pooling window of downsampling layers (tfjs pooling's default 'valid' padding). */
export const DOWNSAMPLE_POOL: PoolOptions = { size: 2, stride: 2, padding: 'valid' };

/** How one conv layer is wired. */
interface LayerPlan {
  index: number;
  name: string;
  /** layer whose output this conv reads (0 = the model input) */
  inputFrom: number;
  /** layer whose output is added to this layer's (bn'd) conv output before the activation, if any */
  skipFrom: number | null;
  stride: number;
  bn: boolean;
  pool: 'max' | 'avg' | null;
}

// spec → the wiring of conv layers 1..depth
function planLayers(arch: RefArchSpec): LayerPlan[] {
  const residual = arch.kind === 'residual' || arch.kind === 'residual-bn';
  const bn = arch.kind === 'batchnorm' || arch.kind === 'residual-bn';
  if (residual && (arch.depth < 3 || arch.depth % 2 === 0)) {
    throw new Error(`reference model: residual depth must be odd and ≥ 3, got ${arch.depth}`);
  }
  const mode = arch.downsample.mode;
  const plans: LayerPlan[] = [];
  for (let i = 1; i <= arch.depth; i++) {
    const down = arch.downsample.at.includes(i);
    // residual nets downsample only by pooling after the stem or a block's output (odd i)
    if (residual && down && (mode === 'stride' || i % 2 === 0)) {
      throw new Error(`reference model: a residual net downsamples only by pooling at odd layers, got ${mode} at ${i}`);
    }
    plans.push({
      index: i,
      name: `conv${i}`,
      inputFrom: i - 1,
      skipFrom: residual && i >= 3 && i % 2 === 1 ? i - 2 : null,
      stride: down && mode === 'stride' ? 2 : 1,
      bn,
      pool: down && mode === 'maxpool' ? 'max' : down && mode === 'avgpool' ? 'avg' : null,
    });
  }
  return plans;
}

/** name → shape of every weight the spec's tfjs model holds (trainable ones), in layer order. */
export function weightShapes(spec: RefModelSpec): [string, number[]][] {
  const { arch, input } = spec;
  const out: [string, number[]][] = [];
  for (let i = 1; i <= arch.depth; i++) {
    const cin = i === 1 ? input.channels : arch.width;
    out.push([`conv${i}/kernel`, [arch.kernel, arch.kernel, cin, arch.width]]);
    if (arch.bias) out.push([`conv${i}/bias`, [arch.width]]);
    if (arch.kind === 'batchnorm' || arch.kind === 'residual-bn') {
      out.push([`bn${i}/gamma`, [arch.width]], [`bn${i}/beta`, [arch.width]]);
    }
  }
  if (arch.head === 'gap-dense') out.push(['head/kernel', [arch.width, arch.classes]], ['head/bias', [arch.classes]]);
  return out;
}

/** What one conv layer computed: the tensor fed to its activation, and what came out. */
export interface LayerTrace {
  index: number;
  name: string;
  /** conv input (N,H,W,Cin), conv output z (N,OH,OW,Cout) */
  input: Tensor;
  z: Tensor;
  /** pre_i = bn(z) [+ skip], fed to act_i; post_i = act_i(pre_i); out = pool(post_i) or post_i */
  pre: Tensor;
  post: Tensor;
  out: Tensor;
}

export interface ForwardResult {
  layers: LayerTrace[];
  /** (N,width) after global average pooling, and (N,classes) logits; null without a head */
  features: Tensor | null;
  logits: Tensor | null;
}

// weights[name] (flat) and its expected shape → a tensor of that shape, or a clear error
function weight(weights: WeightMap, name: string, shape: number[]): Tensor {
  const data = weights[name];
  if (data === undefined) throw new Error(`reference model: weight ${name} missing`);
  if (data.length !== sizeOf(shape)) {
    throw new Error(`reference model: weight ${name} has ${data.length} values, expected shape [${shape.join(',')}]`);
  }
  return { shape, data };
}

// spec → weight name ↦ shape
function shapesOf(spec: RefModelSpec): Map<string, number[]> {
  return new Map(weightShapes(spec));
}

// x is (N,H,W,C) → every layer's trace and the logits (N,classes)
export function modelForward(spec: RefModelSpec, weights: WeightMap, x: Tensor): ForwardResult {
  const shapes = shapesOf(spec);
  const w = (name: string) => weight(weights, name, shapes.get(name)!);
  const act = spec.activation;
  const outputs: Tensor[] = [x];
  const layers: LayerTrace[] = [];
  for (const p of planLayers(spec.arch)) {
    const input = outputs[p.inputFrom]!;
    const z = conv2d(input, w(`${p.name}/kernel`), spec.arch.bias ? w(`${p.name}/bias`) : null, {
      stride: p.stride,
      padding: spec.arch.padding,
    });
    let pre = p.bn ? batchNorm(z, w(`bn${p.index}/gamma`), w(`bn${p.index}/beta`), BN_EPSILON) : z;
    if (p.skipFrom !== null) pre = add(outputs[p.skipFrom]!, pre);
    const post = activation(act.name, pre, act.alpha);
    const out = p.pool === 'max' ? maxPool(post, DOWNSAMPLE_POOL) : p.pool === 'avg' ? avgPool(post, DOWNSAMPLE_POOL) : post;
    layers.push({ index: p.index, name: p.name, input, z, pre, post, out });
    outputs.push(out);
  }
  if (spec.arch.head === 'none') return { layers, features: null, logits: null };
  const features = globalAvgPool(outputs[outputs.length - 1]!);
  const logits = dense(features, w('head/kernel'), w('head/bias'));
  return { layers, features, logits };
}

export interface BackwardResult extends ForwardResult {
  loss: number;
  /** dLoss/dweight for every weight, keyed like the weights */
  grads: WeightMap;
  /** dLoss/dpre_i for each layer, in layer order */
  gradPre: Tensor[];
}

// x is (N,H,W,C), labels N class indices → mean softmax cross-entropy and every parameter gradient
export function modelLossAndGrads(spec: RefModelSpec, weights: WeightMap, x: Tensor, labels: ArrayLike<number>): BackwardResult {
  if (spec.arch.head !== 'gap-dense') throw new Error('reference model: a loss needs head "gap-dense"');
  const shapes = shapesOf(spec);
  const w = (name: string) => weight(weights, name, shapes.get(name)!);
  const fwd = modelForward(spec, weights, x);
  const logits = fwd.logits!;
  const loss = softmaxCrossEntropy(logits, labels);
  const grads: WeightMap = {};

  const dLogits = softmaxCrossEntropyBackward(logits, labels);
  const head = denseBackward(fwd.features!, w('head/kernel'), dLogits);
  grads['head/kernel'] = head.dw.data;
  grads['head/bias'] = head.db.data;

  // dOut[j] accumulates dLoss/d(output of layer j); every consumer comes after its producer
  const plans = planLayers(spec.arch);
  const dOut: (Tensor | null)[] = plans.map(() => null);
  dOut.unshift(null); // index 0 is the model input
  const last = fwd.layers[fwd.layers.length - 1]!;
  dOut[plans.length] = globalAvgPoolBackward(last.out, head.dx);
  const accumulate = (j: number, g: Tensor): void => {
    const cur = dOut[j];
    if (cur === null || cur === undefined) dOut[j] = clone(g);
    else for (let k = 0; k < g.data.length; k++) cur.data[k]! += g.data[k]!;
  };

  const gradPre: Tensor[] = new Array<Tensor>(plans.length);
  for (let li = plans.length - 1; li >= 0; li--) {
    const p = plans[li]!;
    const t = fwd.layers[li]!;
    const dOutHere = dOut[p.index] ?? zeros(t.out.shape);
    const dPost =
      p.pool === 'max' ? maxPoolBackward(t.post, dOutHere, DOWNSAMPLE_POOL)
      : p.pool === 'avg' ? avgPoolBackward(t.post, dOutHere, DOWNSAMPLE_POOL)
      : dOutHere;
    const dPre = activationBackward(spec.activation.name, t.pre, dPost, spec.activation.alpha);
    gradPre[li] = dPre;
    // pre = skip + bn(z): the skip gets dPre unchanged
    if (p.skipFrom !== null) accumulate(p.skipFrom, dPre);
    let dz = dPre;
    if (p.bn) {
      const bn = batchNormBackward(t.z, w(`bn${p.index}/gamma`), dPre, BN_EPSILON);
      grads[`bn${p.index}/gamma`] = bn.dgamma.data;
      grads[`bn${p.index}/beta`] = bn.dbeta.data;
      dz = bn.dx;
    }
    const conv = conv2dBackward(t.input, w(`${p.name}/kernel`), dz, { stride: p.stride, padding: spec.arch.padding });
    grads[`${p.name}/kernel`] = conv.dw.data;
    if (spec.arch.bias) grads[`${p.name}/bias`] = conv.db.data;
    if (p.inputFrom > 0) accumulate(p.inputFrom, conv.dx);
  }
  return { ...fwd, loss, grads, gradPre };
}

// weights, grads keyed alike, lr → new weights w − lr·g (inputs untouched)
export function sgdStep(weights: WeightMap, grads: WeightMap, lr: number): WeightMap {
  const next: WeightMap = {};
  for (const [name, w] of Object.entries(weights)) {
    const g = grads[name];
    if (g === undefined) throw new Error(`sgdStep: no gradient for ${name}`);
    const out = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) out[i] = w[i]! - lr * g[i]!;
    next[name] = out;
  }
  return next;
}

/** A spec and its weights together: forward, loss and gradients, SGD training steps. */
export class ReferenceModel {
  constructor(
    readonly spec: RefModelSpec,
    public weights: WeightMap,
  ) {}
  // x is (N,H,W,C) → traces and logits
  forward(x: Tensor): ForwardResult {
    return modelForward(this.spec, this.weights, x);
  }
  // x is (N,H,W,C), labels N → loss and every gradient
  lossAndGrads(x: Tensor, labels: ArrayLike<number>): BackwardResult {
    return modelLossAndGrads(this.spec, this.weights, x, labels);
  }
  // one plain SGD step on (x, labels); returns the loss before the step
  trainStep(x: Tensor, labels: ArrayLike<number>, lr: number): number {
    const r = this.lossAndGrads(x, labels);
    this.weights = sgdStep(this.weights, r.grads, lr);
    return r.loss;
  }
}

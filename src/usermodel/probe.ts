/**
 * The probe over any supported user model: the functional graph is executed eagerly layer by layer
 * (layer.apply on stored tensors, in topological order), so every conv/dense layer's pre-activation can
 * be tapped. A conv/dense with its own activation runs with that activation switched off and applies it
 * after the tap; with a BatchNormalization after it, the tap sits on the BN output ("pre", as in the
 * suite probe's batch-norm nets). Taps are identities with a custom gradient that reduce the incoming
 * gradient to its moments (as src/probe/measure.ts does): that gradient is ∂⟨top, g⟩/∂pre, exactly what
 * adding a zero perturbation e to pre and differentiating wrt e gives, without holding e.
 *
 * BatchNorm uses batch statistics (training mode) and its moving averages are put back afterwards;
 * Dropout is the identity (training off for every other layer). The cotangent g at the output is
 * N(0, 1), seeded.
 *
 * Theory beside each layer: the mean-field length map along chains of conv/dense + pointwise
 * activation (Flatten, Reshape, Dropout and ZeroPadding2D pass the second moment on exactly), started
 * from the input's E[x²] and driven by each kernel's own E[W²] (what the loaded or redrawn weights
 * are, not what an initializer promised). BatchNorm, Add, Concatenate, pooling and Softmax end a chain;
 * every layer without a prediction says why in its theory note.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName, LayerProbe, LayerTheory, MeanFieldTheory, ProbeResult } from '../core/types.ts';
import { deriveSeed } from '../core/rng.ts';
import { ACTIVATION_NAMES } from '../init/index.ts';
import { channelMoments, deadFraction, momentsOf, saturatedFraction } from '../probe/measure.ts';
import { aggregateProbes, varianceSummary, type AggregateProbe } from '../probe/probe.ts';
import { derivSecondMoment, meanField, paddingFactor, secondMomentFactor } from '../theory/index.ts';
import { loadUserModel, reinitialize, type InitOverride } from './load.ts';
import type { UserLayerInfo, UserTopology } from './topology.ts';

export interface UserLayerProbe extends LayerProbe {
  className: string;
  /** the activation after the layer (its own or the next activation layer's), null for none */
  activation: string | null;
  /** why `theory` is (partly) null, or what it assumes */
  theoryNote: string | null;
  /** σ_w² = fan-in · E[W²] of the kernel as it is (a separable conv: the product over its two kernels) */
  sigmaW2: number;
  /** E[W²] of the (depthwise) kernel */
  weightSecondMoment: number;
}

export interface UserProbeResult extends ProbeResult {
  layers: UserLayerProbe[];
  seed: number;
  /** the layers whose kernels were redrawn for this probe */
  reinitialized: string[];
}

export type UserProbeData =
  | { source: 'gaussian'; batch: number; std: number }
  /** a batch of data at the model's input shape for the given seed (the caller's tensor; the probe disposes it) */
  | { source: 'data'; batch: (seed: number) => tf.Tensor };

export interface UserProbeOptions {
  /** the loaded model; for a topology-only file the probe loads a fresh draw per seed and this may be omitted */
  model?: tf.LayersModel;
  topology: UserTopology;
  /** one probe per seed (non-zero) */
  seeds: number[];
  /** default keep: the weights as loaded (or, topology-only, as the declared initializers draw them) */
  init?: InitOverride;
  /** default a batch of 16 N(0, 1) inputs */
  data?: UserProbeData;
}

/** numbers per layer in the read-back vector: pre, post (3 each), dead, saturated, gradPre, gradWeight (3 each), pre and post channel stats (2 each) */
const FIELDS = 18;

interface Tapped {
  info: UserLayerInfo;
  pre: tf.Tensor;
  post: tf.Tensor;
  kernel: tf.Tensor;
}

/** The names of tfjs's activation layers, for the forward walk. */
const ACT_LAYERS = new Set(['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax']);

type Act = { apply: (x: tf.Tensor) => tf.Tensor };

/**
 * One forward and backward pass; returns per kernel layer the FIELDS numbers of a LayerProbe's measured
 * part (pre, post, dead, saturated, gradPre, gradWeight moments, pre and post channel statistics).
 */
function measure(model: tf.LayersModel, topo: UserTopology, x: tf.Tensor, cotangentSeed: number): Float32Array {
  const kernels = topo.layers.filter((l) => l.kind !== 'other');
  const index = new Map(kernels.map((l, j) => [l.name, j]));
  // the kernel layer whose pre-activation a BN output or whose post-activation an activation layer is
  const bnOwner = new Map(kernels.filter((l) => l.bnAfter !== null).map((l) => [l.bnAfter!, l.name]));
  const actOwner = new Map(kernels.filter((l) => l.activationLayer !== null && l.activationLayer !== l.name).map((l) => [l.activationLayer!, l.name]));
  const kernelVars = kernels.map((l) => {
    const suffix = l.className === 'Conv2D' || l.className === 'Dense' ? '/kernel' : '/depthwise_kernel';
    const v = model.getLayer(l.name).trainableWeights.find((w) => w.originalName.endsWith(suffix));
    if (v === undefined) throw new Error(`${topo.file}: layer ${l.name} has no kernel weight`);
    return v.read();
  });
  const gradStats: (tf.Tensor | undefined)[] = kernels.map(() => undefined);
  const kept: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    kept.push(tf.keep(t));
    return t;
  };
  const taps = kernels.map((_, j) =>
    tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.clone(args[0] as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => {
        gradStats[j] = keep(tf.stack(momentsOf(dy)));
        return dy;
      },
    })),
  );
  const pre: tf.Tensor[] = [];
  const post: tf.Tensor[] = [];
  const bns = topo.layers.filter((l) => l.className === 'BatchNormalization').map((l) => model.getLayer(l.name));
  const moving = bns.flatMap((b) => b.nonTrainableWeights).map((w) => ({ w, value: tf.clone(w.read()) }));
  const restore = (): void => {
    for (const { w, value } of moving) {
      w.write(value);
      value.dispose();
    }
    moving.length = 0;
  };
  // tfjs's own identity activation object, swapped in for a kernel layer's activation during its call
  const linear = (tf.layers.activation({ activation: 'linear' }) as unknown as { activation: Act }).activation;
  try {
    const gradW = tf.tidy(() =>
      tf.grads((): tf.Scalar => {
        const values = new Map<string, tf.Tensor>();
        let out: tf.Tensor | null = null;
        for (const l of topo.layers) {
          if (l.className === 'InputLayer') {
            values.set(l.name, x);
            out = x;
            continue;
          }
          const layer = model.getLayer(l.name) as tf.layers.Layer & { activation?: Act };
          const ins = l.inbound.map((n) => values.get(n)!);
          const input = ins.length === 1 ? ins[0]! : ins;
          const kwargs = { training: l.className === 'BatchNormalization' };
          let y: tf.Tensor;
          const j = index.get(l.name);
          if (j !== undefined) {
            // the layer's own activation runs after the tap
            const own = layer.activation;
            if (own === undefined) throw new Error(`layer ${l.name}: no activation to switch off`);
            layer.activation = linear;
            let z: tf.Tensor;
            try {
              z = layer.apply(input as never, kwargs) as tf.Tensor;
            } finally {
              layer.activation = own;
            }
            if (l.bnAfter !== null) y = z;
            else {
              const p = (pre[j] = keep(taps[j]!(z)));
              y = own.apply(p);
              post[j] = keep(y);
            }
          } else {
            y = layer.apply(input as never, kwargs) as tf.Tensor;
            const ownerOfBn = bnOwner.get(l.name);
            if (ownerOfBn !== undefined) {
              const k = index.get(ownerOfBn)!;
              y = pre[k] = keep(taps[k]!(y));
              post[k] = y;
            }
            const ownerOfAct = actOwner.get(l.name);
            if (ownerOfAct !== undefined && ACT_LAYERS.has(l.className)) post[index.get(ownerOfAct)!] = keep(y);
          }
          values.set(l.name, y);
          out = y;
        }
        const top = out!;
        const g = tf.randomNormal(top.shape, 0, 1, 'float32', cotangentSeed);
        return tf.sum(tf.mul(top, g));
      })(kernelVars),
    );
    kept.push(...gradW);
    restore();
    const rows = kernels.map((l, j) =>
      tf.tidy(() => {
        const p = pre[j]!;
        const a = post[j]!;
        const act = l.activation;
        const cp = channelMoments(p);
        const ca = channelMoments(a);
        const sat = act === 'tanh' || act === 'sigmoid' ? saturatedFraction(a, act as ActivationName) : null;
        const dead = l.kind === 'conv' || act !== null ? deadFraction(a) : null;
        const row = [...cp.moments, ...ca.moments, dead ?? tf.scalar(NaN), sat ?? tf.scalar(NaN), ...tf.unstack(gradStats[j]!), ...momentsOf(gradW[j]!), ...cp.channel, ...ca.channel];
        return tf.stack(row.map((t) => tf.reshape(tf.cast(t, 'float32'), [])));
      }),
    );
    const all = tf.concat(rows);
    const v = all.dataSync() as Float32Array;
    all.dispose();
    for (const r of rows) r.dispose();
    return v;
  } finally {
    if (moving.length > 0) restore();
    for (const t of new Set(kept)) if (!t.isDisposed) t.dispose();
  }
}

const THEORY_ACTS = new Set<string>(ACTIVATION_NAMES);

/** Per kernel layer: E[W²] of its kernel(s), the bias's E[b²] (0 without bias). */
function kernelMoments(model: tf.LayersModel, l: UserLayerInfo): { w2: number; pw2: number | null; b2: number } {
  const layer = model.getLayer(l.name);
  const m2 = (suffix: string): number | null => {
    const w = layer.weights.find((v) => v.originalName.endsWith(`/${suffix}`));
    return w === undefined ? null : tf.tidy(() => tf.mean(tf.square(w.read())).dataSync()[0]!);
  };
  const isDw = l.className !== 'Conv2D' && l.className !== 'Dense';
  return { w2: m2(isDw ? 'depthwise_kernel' : 'kernel')!, pw2: m2('pointwise_kernel'), b2: m2('bias') ?? 0 };
}

/** fan-in · E[W²]: the factor a layer multiplies E[x²] by before its activation (ignoring padding) */
export function effectiveSigmaW2(l: UserLayerInfo, k: { w2: number; pw2: number | null }): number {
  return l.fanIn! * k.w2 * (l.pointwise !== null ? l.pointwise.fanIn * (k.pw2 ?? 0) : 1);
}

interface ChainState {
  /** E[x²] per entry, or null with the reason */
  m2: number | null;
  why: string;
}

/**
 * The forward mean-field predictions along the graph: per kernel layer its LayerTheory and a note.
 * `inputM2` is the input's E[x²].
 */
export function chainTheory(
  topo: UserTopology,
  moments: Map<string, { w2: number; pw2: number | null; b2: number }>,
  inputM2: number,
  /** measured E[pre²] per kernel layer: where the forward map stops, E[φ′²] is taken at it (and the note says so) */
  measuredPreM2: Map<string, number> = new Map(),
): Map<string, { theory: LayerTheory; note: string | null }> {
  const state = new Map<string, ChainState>();
  const out = new Map<string, { theory: LayerTheory; note: string | null }>();
  const byName = new Map(topo.layers.map((l) => [l.name, l]));
  const memo = new Map<string, MeanFieldTheory | null>();
  const mf = (act: string, alpha: number | null, sigmaW2: number, sigmaB2: number): MeanFieldTheory | null => {
    const key = `${act}:${alpha}:${sigmaW2}:${sigmaB2}`;
    if (!memo.has(key)) {
      const m = meanField({ name: act as ActivationName, ...(alpha !== null ? { alpha } : {}) }, sigmaW2, sigmaB2);
      const depthScale = m.depthScale !== null && Number.isFinite(m.depthScale) ? m.depthScale : null;
      memo.set(key, { sigmaW2, qStar: m.qStar, chi1: m.chi1, depthScale, converged: m.converged });
    }
    return memo.get(key)!;
  };
  for (const l of topo.layers) {
    const ins = l.inbound.map((n) => state.get(n)!);
    const x = ins[0];
    const unknown = (why: string): ChainState => ({ m2: null, why });
    let s: ChainState;
    switch (l.className) {
      case 'InputLayer':
        s = { m2: inputM2, why: '' };
        break;
      case 'Flatten':
      case 'Reshape':
      case 'Dropout':
        s = x!;
        break;
      case 'ZeroPadding2D': {
        const [h, w] = byName.get(l.inbound[0]!)!.outputShape;
        s = x!.m2 === null ? x! : { m2: (x!.m2 * h! * w!) / (l.outputShape[0]! * l.outputShape[1]!), why: '' };
        break;
      }
      case 'BatchNormalization':
        s = unknown(`batch norm (${l.name}) renormalizes the signal: no mean-field chain runs through it`);
        break;
      case 'Add':
      case 'Concatenate':
        s = unknown(`${l.name} (${l.className}) joins branches whose correlation the length map does not track`);
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D':
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        s = unknown(`pooling (${l.name}) depends on spatial correlations the length map does not track`);
        break;
      case 'Softmax':
        s = unknown(`softmax (${l.name}) is not a pointwise activation`);
        break;
      case 'Activation':
      case 'ReLU':
      case 'LeakyReLU':
      case 'ELU':
        // the activation of a kernel layer was applied where that layer was handled
        s = x!;
        break;
      default: {
        // conv / dense
        const k = moments.get(l.name)!;
        const note: string[] = [];
        let pre: number | null = null;
        if (x!.m2 === null) note.push(x!.why);
        else {
          const gainIn = effectiveSigmaW2(l, k);
          let pad = 1;
          const win = l.window;
          if (win !== null && win.padding === 'same' && win.kernel[0] === win.kernel[1] && win.dilation[0] === 1 && win.dilation[1] === 1 && win.kernel[0] > 1) {
            const inShape = byName.get(l.inbound[0]!)!.outputShape;
            pad = paddingFactor(inShape[0]!, inShape[1]!, win.kernel[0], win.strides[0], 'same');
            note.push(`'same' zero padding: mean in-bounds tap fraction ${pad.toFixed(4)}, on an evenly spread input`);
          } else if (win !== null && win.padding === 'same' && win.kernel.some((k) => k > 1)) {
            note.push(`'same' zero padding of a ${win.kernel.join('×')} kernel (dilation ${win.dilation.join('×')}): border taps not counted`);
          }
          pre = gainIn * pad * x!.m2 + k.b2;
        }
        const act = l.activation;
        let post: number | null = pre;
        let field: MeanFieldTheory | null = null;
        if (act !== null && !THEORY_ACTS.has(act)) {
          post = null;
          note.push(`activation ${act} has no entry in src/theory`);
        } else if (l.bnAfter !== null) {
          pre = null;
          post = null;
          note.push(`batch norm ${l.bnAfter} follows: its output is the pre-activation`);
        } else if (act !== null && pre !== null) {
          post = secondMomentFactor({ name: act as ActivationName, ...(l.activationAlpha !== null ? { alpha: l.activationAlpha } : {}) }, pre);
        }
        if (act !== null && THEORY_ACTS.has(act) && l.bnAfter === null) field = mf(act, l.activationAlpha, effectiveSigmaW2(l, k), k.b2);
        // the mean-field theory describes a zero-mean Gaussian pre-activation; the layer's own output carries it on
        out.set(l.name, {
          theory: { preVariance: pre, gradPreVariance: null, preVarianceBand: null, meanField: field },
          note: note.length > 0 ? note.join('; ') : null,
        });
        s = act === 'softmax' ? unknown(`softmax after ${l.name} is not a pointwise activation`) : post === null ? unknown(note[0] ?? `no prediction after ${l.name}`) : { m2: post, why: '' };
      }
    }
    state.set(l.name, s);
  }
  backwardTheory(topo, moments, out, measuredPreM2);
  return out;
}

/** Average number of (output position, tap) pairs an input position of a window layer is in. */
function coverage(l: UserLayerInfo, inShape: number[]): { c: number; note: string | null } {
  const win = l.window!;
  const [kh, kw] = win.kernel;
  let pad = 1;
  let note: string | null = null;
  if (win.padding === 'same' && (kh > 1 || kw > 1)) {
    if (kh === kw && win.dilation[0] === 1 && win.dilation[1] === 1) pad = paddingFactor(inShape[0]!, inShape[1]!, kh, win.strides[0], 'same');
    else note = `'same' zero padding of a ${kh}×${kw} kernel (dilation ${win.dilation.join('×')}): border taps not counted backward`;
  }
  return { c: (l.outputShape[0]! * l.outputShape[1]! * kh * kw * pad) / (inShape[0]! * inShape[1]!), note };
}

/**
 * The backward length map: E[δ²] of the gradient wrt each layer's output, from the unit-variance
 * cotangent at the model's output, through E[φ′(z)²] at each kernel's predicted q (src/theory's
 * derivSecondMoment), each kernel's (fan-out per input)·E[W²], and the exact factors of Flatten,
 * Reshape, Dropout, ZeroPadding2D, Add, Concatenate and average pooling. A tensor read by several
 * layers (a skip), batch norm, max pooling and softmax end it; each kernel layer's gradPreVariance is
 * set where it reaches, and its note says why where it does not.
 */
function backwardTheory(
  topo: UserTopology,
  moments: Map<string, { w2: number; pw2: number | null; b2: number }>,
  out: Map<string, { theory: LayerTheory; note: string | null }>,
  measuredPreM2: Map<string, number>,
): void {
  const byName = new Map(topo.layers.map((l) => [l.name, l]));
  const readers = new Map<string, number>();
  for (const l of topo.layers) for (const s of l.inbound) readers.set(s, (readers.get(s) ?? 0) + 1);
  const owner = new Map<string, UserLayerInfo>();
  for (const l of topo.layers) if (l.kind !== 'other' && l.activationLayer !== null && l.activationLayer !== l.name) owner.set(l.activationLayer, l);
  const grad = new Map<string, ChainState>();
  grad.set(topo.layers[topo.layers.length - 1]!.name, { m2: 1, why: '' });
  const unknown = (why: string): ChainState => ({ m2: null, why });
  const times = (d: ChainState, f: number | null, why: string): ChainState => (d.m2 === null ? d : f === null ? unknown(why) : { m2: d.m2 * f, why: '' });
  /** E[φ′(z)²] at the forward prediction of kernel k's pre-activation, or null */
  const dphi2 = (k: UserLayerInfo): number | null => {
    if (k.activation === null) return 1;
    if (!THEORY_ACTS.has(k.activation)) return null;
    // relu and leaky_relu: E[φ′²] of a zero-mean Gaussian does not depend on its variance
    let q = k.activation === 'relu' || k.activation === 'leaky_relu' ? 1 : (out.get(k.name)?.theory.preVariance ?? null);
    if (q === null) {
      q = measuredPreM2.get(k.name) ?? null;
      if (q === null) return null;
      measuredAt.add(k.name);
    }
    return derivSecondMoment({ name: k.activation as ActivationName, ...(k.activationAlpha !== null ? { alpha: k.activationAlpha } : {}) }, q);
  };
  const measuredAt = new Set<string>();
  const noteOn = (k: string, text: string): void => {
    const o = out.get(k)!;
    o.note = o.note === null ? text : `${o.note}; ${text}`;
  };
  for (const l of [...topo.layers].reverse()) {
    let d = grad.get(l.name) ?? unknown(`no gradient path from the output to ${l.name}`);
    const n = readers.get(l.name) ?? 0;
    if (n > 1) d = unknown(`${l.name}'s output is read by ${n} layers: their gradients add with a correlation the backward map does not track`);
    const inShape = l.inbound.length > 0 ? byName.get(l.inbound[0]!)!.outputShape : [];
    let dIn: ChainState;
    switch (l.className) {
      case 'InputLayer':
        continue;
      case 'Flatten':
      case 'Reshape':
      case 'Dropout':
      case 'ZeroPadding2D':
      case 'Add':
      case 'Concatenate':
        dIn = d;
        break;
      case 'AveragePooling2D': {
        const c = coverage(l, inShape);
        const area = l.window!.kernel[0] * l.window!.kernel[1];
        dIn = times(d, c.c / (area * area), '');
        break;
      }
      case 'GlobalAveragePooling2D': {
        const hw = inShape[0]! * inShape[1]!;
        dIn = times(d, 1 / (hw * hw), '');
        break;
      }
      case 'MaxPooling2D':
      case 'GlobalMaxPooling2D':
        dIn = unknown(`max pooling (${l.name}) routes the gradient to the window's maximum`);
        break;
      case 'BatchNormalization':
        dIn = unknown(`batch norm (${l.name}) couples the examples' gradients through the batch statistics`);
        break;
      case 'Softmax':
        dIn = unknown(`softmax (${l.name}) is not a pointwise activation`);
        break;
      case 'Activation':
      case 'ReLU':
      case 'LeakyReLU':
      case 'ELU': {
        const k = owner.get(l.name);
        dIn = k === undefined ? unknown(`${l.name} acts on a signal the forward map does not describe`) : times(d, dphi2(k), `no forward prediction at ${k.name}, so no E[φ′²] for ${l.name}`);
        break;
      }
      default: {
        // conv / dense: from its output to its pre-activation, then to its input
        const k = moments.get(l.name)!;
        let dPre = d;
        if (l.activationLayer === l.name) {
          dPre = l.activation === 'softmax' ? unknown(`softmax after ${l.name} is not a pointwise activation`) : times(d, dphi2(l), `no forward prediction at ${l.name}, so no E[φ′²]`);
        }
        if (l.bnAfter !== null) dPre = unknown(`batch norm ${l.bnAfter} follows: the gradient at its output is not the backward map's`);
        const o = out.get(l.name)!;
        o.theory = { ...o.theory, gradPreVariance: dPre.m2 };
        if (dPre.m2 === null) noteOn(l.name, `gradient: ${dPre.why}`);
        else if (measuredAt.size > 0) noteOn(l.name, `gradient: E[φ′²] at the measured Var(pre) of ${[...measuredAt].join(', ')} (no forward prediction there)`);
        let f: number;
        let covNote: string | null = null;
        if (l.kind === 'dense') f = l.fanOut! * k.w2;
        else {
          const c = coverage(l, inShape);
          covNote = c.note;
          // each covered tap reaches kernelShape[3] outputs: a conv's filters, a depthwise conv's multiplier
          f = c.c * l.kernelShape![3]! * k.w2 * (l.pointwise !== null ? l.pointwise.fanOut * (k.pw2 ?? 0) : 1);
        }
        if (covNote !== null && dPre.m2 !== null) noteOn(l.name, covNote);
        dIn = times(dPre, f, '');
      }
    }
    for (const s of l.inbound) grad.set(s, dIn);
  }
}

/** Gradient kernels a layer class needs beyond the ones every tfjs backend has. */
const GRAD_KERNELS: Record<string, readonly string[]> = {
  DepthwiseConv2D: ['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'],
  SeparableConv2D: ['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'],
};

/**
 * The layers whose gradients the current tfjs backend cannot compute, with the missing kernel (tfjs's
 * wasm backend has no depthwise-conv gradient): the probe cannot run there.
 */
export function missingGradKernels(topo: UserTopology): { layer: string; className: string; kernel: string }[] {
  const backend = tf.getBackend();
  const out: { layer: string; className: string; kernel: string }[] = [];
  for (const l of topo.layers) {
    const k = (GRAD_KERNELS[l.className] ?? []).find((name) => tf.getKernel(name, backend) === undefined);
    if (k !== undefined) out.push({ layer: l.name, className: l.className, kernel: k });
  }
  return out;
}

/** One probe of `model` on batch `x` (disposed by the caller). Throws when the backend lacks a gradient kernel the model needs. */
export function probeLoaded(o: {
  model: tf.LayersModel;
  topology: UserTopology;
  x: tf.Tensor;
  cotangentSeed: number;
  source: 'gaussian' | 'data';
  /** the input's nominal E[x²] for the theory (Gaussian: std²); default: the batch's own */
  inputM2?: number;
  seed: number;
  reinitialized?: string[];
  step?: number;
}): UserProbeResult {
  const { model, topology: topo, x } = o;
  const missing = missingGradKernels(topo);
  if (missing.length > 0) {
    const m = missing[0]!;
    throw new Error(`${topo.file}: layer ${JSON.stringify(m.layer)} (${m.className}) needs ${m.kernel}, which tfjs's ${tf.getBackend()} backend does not have; probe it on the cpu or node backend`);
  }
  const v = measure(model, topo, x, o.cotangentSeed);
  const kernels = topo.layers.filter((l) => l.kind !== 'other');
  const inputM2 = o.inputM2 ?? tf.tidy(() => tf.mean(tf.square(x)).dataSync()[0]!);
  const moments = new Map(kernels.map((l) => [l.name, kernelMoments(model, l)]));
  const measuredPre = new Map(kernels.map((l, j) => [l.name, v[j * FIELDS + 2]!] as const).filter(([, x]) => Number.isFinite(x)));
  const theory = chainTheory(topo, moments, inputM2, measuredPre);
  const layers: UserLayerProbe[] = kernels.map((l, j) => {
    const at = j * FIELDS;
    const num = (n: number): number | null => (Number.isFinite(v[at + n]!) ? v[at + n]! : null);
    const mom = (n: number) => ({ mean: num(n), variance: num(n + 1), secondMoment: num(n + 2) });
    const t = theory.get(l.name)!;
    return {
      index: j + 1,
      name: l.name,
      kind: l.kind === 'dense' ? 'dense' : 'conv',
      fanIn: l.fanIn!,
      fanOut: l.fanOut!,
      spatial: l.kind === 'conv' ? [l.outputShape[0]!, l.outputShape[1]!] : [1, 1],
      pre: mom(0),
      post: mom(3),
      deadFraction: num(6),
      saturatedFraction: num(7),
      gradPre: mom(8),
      gradWeight: mom(11),
      theory: t.theory,
      signal: { pre: { sqMean: num(14), variance: num(15) }, post: { sqMean: num(16), variance: num(17) }, branch: null },
      className: l.className,
      activation: l.activation,
      theoryNote: t.note,
      sigmaW2: effectiveSigmaW2(l, moments.get(l.name)!),
      weightSecondMoment: moments.get(l.name)!.w2,
    };
  });
  const conv = layers.filter((l) => l.kind === 'conv');
  const meas = varianceSummary(conv.map((l) => l.pre.variance));
  const th = varianceSummary(conv.map((l) => l.theory.preVariance));
  return {
    step: o.step ?? 0,
    input: { source: o.source, std: Math.sqrt(inputM2), batch: x.shape[0]! },
    cotangent: 'unit-gaussian',
    layers,
    summary: { perLayerRatio: meas.perLayer, theoryPerLayerRatio: th.perLayer, lastOverFirst: meas.lastOverFirst, theoryLastOverFirst: th.lastOverFirst },
    seed: o.seed,
    reinitialized: o.reinitialized ?? [],
  };
}

/**
 * Probes the model once per seed: redraws the kernels `init` names (per seed), draws the batch
 * (Gaussian: seeded deriveSeed(seed, 'probe-batch'), as the suite probe does) and a seeded cotangent.
 */
export async function probeUserModel(o: UserProbeOptions): Promise<{ results: UserProbeResult[]; aggregate: AggregateProbe }> {
  const topo = o.topology;
  const data: UserProbeData = o.data ?? { source: 'gaussian', batch: 16, std: 1 };
  const init = o.init ?? { all: 'keep' };
  const results: UserProbeResult[] = [];
  for (const seed of o.seeds) {
    // a topology-only model is a fresh draw of its declared initializers per seed
    const own = !topo.hasWeights || o.model === undefined;
    const model = own ? await loadUserModel(topo, seed) : o.model!;
    const x =
      data.source === 'gaussian'
        ? tf.randomNormal([data.batch, ...topo.inputShape], 0, data.std, 'float32', deriveSeed(seed, 'probe-batch'))
        : data.batch(seed);
    try {
      const reinitialized = reinitialize(model, topo, init, seed);
      results.push(
        probeLoaded({
          model,
          topology: topo,
          x,
          cotangentSeed: deriveSeed(seed, 'probe-cotangent', 0),
          source: data.source,
          ...(data.source === 'gaussian' ? { inputM2: data.std ** 2 } : {}),
          seed,
          reinitialized,
        }),
      );
    } finally {
      x.dispose();
      if (own) model.dispose();
    }
  }
  return { results, aggregate: aggregateProbes(results) };
}

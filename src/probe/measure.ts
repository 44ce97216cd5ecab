/**
 * One forward and one backward pass through a built model, measuring every layer at once.
 *
 * Gradients wrt pre-activations: the eager forward passes the pre-activation zᵢ of every layer through
 * an identity op with a custom gradient (tf.customGrad) whose backward hands the incoming gradient on
 * unchanged and keeps a copy of it. tf.grads differentiates the scalar ⟨top, g⟩ wrt the kernels; every
 * zᵢ lies on the path from conv1's kernel to the top, so the backward pass reaches each tap once, with
 * the gradient already accumulated over all of zᵢ's consumers: that is ∂⟨top, g⟩/∂zᵢ. (An earlier
 * version added zero tensors εᵢ and differentiated wrt them — same numbers, two extra activations'
 * worth of memory per layer.) g is the cotangent: i.i.d. N(0, 1) of the top's shape, seeded, so the
 * gradients are those a unit-variance random upstream signal would produce ("unit-gaussian").
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName, LayerProbe, Moments } from '../core/types.ts';
import { forward, type ModelLayerInfo, type NetLayers } from '../model/index.ts';

/** The measured part of a LayerProbe (theory is added beside it later), for one model layer. */
export interface MeasuredLayer extends Pick<LayerProbe, 'pre' | 'post' | 'deadFraction' | 'saturatedFraction' | 'gradPre' | 'gradWeight'> {
  info: ModelLayerInfo;
}

/** Values per layer in the single stats vector read back from the device, in this order. */
const FIELDS = 14;

/** mean, biased variance (two-pass, via tf.moments), and E[x²] of all entries, as 3 scalars. */
function momentsOf(x: tf.Tensor): tf.Tensor[] {
  const m = tf.moments(x);
  return [m.mean, m.variance, tf.mean(tf.square(x))];
}

function toMoments(v: Float32Array | Float64Array, at: number): Moments {
  const f = (n: number): number | null => (Number.isFinite(v[at + n]!) ? v[at + n]! : null);
  return { mean: f(0), variance: f(1), secondMoment: f(2) };
}

/**
 * Dead: a unit is one (position, channel) of a conv layer's output map — i.e. one entry of the
 * [H, W, C] activation, as a neuron of the equivalent dense net — and it is dead when its
 * post-activation is exactly 0 for every example of the batch. The fraction is over H·W·C units.
 */
function deadFraction(post: tf.Tensor): tf.Tensor {
  const maxAbs = tf.max(tf.abs(post), 0);
  return tf.mean(tf.cast(tf.equal(maxAbs, 0), 'float32'));
}

/** Fraction of post-activation entries in the flat region: |tanh| > 0.99; sigmoid < 0.01 or > 0.99. */
function saturatedFraction(post: tf.Tensor, act: ActivationName): tf.Tensor | null {
  if (act === 'tanh') return tf.mean(tf.cast(tf.greater(tf.abs(post), 0.99), 'float32'));
  if (act === 'sigmoid') return tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(post, 0.5)), 0.49), 'float32'));
  return null;
}

export interface MeasureOptions {
  net: NetLayers;
  layers: ModelLayerInfo[];
  activation: ActivationName;
  batch: tf.Tensor4D;
  /** seed of the N(0,1) cotangent at the top; non-zero */
  cotangentSeed: number;
}

/** The kernel variable of a conv/dense layer (what its call reads, so gradients reach it). */
function kernelOf(layer: tf.layers.Layer): tf.Tensor {
  const w = layer.trainableWeights.find((v) => v.originalName.endsWith('/kernel'));
  if (w === undefined) throw new Error(`layer ${layer.name} has no kernel`);
  return w.read();
}

export interface ProbeTensors {
  /** per layer of `layers`: pre-activation, post-activation (the logits for the head) */
  pre: tf.Tensor[];
  post: tf.Tensor[];
  /** ∂⟨top, g⟩/∂pre (or its reduction, see probeTensors) and ∂⟨top, g⟩/∂kernel per layer */
  gradPre: tf.Tensor[];
  gradWeight: tf.Tensor[];
  top: tf.Tensor;
  cotangent: tf.Tensor;
  dispose(): void;
}

/**
 * The forward/backward pass itself, returning the tensors (the caller disposes them with `dispose()`).
 * BatchNorm runs in training mode (batch statistics); its moving averages are left as they were.
 */
export function probeTensors(
  opts: MeasureOptions,
  /**
   * When given, each pre-activation gradient is reduced inside the backward pass and only the result
   * is kept (gradPre holds the reductions): a deep net's full gradient maps need not all stay alive.
   */
  reduceGradPre?: (dy: tf.Tensor) => tf.Tensor,
): ProbeTensors {
  const { net, layers, batch } = opts;
  const kernels = layers.map((l) => kernelOf(l.kind === 'dense' ? net.head! : net.conv[l.index - 1]!));
  const kept: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    kept.push(tf.keep(t));
    return t;
  };
  const pre: tf.Tensor[] = [];
  const post: tf.Tensor[] = [];
  const gradPre: (tf.Tensor | undefined)[] = layers.map(() => undefined);
  let top: tf.Tensor | null = null;
  let cot: tf.Tensor | null = null;
  // Identity whose backward records dy (the gradient wrt its input) for layer j.
  const taps = layers.map((_, j) =>
    tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.clone(args[0] as tf.Tensor), // shares the input's data: no copy
      gradFunc: (dy: tf.Tensor) => {
        gradPre[j] = keep(reduceGradPre !== undefined ? reduceGradPre(dy) : tf.clone(dy));
        return dy;
      },
    })),
  );
  // BatchNorm in training mode also moves its moving mean/variance; a probe must not change the model,
  // so they are put back afterwards (a probe during training would otherwise skew later evaluation).
  const moving = net.bn.flatMap((b) => (b === null ? [] : b.nonTrainableWeights)).map((w) => ({ w, value: tf.clone(w.read()) }));
  const restoreMoving = (): void => {
    for (const { w, value } of moving) {
      w.write(value);
      value.dispose();
    }
  };
  try {
    const gradWeight = tf.tidy(() => {
      const f = (): tf.Scalar => {
        const out = forward<tf.Tensor>(net, batch, {
          kwargs: { training: true },
          // pre/post escape the gradient's forward scope via keep; disposed by dispose()
          pre: (i, z) => (pre[i - 1] = keep(taps[i - 1]!(z))),
          post: (i, a) => {
            post[i - 1] = keep(a);
          },
        });
        top = keep(out);
        cot = keep(tf.randomNormal(out.shape, 0, 1, 'float32', opts.cotangentSeed));
        return tf.sum(tf.mul(out, cot));
      };
      return tf.grads(f)(kernels);
    });
    for (const g of gradWeight) kept.push(g);
    restoreMoving();
    const missing = gradPre.findIndex((g) => g === undefined);
    if (missing >= 0) throw new Error(`probe: no gradient reached the pre-activation of ${layers[missing]!.name}`);
    return {
      pre,
      post,
      gradPre: gradPre as tf.Tensor[],
      gradWeight,
      top: top!,
      cotangent: cot!,
      dispose: () => {
        for (const t of new Set(kept)) if (!t.isDisposed) t.dispose();
      },
    };
  } catch (e) {
    if (moving.some((m) => !m.value.isDisposed)) restoreMoving();
    for (const t of new Set(kept)) if (!t.isDisposed) t.dispose();
    throw e;
  }
}

/**
 * Measures every layer of `layers` (conv layers, then the head if any) with BatchNorm in training mode.
 * Everything but the returned numbers is disposed.
 */
export function measureLayers(opts: MeasureOptions): MeasuredLayer[] {
  const depth = opts.net.arch.depth;
  const pt = probeTensors(opts, (dy) => tf.stack(momentsOf(dy)));
  let v: Float32Array;
  try {
    const stats = tf.tidy(() => {
      const rows: tf.Tensor[] = [];
      opts.layers.forEach((l, j) => {
        const post = pt.post[j]!;
        const isConv = l.index <= depth;
        rows.push(
          ...momentsOf(pt.pre[j]!),
          ...momentsOf(post),
          isConv ? deadFraction(post) : tf.scalar(NaN),
          (isConv ? saturatedFraction(post, opts.activation) : null) ?? tf.scalar(NaN),
          ...tf.unstack(pt.gradPre[j]!),
          ...momentsOf(pt.gradWeight[j]!),
        );
      });
      return tf.stack(rows.map((r) => tf.reshape(tf.cast(r, 'float32'), [])));
    });
    v = stats.dataSync() as Float32Array;
    stats.dispose();
  } finally {
    pt.dispose();
  }
  return opts.layers.map((info, j) => {
    const at = j * FIELDS;
    const num = (k: number): number | null => (Number.isFinite(v[at + k]!) ? v[at + k]! : null);
    return {
      info,
      pre: toMoments(v, at),
      post: toMoments(v, at + 3),
      deadFraction: num(6),
      saturatedFraction: num(7),
      gradPre: toMoments(v, at + 8),
      gradWeight: toMoments(v, at + 11),
    };
  });
}

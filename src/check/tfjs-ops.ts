/**
 * The tfjs side of the per-op check: the same case on the active tfjs backend, forward with tfjs ops
 * and gradients by tf.grads with the same cotangent dy, read back as float32 arrays.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '../reference/index.ts';
import { type OpCase, gradInputs } from './cases.ts';

export interface Output {
  shape: number[];
  data: Float32Array;
}

const toTf = (t: Tensor): tf.Tensor => tf.tensor(Float32Array.from(t.data), t.shape, 'float32');

/** The tfjs function of a case: differentiable inputs (in gradInputs order) → its forward output. */
function tfjsFunction(c: OpCase, inputs: Record<string, Tensor>): (...xs: tf.Tensor[]) => tf.Tensor {
  switch (c.kind) {
    case 'conv2d': {
      const pad = typeof c.padding === 'string' ? c.padding : ([[0, 0], c.padding[0], c.padding[1], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]);
      return (x, w, b) =>
        tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, pad, 'NHWC', c.dilation), b!);
    }
    case 'dense':
      return (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b!);
    case 'activation':
      return (x) => {
        switch (c.op) {
          case 'linear': return tf.clone(x!);
          case 'relu': return tf.relu(x!);
          case 'leaky_relu': return tf.leakyRelu(x!, c.alpha);
          case 'tanh': return tf.tanh(x!);
          case 'sigmoid': return tf.sigmoid(x!);
          case 'selu': return tf.selu(x!);
          // tf.elu has α = 1; elu_α = α·elu + (1−α)·relu agrees on both sides and, unlike a
          // tf.where on tf.greater(x, 0), keeps every op on the path differentiable for tf.grads
          case 'elu': {
            const a = c.alpha ?? 1;
            return a === 1 ? tf.elu(x!) : tf.add(tf.mul(tf.elu(x!), a), tf.mul(tf.relu(x!), 1 - a));
          }
          // tfjs-layers' 'gelu': x·Φ(x) with Φ from tf.erf
          case 'gelu': return tf.mul(x!, tf.mul(0.5, tf.add(1, tf.erf(tf.div(x!, Math.SQRT2)))));
          case 'swish': return tf.mul(x!, tf.sigmoid(x!));
        }
      };
    case 'pool':
      return (x) =>
        c.op === 'max-pool'
          ? tf.maxPool(x as tf.Tensor4D, c.size, c.stride, c.padding)
          : tf.avgPool(x as tf.Tensor4D, c.size, c.stride, c.padding);
    case 'global-avg-pool':
      return (x) => tf.mean(x!, [1, 2]);
    case 'batch-norm':
      return (x, gamma, beta) => {
        // training mode as tfjs-layers BatchNormalization: batch moments (biased variance) over all but the channel axis
        const axes = x!.shape.slice(0, -1).map((_, i) => i);
        const { mean, variance } = tf.moments(x!, axes);
        return tf.batchNorm(x!, mean, variance, beta!, gamma!, 1e-3);
      };
    case 'add':
      return (x, y) => tf.add(x!, y!);
    case 'softmax-ce': {
      const [N, K] = c.x as [number, number];
      const onehot = Array.from(inputs.labels!.data);
      return (logits) =>
        tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(onehot, 'int32'), K).reshape([N, K]), logits!);
    }
  }
}

const read = (t: tf.Tensor): Output => ({ shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) });

/** The forward output of a case on the active backend. */
export function tfjsForward(c: OpCase, inputs: Record<string, Tensor>): Output {
  const f = tfjsFunction(c, inputs);
  const box: { out?: Output } = {};
  tf.tidy(() => {
    box.out = read(f(...gradInputs(c).map((n) => toTf(inputs[n]!))));
  });
  return box.out!;
}

/** tfjs 4.22 has no conv2d gradient for dilation > 1: such cases compare the forward pass only. */
export function tfjsGradUnsupported(c: OpCase): string | null {
  return c.kind === 'conv2d' && c.dilation > 1
    ? 'tfjs 4.22 has no conv2d gradient for dilation > 1 (the reference gradient is checked by finite differences)'
    : null;
}

/** Gradients of a case (wrt gradInputs, cotangent dy) by tf.grads, keyed 'grad.<input>'. */
export function tfjsGrads(c: OpCase, inputs: Record<string, Tensor>): Record<string, Output> {
  const names = gradInputs(c);
  const f = tfjsFunction(c, inputs);
  const out: Record<string, Output> = {};
  tf.tidy(() => {
    const xs = names.map((n) => toTf(inputs[n]!));
    const dy = inputs.dy !== undefined ? toTf(inputs.dy) : undefined;
    const grads = tf.grads((...a: tf.Tensor[]) => f(...a))(xs, dy);
    names.forEach((n, k) => {
      out[`grad.${n}`] = read(grads[k]!);
    });
  });
  return out;
}

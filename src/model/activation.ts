/**
 * Activation layers for the model builder. tfjs-layers 4.22 has 'gelu' (exact, erf-based) and 'swish'
 * (x·sigmoid(x)) as named activations, and a LeakyReLU layer with any alpha; its ELU layer refuses
 * alpha ≠ 1, so elu(α) with α ≠ 1 is a small registered layer of our own (it saves and loads).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationSpec } from '../core/types.ts';

interface ScaledEluArgs {
  alpha: number;
  name?: string;
}

/** elu(x) = x for x > 0, α·(eˣ − 1) otherwise — any α (tfjs's own ELU layer only allows α = 1). */
export class ScaledElu extends tf.layers.Layer {
  static className = 'InitbenchScaledElu';
  readonly alpha: number;
  constructor(args: ScaledEluArgs) {
    super({ name: args.name });
    this.alpha = args.alpha;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      // α·elu(x) + (1−α)·relu(x) is x for x > 0 and α(eˣ−1) below; unlike tf.where(tf.greater(…)),
      // every op here has a gradient in tfjs 4.22.
      return tf.add(tf.mul(tf.elu(x), this.alpha), tf.mul(tf.relu(x), 1 - this.alpha));
    });
  }
  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return shape;
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}
tf.serialization.registerClass(ScaledElu);

/** The default slopes when an ActivationSpec leaves alpha out (Keras/PyTorch defaults). */
export const DEFAULT_ALPHA = { leaky_relu: 0.01, elu: 1 } as const;

/** A fresh tfjs layer applying `act`, named `name` (act{i}). */
export function activationLayer(act: ActivationSpec, name: string): tf.layers.Layer {
  switch (act.name) {
    case 'leaky_relu':
      return tf.layers.leakyReLU({ alpha: act.alpha ?? DEFAULT_ALPHA.leaky_relu, name });
    case 'elu': {
      const alpha = act.alpha ?? DEFAULT_ALPHA.elu;
      return alpha === 1 ? tf.layers.elu({ name }) : new ScaledElu({ alpha, name });
    }
    case 'relu':
    case 'tanh':
    case 'sigmoid':
    case 'selu':
    case 'gelu':
    case 'swish':
    case 'linear':
      return tf.layers.activation({ activation: act.name, name });
  }
}

/**
 * The tfjs side of src/init: an entry's recipe → a tfjs Initializer (our classes are registered for
 * save/load), and LSUV's data-dependent rescale. Loads @tensorflow/tfjs; the rest of src/init does not.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationSpec, InitSpec, LayerInit } from '../core/types.ts';
import { ConstantInit, DeltaOrthogonalInit, NormalInit, OrthogonalInit, UniformInit, VarianceScalingInit, type TfInitializer } from './classes.ts';
import { initRecipe } from './registry.ts';

export { VarianceScalingInit, OrthogonalInit } from './classes.ts';
export { applyLsuv, type LsuvStep } from './lsuv.ts';

/** A tfjs Initializer for one layer's kernel (LSUV: its orthonormal start; call applyLsuv once the model is built). */
export function createInitializer(spec: InitSpec, layer: LayerInit, activation: ActivationSpec): TfInitializer {
  const r = initRecipe(spec, layer, activation);
  switch (r.cls) {
    case 'VarianceScaling':
      return new VarianceScalingInit(r);
    case 'Orthogonal':
      return new OrthogonalInit(r);
    case 'DeltaOrthogonal':
      return new DeltaOrthogonalInit(r);
    case 'Constant':
      return new ConstantInit(r);
    case 'Normal':
      return new NormalInit(r);
    case 'Uniform':
      return new UniformInit(r);
    case 'tfjs':
      switch (r.fn) {
        case 'orthogonal':
          return tf.initializers.orthogonal({ gain: r.gain, seed: r.seed });
        case 'truncatedNormal':
          return tf.initializers.truncatedNormal({ mean: r.mean, stddev: r.stddev, seed: r.seed });
        case 'randomNormal':
          return tf.initializers.randomNormal({ mean: r.mean, stddev: r.stddev, seed: r.seed });
        case 'randomUniform':
          return tf.initializers.randomUniform({ minval: r.minval, maxval: r.maxval, seed: r.seed });
        default:
          return tf.initializers[r.fn]({ seed: r.seed });
      }
  }
}

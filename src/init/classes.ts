/**
 * Our initializers as tfjs Initializer subclasses, registered with tfjs serialization so a model
 * built with them saves (toJSON / model.save) and loads (tf.models.modelFromJSON / loadLayersModel).
 * Every draw is float64 on the JS side from src/core/rng.ts (see draw.ts): the same numbers on every
 * backend, and the same numbers every time for the same seed (seed 0 included).
 */
import * as tf from '@tensorflow/tfjs';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { Distribution } from './registry.ts';
import {
  TRUNCATED_STD_CORRECTION,
  deltaOrthogonal,
  deltaOrthogonalProblem,
  drawNormal,
  drawTruncated,
  drawUniform,
  effectiveSeed,
  orthogonalMatrix,
} from './draw.ts';
import { fanFor, sizeOf } from './fans.ts';

// tfjs-layers' Initializer type is not re-exported by @tensorflow/tfjs; a type-only deep import is erased.
export type TfInitializer = Initializer;

// tfjs-layers does not export its Initializer base class at runtime; take it from a built-in instance so
// ours are the same class tfjs's layers check against (one copy, from the same bundle).
const InitializerBase = Object.getPrototypeOf(Object.getPrototypeOf(tf.initializers.zeros())).constructor as new () => TfInitializer;

function toTensor(data: Float64Array, shape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(data), shape, 'float32');
}

type Mode = 'fan_in' | 'fan_out' | 'fan_avg';

/**
 * tfjs's model loading turns snake_case string values into camelCase (convertPythonicToTs), so a
 * saved 'fan_in' comes back as 'fanIn': accept both spellings.
 */
function normalizeMode(m: string): Mode {
  const k = m.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  if (k === 'fan_in' || k === 'fan_out' || k === 'fan_avg') return k;
  throw new Error(`initbench.VarianceScaling: unknown mode ${JSON.stringify(m)}`);
}

interface VarianceScalingConfig {
  /** Var(W) = scale / fan(mode) */
  scale: number;
  mode: Mode;
  distribution: Distribution;
  seed: number;
}

/** Var(W) = scale/fan; normal, uniform on ±√(3·Var), or normal truncated at ±2σ with σ = √Var/0.8796. */
export class VarianceScalingInit extends InitializerBase {
  static className = 'initbench.VarianceScaling';
  readonly scale: number;
  readonly mode: Mode;
  readonly distribution: Distribution;
  readonly seed: number;
  constructor(config: VarianceScalingConfig) {
    super();
    this.scale = config.scale;
    this.mode = normalizeMode(config.mode);
    this.distribution = config.distribution;
    this.seed = effectiveSeed(config.seed);
  }
  override apply(shape: number[]): tf.Tensor {
    const variance = this.scale / Math.max(1, fanFor(shape, this.mode));
    const n = sizeOf(shape);
    const sd = Math.sqrt(variance);
    const data =
      this.distribution === 'normal'
        ? drawNormal(n, sd, this.seed)
        : this.distribution === 'uniform'
          ? drawUniform(n, Math.sqrt(3 * variance), this.seed)
          : drawTruncated(n, sd / TRUNCATED_STD_CORRECTION, this.seed);
    return toTensor(data, shape);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed };
  }
}

interface GainConfig {
  gain: number;
  seed: number;
}

/** Orthogonal, PyTorch's flattening: [prod(shape[:-1]), shape[-1]] (for tfjs kernels: fan-in × cout). */
export class OrthogonalInit extends InitializerBase {
  static className = 'initbench.Orthogonal';
  readonly gain: number;
  readonly seed: number;
  constructor(config: GainConfig) {
    super();
    this.gain = config.gain;
    this.seed = effectiveSeed(config.seed);
  }
  override apply(shape: number[]): tf.Tensor {
    if (shape.length < 2) throw new Error(`orthogonal needs a shape of rank ≥ 2, got [${shape.join(',')}]`);
    const cols = shape[shape.length - 1]!;
    const rows = sizeOf(shape) / cols;
    return toTensor(orthogonalMatrix(rows, cols, this.gain, this.seed), shape);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { gain: this.gain, seed: this.seed };
  }
}

/** Delta-orthogonal for conv kernels; a rank-2 (dense) kernel gets a plain orthogonal matrix. */
export class DeltaOrthogonalInit extends InitializerBase {
  static className = 'initbench.DeltaOrthogonal';
  readonly gain: number;
  readonly seed: number;
  constructor(config: GainConfig) {
    super();
    this.gain = config.gain;
    this.seed = effectiveSeed(config.seed);
  }
  override apply(shape: number[]): tf.Tensor {
    if (shape.length === 2) return toTensor(orthogonalMatrix(shape[0]!, shape[1]!, this.gain, this.seed), shape);
    const problem = deltaOrthogonalProblem(shape);
    if (problem !== null) throw new Error(`delta-orthogonal: ${problem}`);
    return toTensor(deltaOrthogonal(shape, this.gain, this.seed), shape);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { gain: this.gain, seed: this.seed };
  }
}

export class ConstantInit extends InitializerBase {
  static className = 'initbench.Constant';
  readonly value: number;
  constructor(config: { value: number }) {
    super();
    this.value = config.value;
  }
  override apply(shape: number[]): tf.Tensor {
    return tf.fill(shape, this.value, 'float32');
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { value: this.value };
  }
}

export class NormalInit extends InitializerBase {
  static className = 'initbench.Normal';
  readonly std: number;
  readonly seed: number;
  constructor(config: { std: number; seed: number }) {
    super();
    this.std = config.std;
    this.seed = effectiveSeed(config.seed);
  }
  override apply(shape: number[]): tf.Tensor {
    return toTensor(drawNormal(sizeOf(shape), this.std, this.seed), shape);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { std: this.std, seed: this.seed };
  }
}

export class UniformInit extends InitializerBase {
  static className = 'initbench.Uniform';
  readonly limit: number;
  readonly seed: number;
  constructor(config: { limit: number; seed: number }) {
    super();
    this.limit = config.limit;
    this.seed = effectiveSeed(config.seed);
  }
  override apply(shape: number[]): tf.Tensor {
    return toTensor(drawUniform(sizeOf(shape), this.limit, this.seed), shape);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { limit: this.limit, seed: this.seed };
  }
}

for (const cls of [VarianceScalingInit, OrthogonalInit, DeltaOrthogonalInit, ConstantInit, NormalInit, UniformInit]) {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}

// The Keras-converted example (examples/models/keras-converted/), written without Python: the model.json and
// group1-shard1of1.bin that `tensorflowjs_converter --input_format keras model.h5 DIR` (TensorFlow.js
// Converter v4.x) writes for a Keras 2.12 Sequential model. The layout follows the converter's documented
// output: top-level format "layers-model", generatedBy "keras v<version>", convertedBy "TensorFlow.js
// Converter v<version>", modelTopology { keras_version, backend, model_config (Keras's own to_json(), snake_case
// keys, an InputLayer first), training_config }, weightsManifest with Keras's weight names (`conv2d/kernel`) in
// one shard of float32 little-endian values. Kernels are Keras's default GlorotUniform, U(±√(6/(fan_in+fan_out))),
// drawn here with a seeded RNG; the biases are small N(0, 0.01²) draws (a fresh Keras model has zeros) so a test
// can tell every weight's place in the shard. Imported by scripts/example-models.ts and the tests.
import { Rng } from '../src/core/rng.ts';

export const KERAS_FIXTURE_SEED = 4242;
export const KERAS_VERSION = '2.12.0';
export const CONVERTER_VERSION = '4.6.0';

export interface KerasWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

const nulls = { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };
const glorotUniform = { class_name: 'GlorotUniform', config: { seed: null } };
const zeros = { class_name: 'Zeros', config: {} };

function conv2d(name: string, filters: number, first: boolean): Record<string, unknown> {
  return {
    class_name: 'Conv2D',
    config: {
      name,
      trainable: true,
      ...(first ? { batch_input_shape: [null, 32, 32, 3] } : {}),
      dtype: 'float32',
      filters,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'same',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      groups: 1,
      activation: 'relu',
      use_bias: true,
      kernel_initializer: glorotUniform,
      bias_initializer: zeros,
      ...nulls,
    },
  };
}

/** The Sequential's layers: 32×32×3 → conv 8 → maxpool → conv 16 → GAP → dropout → dense(10, softmax). */
export function kerasModelConfig(): Record<string, unknown> {
  return {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 32, 32, 3], dtype: 'float32', sparse: false, ragged: false, name: 'conv2d_input' } },
        conv2d('conv2d', 8, true),
        {
          class_name: 'MaxPooling2D',
          config: { name: 'max_pooling2d', trainable: true, dtype: 'float32', pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' },
        },
        conv2d('conv2d_1', 16, false),
        {
          class_name: 'GlobalAveragePooling2D',
          config: { name: 'global_average_pooling2d', trainable: true, dtype: 'float32', data_format: 'channels_last', keepdims: false },
        },
        { class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.25, noise_shape: null, seed: null } },
        {
          class_name: 'Dense',
          config: { name: 'dense', trainable: true, dtype: 'float32', units: 10, activation: 'softmax', use_bias: true, kernel_initializer: glorotUniform, bias_initializer: zeros, ...nulls },
        },
      ],
    },
  };
}

/** The weights in the converter's order (the layers' order, kernel before bias), as the fixture holds them. */
export function kerasWeights(seed = KERAS_FIXTURE_SEED): KerasWeight[] {
  const rng = new Rng(seed);
  const kernel = (shape: number[], fanIn: number, fanOut: number): Float32Array => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * rng.uniform() - 1) * limit);
  };
  const bias = (n: number): Float32Array => Float32Array.from({ length: n }, () => 0.01 * rng.normal());
  return [
    { name: 'conv2d/kernel', shape: [3, 3, 3, 8], values: kernel([3, 3, 3, 8], 27, 72) },
    { name: 'conv2d/bias', shape: [8], values: bias(8) },
    { name: 'conv2d_1/kernel', shape: [3, 3, 8, 16], values: kernel([3, 3, 8, 16], 72, 144) },
    { name: 'conv2d_1/bias', shape: [16], values: bias(16) },
    { name: 'dense/kernel', shape: [16, 10], values: kernel([16, 10], 16, 10) },
    { name: 'dense/bias', shape: [10], values: bias(10) },
  ];
}

/**
 * JSON as Python's json.dumps writes it (the converter's model.json): one line, ", " and ": " separators, floats
 * in repr form (an exponent of two digits at least: 1e-07). Covers the values this fixture holds.
 */
export function pythonJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pythonJson(x)}`).join(', ')}}`;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    return String(v).replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return JSON.stringify(v);
}

/** model.json and group1-shard1of1.bin as bytes. */
export function buildKerasFixture(): Map<string, Buffer> {
  const weights = kerasWeights();
  const json = {
    format: 'layers-model',
    generatedBy: `keras v${KERAS_VERSION}`,
    convertedBy: `TensorFlow.js Converter v${CONVERTER_VERSION}`,
    modelTopology: {
      keras_version: KERAS_VERSION,
      backend: 'tensorflow',
      model_config: kerasModelConfig(),
      training_config: {
        loss: 'categorical_crossentropy',
        metrics: [[{ class_name: 'MeanMetricWrapper', config: { name: 'accuracy', dtype: 'float32', fn: 'categorical_accuracy' } }]],
        weighted_metrics: null,
        loss_weights: null,
        optimizer_config: {
          class_name: 'Custom>Adam',
          config: { name: 'Adam', weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, jit_compile: false, is_legacy_optimizer: false, learning_rate: 0.0010000000474974513, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false },
        },
      },
    },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
  };
  const total = weights.reduce((n, w) => n + w.values.length, 0);
  const shard = Buffer.alloc(4 * total);
  let at = 0;
  for (const w of weights) for (const v of w.values) at = shard.writeFloatLE(v, at);
  return new Map([
    ['model.json', Buffer.from(pythonJson(json))],
    ['group1-shard1of1.bin', shard],
  ]);
}

/**
 * What a user's module may export for `initbench check --impl`, and how each function is called.
 * Kept in one table so the loader, the runner and the README say the same thing.
 */
export type Layout = 'NHWC' | 'NCHW';
export type ArrayStyle = 'nested' | 'typed';

/** ms one call of the user's function may take before it counts as hung (--timeout overrides). */
export const DEFAULT_IMPL_TIMEOUT_MS = 5000;

export interface ImplOptions {
  layout: Layout;
  arrays: ArrayStyle;
}

/** Recognised exports and their documented parameters (the call initbench makes). */
export const IMPL_FUNCTIONS = {
  conv2d: ['x', 'w', 'b', 'opts'],
  conv2dBackward: ['x', 'w', 'dy', 'opts'],
  dense: ['x', 'w', 'b'],
  denseBackward: ['x', 'w', 'dy'],
  linear: ['x'],
  linearBackward: ['x', 'dy'],
  relu: ['x'],
  reluBackward: ['x', 'dy'],
  leakyRelu: ['x', 'alpha'],
  leakyReluBackward: ['x', 'dy', 'alpha'],
  tanh: ['x'],
  tanhBackward: ['x', 'dy'],
  sigmoid: ['x'],
  sigmoidBackward: ['x', 'dy'],
  selu: ['x'],
  seluBackward: ['x', 'dy'],
  elu: ['x', 'alpha'],
  eluBackward: ['x', 'dy', 'alpha'],
  gelu: ['x'],
  geluBackward: ['x', 'dy'],
  swish: ['x'],
  swishBackward: ['x', 'dy'],
  maxPool: ['x', 'opts'],
  maxPoolBackward: ['x', 'dy', 'opts'],
  avgPool: ['x', 'opts'],
  avgPoolBackward: ['x', 'dy', 'opts'],
  globalAvgPool: ['x'],
  globalAvgPoolBackward: ['x', 'dy'],
  batchNorm: ['x', 'gamma', 'beta', 'opts'],
  batchNormBackward: ['x', 'gamma', 'dy', 'opts'],
  softmaxCrossEntropy: ['logits', 'labels'],
  softmaxCrossEntropyBackward: ['logits', 'labels'],
} as const satisfies Record<string, readonly string[]>;

export type ImplFunctionName = keyof typeof IMPL_FUNCTIONS;
export const IMPL_FUNCTION_NAMES = Object.keys(IMPL_FUNCTIONS) as ImplFunctionName[];

/** Activation op name (the reference's) → the user's forward export name. */
export const ACTIVATION_EXPORTS: Record<string, ImplFunctionName> = {
  linear: 'linear',
  relu: 'relu',
  leaky_relu: 'leakyRelu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  selu: 'selu',
  elu: 'elu',
  gelu: 'gelu',
  swish: 'swish',
};

/**
 * The reference engine: from-scratch float64 ops and a model, written to be read.
 * NHWC images, (KH,KW,Cin,Cout) conv kernels, (Din,Dout) dense kernels — tfjs's layouts.
 * Imports nothing else of initbench and never tfjs, so it can be trusted as an independent truth.
 */
export { type Tensor, tensor, zeros, clone, sizeOf, sameShape } from './tensor.ts';
export { type Padding, type Conv2dOptions, type ConvGeometry, type Conv2dGrads, convGeometry, conv2d, conv2dBackward } from './conv2d.ts';
export { dense, denseBackward } from './dense.ts';
export {
  type ActivationName, ACTIVATION_NAMES, SELU_ALPHA, SELU_SCALE, DEFAULT_LEAKY_ALPHA, DEFAULT_ELU_ALPHA,
  erf, erfc, normalCdf, activationValue, activationDerivative, activation, activationBackward,
  relu, reluBackward, leakyRelu, leakyReluBackward, tanh, tanhBackward, sigmoid, sigmoidBackward,
  selu, seluBackward, elu, eluBackward, gelu, geluBackward, swish, swishBackward,
} from './activations.ts';
export {
  type PoolOptions, maxPool, maxPoolBackward, avgPool, avgPoolBackward, globalAvgPool, globalAvgPoolBackward,
} from './pool.ts';
export { BN_EPSILON, type BatchNormStats, batchStats, batchNorm, batchNormBackward } from './batchnorm.ts';
export { add, addBackward } from './residual.ts';
export { softmax, softmaxCrossEntropy, softmaxCrossEntropyBackward } from './loss.ts';
export {
  type RefArchSpec, type RefInputSpec, type RefActivationSpec, type RefModelSpec, type WeightMap,
  type LayerTrace, type ForwardResult, type BackwardResult,
  REF_ARCH_FIELDS, REF_ARCH_IGNORED, DOWNSAMPLE_POOL, weightShapes, modelForward, modelLossAndGrads, sgdStep, ReferenceModel,
} from './model.ts';

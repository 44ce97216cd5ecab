export {
  buildModel,
  forward,
  getWeightMap,
  setWeightMap,
  type BuildOptions,
  type BuiltModel,
  type ForwardHooks,
  type NetLayers,
} from './build.ts';
// The tfjs-free half; src/suite imports './plan.ts' directly so that planning loads no tfjs.
export { BN_EPSILON, convOutSize, poolOutSize, hasBn, isResidual, layerInits, planLayers, residualBlocks, validateArch, type ModelLayerInfo } from './plan.ts';
export { activationLayer, ScaledElu, DEFAULT_ALPHA } from './activation.ts';
export { buildRunModel, type RunModel, type BuildRunOptions } from './run.ts';

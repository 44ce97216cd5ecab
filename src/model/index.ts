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
// The tfjs-free layer plan lives in src/arch (suite plans with it without loading tfjs); re-exported for model users.
export { BN_EPSILON, convOutSize, poolOutSize, hasBn, isResidual, layerInits, planLayers, residualBlocks, validateArch, type ModelLayerInfo } from '../arch/index.ts';
export { activationLayer, ScaledElu, DEFAULT_ALPHA } from './activation.ts';
export { buildRunModel, type RunModel, type BuildRunOptions } from './run.ts';

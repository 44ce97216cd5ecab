export {
  buildModel,
  forward,
  getWeightMap,
  setWeightMap,
  planLayers,
  layerInits,
  residualBlocks,
  validateArch,
  type BuildOptions,
  type BuiltModel,
  type ForwardHooks,
  type LayerInit,
  type LayerRole,
  type ModelLayerInfo,
  type NetLayers,
} from './build.ts';
export { activationLayer, ScaledElu, DEFAULT_ALPHA } from './activation.ts';
export { buildRunModel, type RunModel, type BuildRunOptions } from './run.ts';

/**
 * Weight initializers: names and options (catalog), tfjs Initializer classes (registered for
 * save/load), their expected moments, LSUV, and the sample audit behind `initbench init-stats`.
 */
export {
  INITIALIZER_NAMES,
  CATALOG,
  ACTIVATION_NAMES,
  INIT_DEFAULTS,
  catalogEntry,
  resolveInitName,
  normalizeInitSpec,
  isDataDependent,
  type CatalogEntry,
  type Family,
  type Distribution,
  type Where,
} from './catalog.ts';
export {
  createInitializer,
  nominalMoments,
  trueMoments,
  resolveGain,
  fixupVarianceFactor,
  drawnDistribution,
  orthogonalGain,
  TRUNCATED_VARIANCE_FACTOR,
  type LayerInit,
  type LayerRole,
  type Moments,
  type MomentsContext,
} from './create.ts';
export {
  VarianceScalingInit,
  OrthogonalInit,
  DeltaOrthogonalInit,
  ConstantInit,
  NormalInit,
  UniformInit,
  deltaOrthogonalProblem,
  type TfInitializer,
} from './classes.ts';
export { applyLsuv, type LsuvStep } from './lsuv.ts';
export { fans, fanFor, sizeOf } from './fans.ts';
export { SEED_FOR_ZERO, TRUNCATED_STD_CORRECTION, effectiveSeed, orthogonalMatrix, orthogonalityError } from './draw.ts';

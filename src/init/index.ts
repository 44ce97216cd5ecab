/**
 * Weight initializers, the tfjs-free part: the registry (one entry per initializer: names, aliases,
 * options, family, gain, shape checks, expected moments), spec normalization, fans and seeded draws.
 * Planning imports this. The tfjs Initializers and LSUV are behind src/init/tfjs.ts; the sample audit
 * behind `initbench init-stats` is src/init/audit.ts.
 */
export {
  INITIALIZER_NAMES,
  initializerFamily,
  isDataDependent,
  nominalMoments,
  trueMoments,
  type Family,
} from './registry.ts';
export { ACTIVATION_NAMES, normalizeInitSpec, resolveInitName } from './spec.ts';
export { TRUNCATED_VARIANCE_FACTOR, fixupVarianceFactor } from './moments.ts';
export { AUDIT_SHAPE, fans } from './fans.ts';
export { SEED_FOR_ZERO, orthogonalityError } from './draw.ts';

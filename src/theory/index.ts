/**
 * Theory of weight init, as code: gains, Gaussian moments of activations, mean-field signal
 * propagation, and per-layer CNN predictions with padding and finite-width corrections.
 * This room imports nothing of ours; its types are structural copies of core's.
 */
export {
  type Act,
  type ActName,
  DEFAULT_ACTIVATION_ALPHA,
  SELU_ALPHA,
  SELU_LAMBDA,
  activationFn,
  activationDeriv,
  activationGain,
  variancePreservingGain,
  secondMomentFactor,
  firstMoment,
  derivSecondMoment,
  fourthMoment,
  reluMomentsShifted,
  expectUnder,
} from './activations.ts';
export { gaussHermite, gaussianExpectation, GH_POINTS } from './quadrature.ts';
export { meanField, lengthMap, lengthFixedPoint, reluVarianceClosedForm, CRITICAL_LN, type MeanField } from './meanfield.ts';
export {
  correlationMap,
  correlationFixedPoint,
  correlationTrajectory,
  correlationSlope,
  reluCorrelationClosedForm,
  gaussianPairExpectation,
  isHomogeneous,
  type CorrelationFixedPoint,
} from './correlation.ts';
export {
  phaseBoundary,
  phaseDiagram,
  trainableDepth,
  SCHOENHOLZ_TRAINABLE_MULTIPLE,
  type PhaseDiagram,
  type PhasePoint,
} from './phase.ts';
export { jacobianSpectrumMoments, type JacobianSpectrumOptions, type JacobianSpectrumMoments } from './jacobian.ts';
export {
  predictLayers,
  predictLayersDetailed,
  paddingFactor,
  tapFraction,
  convPaddingFactors,
  haninRolnickLogVariance,
  BN_EPSILON,
  THEORY_ARCH_FIELDS,
  THEORY_ARCH_IGNORED,
  type TheoryArch,
  type TheoryInput,
  type LayerPrediction,
  type LayerPredictionDetail,
  type PredictOptions,
} from './cnn.ts';
export { crossMoment, poolStats, type PoolStats } from './spatial.ts';
export { erf, erfc, normCdf, normPdf, normQuantile, lnGamma, gammaP, chi2Cdf, chi2Quantile } from './special.ts';

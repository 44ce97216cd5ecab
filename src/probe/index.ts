export {
  makeProbeBatch,
  cotangentSeed,
  probeWith,
  probeRun,
  probeSpecs,
  varianceSummary,
  aggregateProbes,
  spread,
  PROBE_STATS,
  type ProbeTarget,
  type ProbeWithOptions,
  type ProbeStat,
  type Spread,
  type AggregateLayer,
  type AggregateProbe,
} from './probe.ts';
export {
  measureLayers,
  probeTensors,
  histogramLayers,
  HIST_BINS,
  HIST_RANGE,
  HIST_MAX_LAYERS,
  type MeasuredLayer,
  type MeasureOptions,
  type ProbeTensors,
} from './measure.ts';
export { biasVarianceOf, theoryForLayers, type TheoryInputs } from './theory.ts';
export {
  probeCorrelation,
  measurePairCorrelations,
  makePairBatch,
  correlationTheory,
  fitDepthScale,
  meanAndStderr,
  type CorrelationProbe,
  type CorrelationTheoryInputs,
  type DepthScaleFit,
} from './correlation.ts';
export {
  probeJacobian,
  exactJacobian,
  exactSpectrum,
  firstActivation,
  projectionMoments,
  projectionSamples,
  jacobianTheory,
  weightLaw,
  JACOBIAN_BATCH,
  JACOBIAN_OUTPUT,
  type JacobianTheoryInputs,
} from './jacobian.ts';
export { symmetricEigenvalues } from './eigen.ts';

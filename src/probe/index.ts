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

export { readResults, readManifest, readRuns, parseRuns, readSamples, type ReadResultsOptions, type ParsedRuns } from './read.ts';
export {
  writeManifest,
  writeSamples,
  writeFileAtomic,
  manifestExists,
  assertOutIsDir,
  RunsWriter,
  RUNS_FILE,
  MANIFEST_FILE,
  SAMPLES_FILE,
} from './store.ts';
export { captureEnvironment, gitCommit } from './environment.ts';
export { mergeResults, type MergeResult } from './merge.ts';
export { suiteHistory, splitByPlan, pruneRuns } from './versions.ts';

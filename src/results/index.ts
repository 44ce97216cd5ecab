export {
  readResults,
  readManifest,
  readRuns,
  parseRuns,
  writeManifest,
  writeSamples,
  readSamples,
  writeFileAtomic,
  manifestExists,
  assertOutIsDir,
  RunsWriter,
  RUNS_FILE,
  MANIFEST_FILE,
  SAMPLES_FILE,
  type ReadResultsOptions,
  type ParsedRuns,
} from './store.ts';
export { captureEnvironment, gitCommit } from './environment.ts';
export { mergeResults, type MergeResult } from './merge.ts';

export {
  readResults,
  readManifest,
  readRuns,
  parseRuns,
  readSamples,
  readCheckReport,
  readInitStats,
  warnOnStderr,
  type Warn,
  type BadLine,
  type SideFileOptions,
  type ReadResultsOptions,
  type ParsedRuns,
} from './read.ts';
export {
  writeManifest,
  writeSamples,
  writeFileAtomic,
  manifestExists,
  assertOutIsDir,
  RunsWriter,
  makeResultsDir,
  type FileIo,
} from './store.ts';
export {
  RUNS_FILE,
  MANIFEST_FILE,
  SAMPLES_FILE,
  REPORT_FILE,
  INDEX_FILE,
  ROOT_MARKER,
  LOCK_FILE,
  DEFAULT_RESULTS_ROOT,
  runsFile,
  manifestFile,
  samplesFile,
  reportFile,
  chartsDir,
  resultsRootOf,
  checkFile,
  initStatsFile,
  indexFile,
  defaultResultsDir,
  isInitbenchRoot,
  resultsDirsIn,
  latestResultsDir,
} from './paths.ts';
export { captureEnvironment, gitCommit } from './environment.ts';
export { mergeResults, type MergeResult } from './merge.ts';
export { acquireLock, type DirLock, type LockHolder } from './lock.ts';
export { suiteHistory, splitByPlan, pruneRuns } from './versions.ts';

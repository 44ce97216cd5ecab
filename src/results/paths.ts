/**
 * Where every file of the results format lives. No other module builds these paths.
 *
 *   ROOT/                             a results root; `results/` (in the working dir) by default
 *   ROOT/.initbench-results           marker: initbench made ROOT, so it may write ROOT/index.html
 *   ROOT/index.html                   links the reports of the results dirs in ROOT
 *   ROOT/check/check.json             `initbench check`, shown by the report of every dir in ROOT
 *   ROOT/init-stats/init-stats.json   `initbench init-stats --all --json`, likewise
 *   ROOT/NAME/                        a results dir: runs.jsonl, manifest.json, samples.json,
 *                                     report.html, charts/, and .lock while a writer holds it
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.ts';

export const DEFAULT_RESULTS_ROOT = 'results';
export const RUNS_FILE = 'runs.jsonl';
export const MANIFEST_FILE = 'manifest.json';
export const SAMPLES_FILE = 'samples.json';
export const REPORT_FILE = 'report.html';
export const CHARTS_DIR = 'charts';
export const INDEX_FILE = 'index.html';
export const ROOT_MARKER = '.initbench-results';
export const LOCK_FILE = '.lock';

export const runsFile = (dir: string): string => path.join(dir, RUNS_FILE);
export const manifestFile = (dir: string): string => path.join(dir, MANIFEST_FILE);
export const samplesFile = (dir: string): string => path.join(dir, SAMPLES_FILE);
export const reportFile = (dir: string): string => path.join(dir, REPORT_FILE);
export const chartsDir = (dir: string): string => path.join(dir, CHARTS_DIR);
export const lockFile = (dir: string): string => path.join(dir, LOCK_FILE);

/** The results root a results dir sits in: its parent. */
export const resultsRootOf = (dir: string): string => path.dirname(path.resolve(dir));
export const checkFile = (root: string = DEFAULT_RESULTS_ROOT): string => path.join(root, 'check', 'check.json');
export const initStatsFile = (root: string = DEFAULT_RESULTS_ROOT): string => path.join(root, 'init-stats', 'init-stats.json');
export const indexFile = (root: string): string => path.join(root, INDEX_FILE);
export const rootMarker = (root: string): string => path.join(root, ROOT_MARKER);

/** `run` without --out: results/NAME, or results/NAME-quick for --quick. */
export function defaultResultsDir(suiteName: string, quick: boolean): string {
  return path.join(DEFAULT_RESULTS_ROOT, quick ? `${suiteName}-quick` : suiteName);
}

/** Whether initbench made ROOT (it holds the marker), so that ROOT/index.html is initbench's to write. */
export function isInitbenchRoot(root: string): boolean {
  return fs.existsSync(rootMarker(root));
}

/**
 * The subdirs of ROOT that hold a manifest.json and a runs.jsonl, sorted by name. Their contents are
 * not read here; a reader says what is wrong with one.
 */
export function resultsDirsIn(root: string): string[] {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(manifestFile(path.join(root, e.name))) && fs.existsSync(runsFile(path.join(root, e.name))))
    .map((e) => path.join(root, e.name))
    .sort();
}

/** `--latest`: the results dir under ROOT whose runs.jsonl was written last (an empty one does not count). */
export function latestResultsDir(root: string = DEFAULT_RESULTS_ROOT): string {
  let best: { dir: string; mtime: number } | null = null;
  for (const dir of resultsDirsIn(root)) {
    const st = fs.statSync(runsFile(dir));
    if (st.size > 0 && (best === null || st.mtimeMs > best.mtime)) best = { dir, mtime: st.mtimeMs };
  }
  if (best === null) {
    throw new InputError(`${root}: no results dirs with runs (run \`npm run bench\` or \`initbench run SUITE\` first)`, { file: root });
  }
  return best.dir;
}

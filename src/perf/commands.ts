/**
 * `perf`'s commands section: wall-clock time of whole CLI commands, each spawned as a user would run
 * it (`node bin/initbench.js …`, start-up included), of the report's regeneration in process, and of
 * the pool's per-task timeout. Median, min and max of a few runs, against the target each one has
 * (issue 12's and 13's targets, and the bounds the tests used to assert). A missed target is
 * reported, never an error: timing is not truth.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../core/types.ts';
import { WorkerPool } from '../pool/pool.ts';
import { poolTask } from '../pool/tasks.ts';
import { checkFile, initStatsFile, manifestFile, resultsRootOf, runsFile, samplesFile } from '../results/paths.ts';
import { makeResultsDir, writeFileAtomic } from '../results/store.ts';
import { synthAudit, synthCheck, synthSamples, synthSuiteRecords } from '../results/synth.ts';
import { loadSuite } from '../suite/index.ts';
import { loadSample, type LoadSample } from './machine.ts';
import { summarize, type Timing } from './timing.ts';

export interface Target {
  ms: number;
  /** where the number comes from */
  source: string;
}

/**
 * A spawned command: `args` after `node bin/initbench.js`, where DIR stands for the default suite's
 * results dir (its 76 runs synthesized, see PLACEHOLDERS) and OUT for a fresh file.
 */
export interface SpawnCase {
  kind: 'spawn';
  args: string[];
  reps: number;
  target: Target | null;
}

/** A task that busy-waits `delayMs` in a pool of `jobs` workers, aborted at `timeoutMs`: how soon the pool answers. */
export interface PoolTimeoutCase {
  kind: 'pool-timeout';
  jobs: number;
  backend: BackendName;
  delayMs: number;
  timeoutMs: number;
  reps: number;
  target: Target | null;
}

/** `writeReport(DIR)` in this process, after one untimed run (module imports, the inlined vega builds read once). */
export interface ReportInProcessCase {
  kind: 'report-in-process';
  reps: number;
  target: Target | null;
}

export type CommandCase = SpawnCase | PoolTimeoutCase | ReportInProcessCase;

export interface CommandFigure {
  /** `initbench ARGS` (DIR and OUT as in CommandsPerf.placeholders), or the pool case's parameters */
  name: string;
  /** null when a run failed (see error) */
  timing: Timing | null;
  target: Target | null;
  /** median ≤ target; null without a target or a timing */
  met: boolean | null;
  error: string | null;
}

export interface CommandsPerf {
  placeholders: { DIR: string; OUT: string };
  figures: CommandFigure[];
  /** 1, 5 and 15 minute load averages around the section: wall-clock figures grow under load */
  load: { before: LoadSample; after: LoadSample };
}

const START_UP: Target = { ms: 250, source: 'issue 13: --version, --help and COMMAND --help start in ≤ 0.25 s' };

/** Every command of the CLI, whose `--help` each is held to START_UP (test/cli-startup.test.ts checks the list against cli/). */
export const HELP_COMMANDS = ['backends', 'check', 'perf', 'run', 'merge', 'list', 'bench', 'report', 'init-stats', 'probe', 'data'];

export const COMMAND_CASES: CommandCase[] = [
  { kind: 'spawn', args: ['--version'], reps: 5, target: START_UP },
  { kind: 'spawn', args: ['--help'], reps: 5, target: START_UP },
  ...HELP_COMMANDS.map((name): CommandCase => ({ kind: 'spawn', args: [name, '--help'], reps: 5, target: START_UP })),
  { kind: 'spawn', args: ['list'], reps: 5, target: { ms: 500, source: 'issue 13: list in ≤ 0.5 s' } },
  { kind: 'spawn', args: ['report', 'DIR'], reps: 5, target: { ms: 1000, source: 'issue 13: report DIR on the default suite in ≤ 1.0 s end to end' } },
  { kind: 'report-in-process', reps: 5, target: { ms: 1000, source: 'issue 12: regenerating the default suite’s report in process in < 1 s' } },
  {
    kind: 'spawn', args: ['report', 'DIR', '--svg', '--png'], reps: 3,
    target: { ms: 15_000, source: "test/report-cli.test.ts's former bound (there in-process, without start-up)" },
  },
  {
    kind: 'spawn', args: ['init-stats', '--all', '--json', '--shape', '3,3,64,64', '--out', 'OUT'], reps: 3,
    target: { ms: 60_000, source: "test/init-stats-cli.test.ts's former bound" },
  },
  { kind: 'spawn', args: ['check', '--backend', 'cpu', '--out', 'OUT'], reps: 3, target: { ms: 60_000, source: "test/check-cli.test.ts's former bound" } },
  // the whole check, every backend that loads: what `npm run check` does
  { kind: 'spawn', args: ['check', '--out', 'OUT'], reps: 3, target: null },
  {
    kind: 'pool-timeout', jobs: 1, backend: 'cpu', delayMs: 20_000, timeoutMs: 500, reps: 5,
    target: { ms: 15_000, source: "test/run-pool.test.ts's former bound" },
  },
];

export function commandCaseName(c: CommandCase): string {
  if (c.kind === 'spawn') return `initbench ${c.args.join(' ')}`;
  if (c.kind === 'report-in-process') return 'writeReport(DIR) in process';
  return `pool of ${c.jobs} ${c.backend} worker${c.jobs === 1 ? '' : 's'}: a ${c.delayMs / 1000} s task with a ${c.timeoutMs} ms timeout`;
}

const BIN = fileURLToPath(new URL('../../bin/initbench.js', import.meta.url));
/** a hung command must not hang perf */
const KILL_AFTER_MS = 600_000;

/** One spawned run: its wall-clock ms, or the reason it failed. */
function spawnOnce(argv: string[]): Promise<{ ms: number } | { error: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [BIN, ...argv], { cwd: path.dirname(path.dirname(BIN)), stdio: ['ignore', 'ignore', 'pipe'], timeout: KILL_AFTER_MS });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', (e) => resolve({ error: e.message }));
    p.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      if (code === 0) return resolve({ ms });
      // our one-line error, or a crash's Error line rather than the "Node.js v20…" that ends it
      const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
      const why = lines.find((l) => /^(initbench: |\w*Error\b)/.test(l)) ?? lines.at(-1);
      resolve({ error: `${signal !== null ? `killed by ${signal}` : `exit ${code}`}${why !== undefined ? `: ${why}` : ''}` });
    });
  });
}

async function poolTimeoutOnce(c: PoolTimeoutCase): Promise<{ ms: number } | { error: string }> {
  const pool = new WorkerPool({ jobs: c.jobs, backend: c.backend });
  try {
    const t0 = performance.now();
    const o = await pool.run(poolTask('ping', { delayMs: c.delayMs }), { timeoutMs: c.timeoutMs });
    const ms = performance.now() - t0;
    if (o.ok || o.error.kind !== 'timeout') return { error: `expected a timeout, got ${o.ok ? 'a value' : `${o.error.kind}: ${o.error.message}`}` };
    return { ms };
  } finally {
    await pool.close();
  }
}

/** The default suite's plan, planned as `run` plans it. */
const DEFAULT_SUITE = fileURLToPath(new URL('../../suites/default.json', import.meta.url));

const PLACEHOLDERS = {
  DIR: 'the default suite (suites/default.json) with its 76 planned runs synthesized (results/synth.ts: probes with histograms and per-channel statistics, the trained runs with per-layer norms), samples.json, and check and init-stats beside it',
  OUT: 'a fresh file in a scratch dir, per run',
};

/** Writes DIR as PLACEHOLDERS.DIR says. */
function writeDefaultSuiteDir(dir: string): void {
  const suite = loadSuite(DEFAULT_SUITE);
  const { manifest, records } = synthSuiteRecords({ name: suite.suite.name, file: suite.file, hash: suite.hash, source: suite.source, runs: suite.plan.runs });
  makeResultsDir(dir);
  writeFileAtomic(manifestFile(dir), JSON.stringify(manifest));
  writeFileAtomic(runsFile(dir), records.map((r) => JSON.stringify(r) + '\n').join(''));
  writeFileAtomic(samplesFile(dir), JSON.stringify(synthSamples()));
  const root = resultsRootOf(dir);
  writeFileAtomic(checkFile(root), JSON.stringify(synthCheck()));
  writeFileAtomic(initStatsFile(root), JSON.stringify(synthAudit()));
}

/** One writeReport(DIR) in this process, its index left alone. */
async function reportOnce(dir: string): Promise<{ ms: number } | { error: string }> {
  const { writeReport } = await import('../report/index.ts');
  try {
    const t0 = performance.now();
    await writeReport(dir, { index: false });
    return { ms: performance.now() - t0 };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function fill(args: string[], dir: string, out: string): string[] {
  return args.map((a) => (a === 'DIR' ? dir : a === 'OUT' ? out : a));
}

/** Times each case in turn (never two at once); stops a case at its first failed run. */
export async function timeCommands(cases: readonly CommandCase[], log: (line: string) => void = () => {}): Promise<CommandsPerf> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-perf-'));
  const before = loadSample();
  try {
    const dir = path.join(scratch, 'results', 'default');
    writeDefaultSuiteDir(dir);
    const figures: CommandFigure[] = [];
    for (const c of cases) {
      const name = commandCaseName(c);
      log(`perf: commands: ${name} ×${c.reps}`);
      const samples: number[] = [];
      let error: string | null = null;
      const warmup = c.kind === 'report-in-process' ? 1 : 0;
      for (let i = 0; i < warmup + c.reps && error === null; i++) {
        const out = path.join(scratch, `out-${figures.length}-${i}.json`);
        const r = c.kind === 'spawn' ? await spawnOnce(fill(c.args, dir, out)) : c.kind === 'pool-timeout' ? await poolTimeoutOnce(c) : await reportOnce(dir);
        if ('error' in r) error = r.error;
        else if (i >= warmup) samples.push(r.ms);
      }
      const timing = error === null ? summarize(samples, warmup) : null;
      const met = timing === null || c.target === null ? null : timing.medianMs <= c.target.ms;
      figures.push({ name, timing, target: c.target, met, error });
    }
    return { placeholders: PLACEHOLDERS, figures, load: { before, after: loadSample() } };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

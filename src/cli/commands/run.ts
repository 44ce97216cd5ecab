import type { CommandModule } from 'yargs';
import { inputError } from '../../core/errors.ts';
import { defaultJobsFor } from '../../backend/choices.ts';
import { MAX_TIMER_MS, assertWritableDir, typedToken, backendFlag, jobsFlag, parseBackend, parseJobs, parseShard } from '../options.ts';
import type { PlanProgress } from '../../suite/index.ts';
import { resolveDataDir } from '../../data/spec.ts';
import type { RunSuiteResult } from '../../run/runner.ts';
import { shardSlice } from '../../run/shard.ts';
import { defaultResultsDir, runsFile } from '../../results/paths.ts';
import { resolveSuiteArg } from './list.ts';

interface RunArgs {
  suite: string;
  out?: string;
  backend: string;
  jobs?: number;
  shard?: string;
  resume: boolean;
  prune: boolean;
  quick: boolean;
  force: boolean;
  timeout?: number;
  'data-dir'?: string;
}

/** --timeout SECONDS: a positive number, or absent for no limit → whole milliseconds (AbortSignal.timeout takes no fractions). */
export function parseTimeout(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const v = typedToken('timeout', raw);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
  const ms = Math.ceil(n * 1000);
  if (!(n > 0) || !(ms <= MAX_TIMER_MS)) {
    throw inputError({ flag: 'timeout', expected: `seconds > 0 and ≤ ${Math.floor(MAX_TIMER_MS / 1000)} (about 24 days)`, got: v });
  }
  return ms;
}

export function summaryLine(r: RunSuiteResult): string {
  const c = r.counts;
  return (
    `${r.executed} runs in ${(r.wallMs / 1000).toFixed(1)}s: ${c.ok} ok, ${c.stalled} stalled, ${c.diverged} diverged, ${c.failed} failed` +
    `${r.skipped > 0 ? ` (${r.skipped} already recorded)` : ''} → ${runsFile(r.out)}`
  );
}

/** Planning progress on stderr, at most every 2 s (small plans finish before the first line). */
function planProgressPrinter(): (p: PlanProgress) => void {
  let last = Date.now();
  return (p) => {
    if (Date.now() - last < 2000) return;
    last = Date.now();
    process.stderr.write(`planning: ${p.phase === 'points' ? `checked ${p.done} of ${p.total} points` : `built ${p.done} of ${p.total} runs`}\n`);
  };
}

/**
 * Shared by `run` and `bench`: parses flags, plans (exit 2 on bad input, nothing written), runs.
 * With `quiet` (bench --json) its lines go to stderr, so stdout holds only the JSON.
 */
export async function runFromArgs(args: Omit<RunArgs, 'suite'> & { suite: string }, quiet = false): Promise<RunSuiteResult> {
  const say = (s: string): void => void (quiet ? process.stderr : process.stdout).write(s);
  const backend = parseBackend(args.backend);
  const requested = parseJobs(args.jobs) ?? defaultJobsFor(backend);
  const shard = parseShard(args.shard);
  const timeoutMs = parseTimeout(args.timeout);
  // planning (the suite schema) and running (the pool, tfjs in its workers) load once the flags are good
  const { loadSuite } = await import('../../suite/index.ts');
  const loaded = loadSuite(resolveSuiteArg(args.suite), { quick: args.quick, force: args.force, onProgress: planProgressPrinter() });
  const out = args.out ?? defaultResultsDir(loaded.plan.name, loaded.plan.quick);
  assertWritableDir('out', out);
  // a worker per run at most: more would start threads (each with its own tfjs) that never get work
  const jobs = Math.max(1, Math.min(requested, shard !== null ? shardSlice(loaded.plan.runs, shard).length : loaded.plan.runs.length));
  const progress = process.stdout.isTTY === true && !quiet ? 'bar' : 'lines';
  say(
    `${loaded.plan.name}: ${loaded.plan.runs.length} runs${shard !== null ? `, shard ${shard.k}/${shard.n} takes ${shardSlice(loaded.plan.runs, shard).length}` : ''}${loaded.plan.quick ? ' (--quick)' : ''}, ${jobs} worker${jobs === 1 ? '' : 's'} → ${out}\n`,
  );
  const { runSuite } = await import('../../run/runner.ts');
  const result = await runSuite(loaded, { out, shard, resume: args.resume, prune: args.prune, jobs, backend, dataDir: resolveDataDir(args['data-dir']), progress, log: (l: string) => say(l + '\n'), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  say(summaryLine(result) + '\n');
  return result;
}

/** `run` alone (not bench) says how to look at what it wrote. */
function nextStep(r: RunSuiteResult, shard: boolean): string {
  return shard ? 'when every shard is done, initbench merge SHARD_DIR... --out DIR, then initbench report DIR' : `initbench report ${r.out}`;
}

export const runOptions = {
  out: { type: 'string', describe: 'results dir (default results/<suite-name>/, or results/<suite-name>-quick/)' },
  backend: backendFlag,
  jobs: jobsFlag,
  shard: { type: 'string', describe: 'run only slice k of n (k/n): runs whose plan index ≡ k−1 mod n' },
  resume: { type: 'boolean', default: true, describe: 'skip runs already recorded in DIR/runs.jsonl (--no-resume starts afresh)' },
  prune: { type: 'boolean', default: false, describe: 'remove from DIR/runs.jsonl the records of runs the (edited) suite no longer plans' },
  quick: { type: 'boolean', default: false, describe: 'a shrunk smoke run: ≤ 2 seeds, depth ≤ 10, width ≤ 16, ≤ 20 steps' },
  force: { type: 'boolean', default: false, describe: 'allow absurd sizes (depth, width, input side or channels ≥ 10000) and plans of more than 100000 runs' },
  timeout: { type: 'number', describe: 'seconds one run may take; past it the run is stopped and recorded as failed (timeout)' },
  'data-dir': { type: 'string', describe: 'data dir (default $INITBENCH_DATA or data/)' },
} as const;

export const runCommand: CommandModule<object, RunArgs> = {
  builder: (y) =>
    y
      .positional('suite', { type: 'string', demandOption: true, describe: 'a shipped suite by the name `initbench list` prints, or a suite file' })
      .options(runOptions)
      .example('$0 run seed-claims', 'the seed note\'s claims; results in results/seed-claims/')
      .example('$0 run he2015 --quick', 'a shrunk smoke run of a shipped suite')
      .example('$0 run my-suite.json --shard 2/4 --out results/shard2', 'slice 2 of 4 of your own suite file') as never,
  handler: async (args) => {
    const r = await runFromArgs(args);
    process.stdout.write(`next: ${nextStep(r, args.shard !== undefined)}\n`);
    if (r.counts.failed > 0) process.exitCode = 1;
  },
};

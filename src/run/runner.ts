/**
 * Executing a plan: shard slice → skip what is recorded (resume) → run the rest in the worker pool →
 * append each record as it finishes. Killing the process loses only the runs in flight: every finished
 * run is one fsynced line of runs.jsonl, and a rerun skips it.
 *
 * A failed run (an exception in the run, or its worker dying) is recorded with its error and the suite
 * goes on; on resume, failed runs are retried (the retry's line comes later and wins on reading).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import type { BackendChoice, BackendName, DataSpec, Environment, ErrorInfo, InputSpec, Manifest, RunRecord, RunSpec, Shard, SuiteVersion } from '../core/types.ts';
import { canonicalJson } from '../core/canonical.ts';
import type { LoadedSuite } from '../suite/index.ts';
import {
  RunsWriter,
  acquireLock,
  assertOutIsDir,
  captureEnvironment,
  manifestExists,
  readManifest,
  readRuns,
  readSamples,
  writeManifest,
  writeSamples,
  suiteHistory,
  pruneRuns,
  runsFile,
  warnOnStderr,
  type Warn,
} from '../results/index.ts';
import { WorkerPool, type PoolOutcome, type TaskFailure } from '../pool/pool.ts';
import { poolTask } from '../pool/tasks.ts';
import { makeProgress, type ProgressMode } from './progress.ts';
import { shardSlice } from './shard.ts';
import { dataSeed } from './seeds.ts';
import { runTask } from './tasks.ts';
import { assertDataAvailable } from '../data/spec.ts';

/** Runs one spec somewhere and reports its record, or why it could not produce one. */
export type Executor = (spec: RunSpec) => Promise<PoolOutcome<RunRecord>>;

export interface RunSuiteOptions {
  out: string;
  shard: Shard | null;
  /** skip run ids already recorded (default true); false starts runs.jsonl afresh */
  resume: boolean;
  /** remove from runs.jsonl the records no longer in the plan (default: keep them, out of the report) */
  prune?: boolean;
  jobs: number;
  backend: BackendChoice;
  dataDir: string;
  progress: ProgressMode;
  /** per-run limit; a run past it is stopped and recorded as failed (kind 'timeout') */
  timeoutMs?: number;
  /** where log lines go (default stdout) */
  log?: (line: string) => void;
  /** where warnings go, e.g. an unreadable line of runs.jsonl (default stderr) */
  warn?: Warn;
  /**
   * Test seam: run specs with this instead of the worker pool. Environment and samples then come
   * from `environment` and are not sampled.
   */
  executor?: Executor;
  environment?: Environment;
}

export interface RunSuiteResult {
  out: string;
  /** runs in this invocation's slice (shard) */
  slice: number;
  skipped: number;
  executed: number;
  /** runs recorded in the dir but no longer planned, left on disk (0 after --prune) */
  stale: number;
  /** runs --prune removed from runs.jsonl */
  pruned: number;
  counts: Record<RunRecord['status'], number>;
  wallMs: number;
}

/** A record for a run that produced none: its error, and the spec it was. */
export function failedRecord(
  spec: RunSpec,
  suiteHash: string,
  backend: BackendName,
  startedAt: string,
  wallMs: number,
  failure: TaskFailure,
): RunRecord {
  // an input error inside one run fails that run like any exception; only the start-up ping's stops the suite
  const error: ErrorInfo = failure.kind === 'input' ? { message: failure.message, stack: failure.stack, kind: 'exception' } : failure;
  return { formatVersion: 1, id: spec.id, suiteHash, spec, backend, startedAt, wallMs, status: 'failed', probe: null, train: null, error };
}

/**
 * Refuses to write into a dir that holds another suite's results. A suite is known by its `name`: an
 * edited file (or a copy elsewhere) of the same name is accepted, see suiteEdit. --quick and full runs
 * of one suite plan different runs, so they keep separate dirs.
 */
function checkOutDir(out: string, loaded: LoadedSuite): Manifest | null {
  assertOutIsDir(out);
  if (!manifestExists(out)) return null;
  const m = readManifest(out);
  const was = `suite "${m.suite.name}" (${m.suite.file})`;
  if (m.suite.name !== loaded.plan.name) {
    throw new InputError(
      `${out}: holds results of ${was}, not of suite "${loaded.plan.name}" (${loaded.file}); a results dir holds one suite, known by its name: ` +
        `choose another --out, or rename the suite back to "${m.suite.name}"`,
      { flag: 'out' },
    );
  }
  if ((m.quick === true) !== loaded.plan.quick) {
    const kind = (quick: boolean) => (quick ? 'a --quick run' : 'a full run (without --quick)');
    throw new InputError(
      `${out}: holds ${kind(m.quick === true)} of ${was}, and this is ${kind(loaded.plan.quick)} of it (${loaded.file}); ` +
        `--quick and full runs plan different runs and keep separate dirs: choose another --out, or ${m.quick === true ? 'add' : 'drop'} --quick`,
      { flag: 'out' },
    );
  }
  return m;
}

/** What running `loaded` changes in a dir: its suite versions, and which recorded run ids the plan keeps. */
interface SuiteEdit {
  /** the suite's sha256 differs from the dir's last version (an edit, or a copy with other bytes) */
  changed: boolean;
  history: SuiteVersion[];
  planned: Set<string>;
  /** planned ids already recorded / not yet recorded */
  kept: number;
  added: number;
  /** recorded ids no longer planned */
  stale: number;
}

/** Make-like: ids still planned are kept, new ids run, the rest is stale; a new sha256 appends a version. */
function suiteEdit(previous: Manifest | null, loaded: LoadedSuite, recorded: readonly RunRecord[], now: string): SuiteEdit {
  const planned = new Set(loaded.plan.runs.map((r) => r.id));
  const ids = new Set(recorded.map((r) => r.id));
  const kept = [...planned].filter((id) => ids.has(id)).length;
  const version: SuiteVersion = { hash: loaded.hash, file: loaded.file, time: now, runsAdded: planned.size - kept, planned: planned.size };
  const history = previous === null ? [] : suiteHistory(previous);
  const changed = history.length > 0 && history[history.length - 1]!.hash !== loaded.hash;
  return {
    changed,
    history: history.length === 0 ? [version] : changed ? [...history, version] : history,
    planned,
    kept,
    added: planned.size - kept,
    stale: ids.size - kept,
  };
}

/** Distinct data specs of a plan, each with an input it is used with. */
function distinctData(runs: RunSpec[]): { data: DataSpec; input: InputSpec; seed: number }[] {
  const seen = new Map<string, { data: DataSpec; input: InputSpec; seed: number }>();
  for (const r of runs) {
    if (r.data === null) continue;
    const k = canonicalJson(r.data);
    if (!seen.has(k)) seen.set(k, { data: r.data, input: r.input, seed: dataSeed({ data: r.data, repeat: 0 }) });
  }
  return [...seen.values()];
}

/**
 * Runs (this shard of) a planned suite into `opts.out`, holding the dir's lock throughout: another
 * writer into it meanwhile exits 2 naming this run, and this one does if another holds it.
 */
export async function runSuite(loaded: LoadedSuite, opts: RunSuiteOptions): Promise<RunSuiteResult> {
  assertOutIsDir(opts.out);
  const lock = acquireLock(opts.out, `initbench run ${loaded.file}${opts.shard !== null ? ` --shard ${opts.shard.k}/${opts.shard.n}` : ''}`);
  try {
    return await runLocked(loaded, opts, lock.tookOver);
  } finally {
    lock.release();
  }
}

/** Runs (this shard of) a planned suite into `opts.out`. Nothing is written before inputs check out. */
async function runLocked(loaded: LoadedSuite, opts: RunSuiteOptions, tookOver: string | null): Promise<RunSuiteResult> {
  const t0 = Date.now();
  const log = opts.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const warn = opts.warn ?? warnOnStderr;
  if (tookOver !== null) log(tookOver);
  const previous = checkOutDir(opts.out, loaded);
  const slice = shardSlice(loaded.plan.runs, opts.shard);
  const datas = distinctData(slice);
  if (datas.length > 0) {
    // every missing data file is a clear message before any run starts
    for (const d of datas) assertDataAvailable(d.data, opts.dataDir);
  }

  const pool = opts.executor === undefined ? new WorkerPool({ jobs: opts.jobs, backend: opts.backend }) : null;
  try {
    let environment: Environment;
    if (pool !== null) {
      const ping = await pool.run(poolTask('ping', {}));
      if (!ping.ok) {
        // an explicit --backend that cannot load is the user's to fix (exit 2), like on the main thread
        if (ping.error.kind === 'input') throw ping.error.inputError;
        throw new Error(`the worker pool could not start: ${ping.error.message}`);
      }
      environment = captureEnvironment({ name: ping.value.backend, detail: ping.value.detail });
    } else {
      environment = opts.environment ?? captureEnvironment({ name: 'cpu', detail: 'injected executor' });
    }
    const backend = environment.backend;

    const runs = opts.resume ? readRuns(opts.out) : null;
    const recorded = runs?.records ?? [];
    // a record's id is the hash of its spec, so it counts whichever suite version wrote it
    const done = new Set(recorded.filter((r) => r.status !== 'failed').map((r) => r.id));
    const pending = slice.filter((r) => !done.has(r.id));
    // an unreadable line is no record: a planned run whose only line it was runs again
    const pendingIds = new Set(pending.map((r) => r.id));
    for (const b of runs?.bad ?? []) {
      const again = b.id !== undefined && pendingIds.has(b.id) ? `, so run ${b.id} runs again` : '';
      warn(`${runsFile(opts.out)}:${b.line}: ${b.why}; skipped it${again}`);
    }
    const edit = suiteEdit(opts.resume ? previous : null, loaded, recorded, new Date(t0).toISOString());
    const prune = opts.prune === true && edit.stale > 0;

    // a resume with nothing to do writes nothing at all
    const nothingToDo = previous !== null && opts.resume && !edit.changed && !prune && pending.length === 0;
    if (!nothingToDo) {
      fs.mkdirSync(opts.out, { recursive: true });
      const manifest: Manifest = {
        formatVersion: 1,
        suite: { name: loaded.plan.name, file: loaded.file, hash: loaded.hash, source: loaded.source },
        plan: loaded.plan.runs,
        environment,
        startedAt: (opts.resume ? previous?.startedAt : undefined) ?? new Date(t0).toISOString(),
        ...(opts.shard !== null ? { shard: opts.shard } : {}),
        ...(loaded.plan.quick ? { quick: true } : {}),
        history: edit.history,
      };
      writeManifest(opts.out, manifest);
    }
    if (edit.changed) {
      const last = suiteHistory(previous!).at(-1)!;
      log(
        `${loaded.file}: suite "${loaded.plan.name}" changed${last.file !== loaded.file ? ` since ${last.file}` : ''} (sha256 ${last.hash.slice(0, 12)} → ${loaded.hash.slice(0, 12)}): ` +
          `${edit.kept} runs kept, ${edit.added} new, ${edit.stale} no longer planned`,
      );
    }
    let pruned = 0;
    if (prune) {
      // before the writer opens runs.jsonl: the rewrite replaces the file it would append to
      const p = pruneRuns(opts.out, edit.planned);
      pruned = p.runs;
      log(`--prune: removed ${p.runs} runs no longer in the plan (${p.lines} lines) from ${runsFile(opts.out)}`);
    } else if (edit.stale > 0) {
      log(`${edit.stale} recorded runs are no longer in the plan: kept in ${runsFile(opts.out)}, left out of the report (--prune removes them)`);
    }

    // nothing to do: not even a missing samples.json or a torn tail is repaired (the next real run does)
    if (pool !== null && datas.length > 0 && !nothingToDo) await writeDataSamples(pool, opts.out, datas, opts.dataDir, warn);
    const writer = nothingToDo ? null : new RunsWriter(opts.out, { fresh: !opts.resume });
    if (writer !== null && writer.repaired > 0) log(`${writer.file}: cut a truncated last line (${writer.repaired} bytes) left by an interrupted run`);

    const exec: Executor =
      opts.executor ??
      ((spec) =>
        pool!.run(runTask('run', { spec, suiteHash: loaded.hash, dataDir: opts.dataDir, suiteDir: path.dirname(path.resolve(loaded.file)) }), opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}));
    const counts: RunSuiteResult['counts'] = { ok: 0, stalled: 0, diverged: 0, failed: 0 };
    const progress = makeProgress(opts.progress, log);
    progress.start(pending.length, slice.length - pending.length);
    try {
      let next = 0;
      const worker = async () => {
        while (next < pending.length) {
          const spec = pending[next++]!;
          progress.begin(spec);
          const startedAt = new Date().toISOString();
          const ts = Date.now();
          const o = await exec(spec);
          const rec = o.ok ? o.value : failedRecord(spec, loaded.hash, backend, startedAt, Date.now() - ts, o.error);
          writer!.append(rec);
          counts[rec.status]++;
          progress.end(rec);
        }
      };
      // as many runs in flight as workers: the pool would queue more, but "now running" should be true
      await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, pending.length)) }, worker));
    } finally {
      progress.stop();
      writer?.close();
    }
    return {
      out: opts.out, slice: slice.length, skipped: slice.length - pending.length, executed: pending.length,
      stale: edit.stale - pruned, pruned, counts, wallMs: Date.now() - t0,
    };
  } finally {
    await pool?.close();
  }
}

/** DIR/samples.json: a few images of each data set in the plan, kept across resumes. */
async function writeDataSamples(
  pool: WorkerPool, out: string, datas: { data: DataSpec; input: InputSpec; seed: number }[], dataDir: string, warn: Warn,
): Promise<void> {
  // an unreadable samples.json (or entry) is a warning, and its data sets are sampled again
  const have = readSamples(out, { warn });
  const known = new Set(have.map((s) => canonicalJson(s.data)));
  const missing = datas.filter((d) => !known.has(canonicalJson(d.data)));
  if (missing.length === 0) return;
  const got = await Promise.all(missing.map((d) => pool.run(runTask('samples', { data: d.data, input: d.input, seed: d.seed, dataDir }))));
  for (const g of got) {
    if (!g.ok) throw new Error(`sampling images for samples.json failed: ${g.error.message}`);
    have.push(g.value);
  }
  writeSamples(out, have);
}

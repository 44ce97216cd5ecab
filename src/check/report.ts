/**
 * The check as a stored artifact: a CheckReport (rows, counts, the environment they ran in), for
 * the reference-vs-tfjs check and for a user's module, written where the report reads it.
 */
import type { BackendName, CheckReport } from '../core/types.ts';
import { captureEnvironment, writeFileAtomic } from '../results/index.ts';
import { runChecks, type CheckRun } from './run.ts';
import { runImplCheck, type ImplCheckOptions, type ImplCheckResult } from './impl/run.ts';
import { counts } from './table.ts';

export type ImplCheckReport = CheckReport & { impl: Pick<ImplCheckResult, 'file' | 'options' | 'tested' | 'skipped' | 'firstFailure'> };

function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Runs the reference-vs-tfjs check on `backends` and writes its CheckReport to `out` (for the report). */
export async function checkAndWrite(opts: { backends: BackendName[] | 'all'; out: string; progress?: (line: string) => void }): Promise<{ run: CheckRun; report: CheckReport }> {
  const run = await runChecks({ backends: opts.backends, progress: opts.progress });
  const c = counts(run.rows);
  const first = run.backends[0];
  const env = captureEnvironment(first !== undefined ? { name: first.name, detail: run.backends.map((b) => b.detail).join('; ') } : { name: 'cpu', detail: 'no tfjs backend loaded' });
  const report: CheckReport = { formatVersion: 1, environment: env, rows: run.rows, passed: c.passed, failed: c.failed };
  writeJson(opts.out, report);
  return { run, report };
}

/** Checks a user's module against the reference (tfjs cpu beside it); writes the report to `out` when given. */
export async function implCheckAndWrite(opts: ImplCheckOptions & { out?: string }): Promise<{ result: ImplCheckResult; report: ImplCheckReport }> {
  const { out, ...checkOpts } = opts;
  const result = await runImplCheck(checkOpts);
  const c = counts(result.rows);
  const report: ImplCheckReport = {
    formatVersion: 1,
    environment: captureEnvironment({ name: 'cpu', detail: 'cpu (pure JS), for the tfjs side of --impl' }),
    rows: result.rows,
    passed: c.passed,
    failed: c.failed,
    impl: { file: result.file, options: result.options, tested: result.tested, skipped: result.skipped, firstFailure: result.firstFailure },
  };
  if (out !== undefined) writeJson(out, report);
  return { result, report };
}

import type { CommandModule } from 'yargs';
import type { BackendName, CheckRow } from '../../core/types.ts';
import { inputError } from '../../core/errors.ts';
import { MAX_TIMER_MS, typedToken } from '../options.ts';
import { BACKEND_NAMES } from '../../backend/choices.ts';
import { DEFAULT_IMPL_TIMEOUT_MS, type Layout } from '../../check/impl/contract.ts';
import { counts, summarize, type SummaryRow } from '../../check/table.ts';
import { fmtNum, formatTable } from '../table.ts';
import { checkFile } from '../../results/paths.ts';

interface CheckArgs {
  backend: string;
  json: boolean;
  verbose: boolean;
  out?: string;
  impl?: string;
  layout?: string;
  timeout?: number;
}

/** results/check/check.json: where the report of any results/NAME looks for it */
const DEFAULT_CHECK_OUT = checkFile();

/** --backend all | cpu | wasm | node | a comma list */
function parseCheckBackends(v: string): BackendName[] | 'all' {
  if (v === 'all' || v === 'auto') return 'all';
  const names = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!(BACKEND_NAMES as readonly string[]).includes(n)) {
      throw inputError({ flag: 'backend', expected: `all or a comma list of ${BACKEND_NAMES.join(', ')}`, got: n });
    }
  }
  if (names.length === 0) throw inputError({ flag: 'backend', expected: 'a backend name', got: v });
  return names as BackendName[];
}

function parseLayout(v: string | undefined): Layout | undefined {
  if (v === undefined) return undefined;
  const u = v.toUpperCase();
  if (u !== 'NHWC' && u !== 'NCHW') throw inputError({ flag: 'layout', expected: 'NHWC or NCHW', got: v });
  return u;
}

/** --timeout MS for --impl: past what a Node timer holds, every call would time out after 1 ms. */
export function parseImplTimeout(raw: number | string | undefined): number {
  if (raw === undefined) return DEFAULT_IMPL_TIMEOUT_MS;
  const v = typedToken('timeout', raw);
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_TIMER_MS) throw inputError({ flag: 'timeout', expected: `milliseconds > 0 and ≤ ${MAX_TIMER_MS}`, got: v });
  return n;
}

function summary(rows: CheckRow[], wallMs: number): string {
  const c = counts(rows);
  return `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped in ${(wallMs / 1000).toFixed(1)}s`;
}

/** One line per case; a failure's detail under it. */
export function caseTable(rows: readonly CheckRow[], width?: number): string {
  const columns = [{ header: 'op' }, { header: 'case' }, { header: 'backend' }, { header: 'max abs', align: 'right' }, { header: 'max rel', align: 'right' }, { header: 'verdict' }] as const;
  const cells = rows.map((r) => [r.op, r.case, r.backend, fmtNum(r.maxAbs), fmtNum(r.maxRel), r.verdict]);
  const notes = rows.map((r) => (r.verdict !== 'pass' ? r.detail : null));
  return formatTable(columns, cells, { notes, ...(width !== undefined ? { width } : {}) });
}

/** One line per op family and backend: case counts and the worst error against its tolerance. */
export function summaryTable(rows: readonly SummaryRow[], width?: number): string {
  const columns = [
    { header: 'family' }, { header: 'backend' }, { header: 'cases', align: 'right' }, { header: 'failed', align: 'right' },
    { header: 'skipped', align: 'right' }, { header: 'max abs (atol)', align: 'right' }, { header: 'max rel (rtol)', align: 'right' },
  ] as const;
  const worst = (w: SummaryRow['abs']): string => (w === null ? '-' : `${fmtNum(w.err)} (${fmtNum(w.tol)})`);
  const cells = rows.map((s) => [s.family, s.backend, String(s.cases), String(s.failed), String(s.skipped), worst(s.abs), worst(s.rel)]);
  return formatTable(columns, cells, width !== undefined ? { width } : {});
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  builder: (y) =>
    y
      .option('backend', { type: 'string', default: 'all', describe: 'all (every backend that loads) or a comma list: cpu,wasm,node' })
      .option('json', { type: 'boolean', default: false, describe: 'print the CheckReport as JSON instead of the tables' })
      .option('verbose', { type: 'boolean', default: false, describe: 'print every case, not only the summary per op family and backend and the failures' })
      .option('out', { type: 'string', describe: `write the CheckReport here (default ${DEFAULT_CHECK_OUT}; --impl: only when given)` })
      .option('impl', { type: 'string', describe: 'check your own module (.ts or .js) exporting conv2d, conv2dBackward, relu, … (see README)' })
      .option('layout', { type: 'string', choices: ['NHWC', 'NCHW'], describe: '--impl: the tensor layout (default NHWC), overriding the module\'s options.layout' })
      .option('timeout', { type: 'number', describe: `--impl: ms per call before it counts as hung (default ${DEFAULT_IMPL_TIMEOUT_MS})` })
      .example('$0 check', 'every backend that loads against the float64 reference: a summary, failures in full')
      .example('$0 check --backend cpu --verbose', 'one backend, every case')
      .example('$0 check --impl ./my-conv.ts', 'check your own conv2d, conv2dBackward, relu, … module') as never,
  handler: async (args) => {
    const t0 = performance.now();
    // the summary and the failures in full; --verbose: every case
    const tables = (rows: CheckRow[]): string => {
      if (args.verbose) return caseTable(rows);
      const bad = rows.filter((r) => r.verdict === 'fail' || r.verdict === 'error');
      return summaryTable(summarize(rows)) + (bad.length > 0 ? `\nfailures:\n${caseTable(bad)}` : '');
    };
    if (args.impl !== undefined) {
      const layout = parseLayout(args.layout);
      const timeoutMs = parseImplTimeout(args.timeout);
      // tfjs and the reference load only now that the flags are good
      const { implCheckAndWrite } = await import('../../check/index.ts');
      const { result: r, report } = await implCheckAndWrite({ file: args.impl, layout, timeoutMs, ...(args.out !== undefined ? { out: args.out } : {}) });
      const c = counts(r.rows);
      if (args.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        process.stdout.write(`${r.file} (${r.options.layout}, ${r.options.arrays} arrays): testing ${r.tested.join(', ')}\n`);
        process.stdout.write(`skipped (not exported): ${r.skipped.length > 0 ? r.skipped.join(', ') : 'none'}\n\n`);
        process.stdout.write(tables(r.rows));
        process.stdout.write(`\n${summary(r.rows, performance.now() - t0)}\n`);
        process.stdout.write(r.firstFailure !== null ? `\nfirst failure: ${r.firstFailure}\n` : 'every tested function matches the reference (and tfjs)\n');
      }
      process.exitCode = c.failed === 0 ? 0 : 1;
      return;
    }

    const backends = parseCheckBackends(args.backend);
    const { checkAndWrite } = await import('../../check/index.ts');
    const progress = args.json ? undefined : (line: string) => process.stderr.write(`  ${line}\n`);
    const { run, report } = await checkAndWrite({ backends, progress, out: args.out ?? DEFAULT_CHECK_OUT });
    const c = counts(run.rows);
    if (args.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      process.stdout.write(tables(run.rows));
      process.stdout.write(`\n${summary(run.rows, run.wallMs)} → ${args.out ?? DEFAULT_CHECK_OUT}\n`);
    }
    process.exitCode = c.failed === 0 ? 0 : 1;
  },
};

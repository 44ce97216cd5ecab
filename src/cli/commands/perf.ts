import type { CommandModule } from 'yargs';
import { inputError } from '../../core/errors.ts';
import type { BackendName } from '../../core/types.ts';
import { BACKEND_NAMES } from '../../backend/choices.ts';
import { PERF_BACKENDS, PERF_SECTIONS, type PerfSection } from '../../perf/sections.ts';
import { jobsFlag, parseJobs, wholeNumber } from '../options.ts';

/** --FLAG a,b: each one of `known`, no repeats. */
function commaList<T extends string>(flag: string, v: unknown, known: readonly T[]): T[] {
  const expected = `a comma-separated list of ${known.join(', ')}`;
  if (typeof v !== 'string' || v.trim() === '') throw inputError({ flag, expected, got: v });
  const names = v.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(known as readonly string[]).includes(n)) throw inputError({ flag, expected, got: n });
  }
  return [...new Set(names)] as T[];
}

/** --backends a,b: each a concrete backend, no repeats. */
export function parseBackendList(v: unknown): BackendName[] {
  return commaList('backends', v, BACKEND_NAMES);
}

/** --sections a,b: which parts of perf to run. */
export function parseSections(v: unknown): PerfSection[] {
  return commaList('sections', v, PERF_SECTIONS);
}

interface PerfArgs {
  sections: string;
  backends: string;
  jobs?: number;
  reps: number;
  warmup: number;
  out: string;
  write: boolean;
}

export const perfCommand: CommandModule<object, PerfArgs> = {
  builder: (y) =>
    y
      .option('sections', {
        type: 'string',
        default: PERF_SECTIONS.join(','),
        describe: 'what to measure, comma-separated: backends (gate, kernels, train step per backend), commands (spawned CLI commands, a few minutes), theory (the report’s mean-field c* solves and phase diagrams, ~10 s)',
      })
      .option('backends', {
        type: 'string',
        alias: 'backend',
        default: PERF_BACKENDS.join(','),
        describe: `backends to measure, comma-separated: ${BACKEND_NAMES.join(', ')} (ones that do not load are reported as such)`,
      })
      .option('jobs', jobsFlag)
      .option('reps', { type: 'number', default: 7, describe: 'backends: timed repetitions (median, min, max), ≥ 5; the cpu backend always does 5 (commands: 3–5 each, fixed)' })
      .option('warmup', { type: 'number', default: 2, describe: 'discarded warm-up runs' })
      .option('out', { type: 'string', default: 'results/perf', describe: 'directory for <timestamp>.json' })
      .option('write', { type: 'boolean', default: true, describe: 'write the JSON file (--no-write: stdout only)' })
      .example('$0 perf', 'every section on every backend that loads; JSON on stdout and in results/perf/')
      .example('$0 perf --sections backends --backends wasm,cpu', 'kernel and train-step figures of two backends')
      .example('$0 perf --sections commands --no-write', 'start-up and run time of the commands, stdout only') as never,
  handler: async (args) => {
    const sections = parseSections(args.sections);
    const backends = parseBackendList(args.backends);
    const jobs = parseJobs(args.jobs);
    const reps = wholeNumber('reps', args.reps, 5);
    const warmup = wholeNumber('warmup', args.warmup, 1);
    // tfjs, the pool and the benchmarks load once the flags are good
    const { runPerf } = await import('../../perf/bench.ts');
    const report = await runPerf({
      sections,
      backends,
      jobs,
      reps,
      warmup,
      outDir: args.write ? args.out : null,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    if (!report.gatePassed) {
      process.stderr.write('initbench: perf: correctness gate failed (see gate rows with verdict "fail"); no timings for that backend\n');
      process.exitCode = 1;
    }
  },
};

import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { backendFlag, jobsFlag } from '../options.ts';
import { runFromArgs } from './run.ts';

/** The shipped default suite, wherever initbench is run from. */
export const DEFAULT_SUITE = fileURLToPath(new URL('../../../suites/default.json', import.meta.url));

interface BenchArgs {
  out?: string;
  backend: string;
  jobs?: string;
  quick: boolean;
  resume: boolean;
  'data-dir'?: string;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'run the default suite, write its report, and print the headline numbers (= npm run bench)',
  builder: (y) =>
    y.options({
      out: { type: 'string', describe: 'results dir (default results/default/)' },
      backend: backendFlag,
      jobs: jobsFlag,
      quick: { type: 'boolean', default: false, describe: 'a shrunk smoke run of the default suite' },
      resume: { type: 'boolean', default: true, describe: 'skip runs already recorded (--no-resume reruns all)' },
      'data-dir': { type: 'string', describe: 'data dir (default $INITBENCH_DATA or data/)' },
    }) as never,
  handler: async (args) => {
    const t0 = Date.now();
    const r = await runFromArgs({ ...args, suite: DEFAULT_SUITE, shard: undefined, force: false });
    const { writeReport, terminalSummary } = await import('../../report/index.ts');
    const rep = await writeReport(r.out);
    process.stdout.write(terminalSummary(rep) + '\n');
    process.stdout.write(`bench: ${((Date.now() - t0) / 1000).toFixed(1)} s in all; report: ${rep.html}\n`);
    if (r.counts.failed > 0) process.exitCode = 1;
  },
};

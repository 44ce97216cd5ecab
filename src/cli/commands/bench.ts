import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { backendFlag, jobsFlag } from '../options.ts';
import { runFromArgs } from './run.ts';
import { headlineJson, headlineText } from './report.ts';
import { checkFile, initStatsFile, resultsRootOf, runsFile } from '../../results/paths.ts';

/** The shipped default suite, wherever initbench is run from. */
export const DEFAULT_SUITE = fileURLToPath(new URL('../../../suites/default.json', import.meta.url));

interface BenchArgs {
  out?: string;
  backend: string;
  jobs?: number;
  quick: boolean;
  resume: boolean;
  prune: boolean;
  'data-dir'?: string;
  audit: boolean;
  json: boolean;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  builder: (y) =>
    y.options({
      out: { type: 'string', describe: 'results dir (default results/default/)' },
      backend: backendFlag,
      jobs: jobsFlag,
      quick: { type: 'boolean', default: false, describe: 'a shrunk smoke run of the default suite' },
      resume: { type: 'boolean', default: true, describe: 'skip runs already recorded (--no-resume reruns all)' },
      prune: { type: 'boolean', default: false, describe: 'remove recorded runs the default suite no longer plans' },
      'data-dir': { type: 'string', describe: 'data dir (default $INITBENCH_DATA or data/)' },
      audit: { type: 'boolean', default: true, describe: 'also audit every initializer and cross-check the reference vs tfjs for the report (--no-audit skips, ~12 s)' },
      json: { type: 'boolean', default: false, describe: 'print the headline, claims, counts and paths as one JSON object (progress on stderr; exit 0 whatever the verdicts)' },
    })
      .example('$0 bench', 'run the default suite (resumable), audit, check, and write results/default/report.html')
      .example('$0 bench --quick --no-audit', 'a smoke run in about a minute')
      .example('$0 bench --json > headline.json', 'the headline as JSON for a CI job to gate on') as never,
  handler: async (args) => {
    const t0 = Date.now();
    const r = await runFromArgs({ ...args, suite: DEFAULT_SUITE, shard: undefined, force: false }, args.json);
    const say = (s: string): void => void (args.json ? process.stderr : process.stdout).write(s);
    // The report's initializer audit and cross-check table read these files beside the suite's dir.
    const root = resultsRootOf(r.out);
    let checkCounts: { passed: number; failed: number } | null = null;
    if (args.audit) {
      const t1 = Date.now();
      // tfjs (backend, audit, check) loads here, not at start-up
      const { readyBackend } = await import('../../backend/index.ts');
      const { auditAll } = await import('../../init/audit.ts');
      const { checkAndWrite } = await import('../../check/index.ts');
      const { writeFileAtomic } = await import('../../results/index.ts');
      await readyBackend('auto');
      const audit = auditAll();
      writeFileAtomic(initStatsFile(root), JSON.stringify(audit.rows, null, 2) + '\n');
      const dev = audit.rows.filter((x) => x.verdict === 'deviates').map((x) => `${x.init} ×${x.ratio.toFixed(3)}`);
      say(`init-stats: ${audit.rows.length} initializers audited in ${((Date.now() - t1) / 1000).toFixed(1)} s; deviating from nominal: ${dev.join(', ') || 'none'}\n`);
      const t2 = Date.now();
      const { report } = await checkAndWrite({ backends: 'all', out: checkFile(root) });
      checkCounts = { passed: report.passed, failed: report.failed };
      say(`check: ${report.passed} passed, ${report.failed} failed (reference vs tfjs) in ${((Date.now() - t2) / 1000).toFixed(1)} s\n`);
    }
    const { writeReport } = await import('../../report/index.ts');
    const rep = await writeReport(r.out);
    if (args.json) {
      // a CI job gates on the JSON: its verdicts, not our exit code
      const files = { ...(headlineJson(r.out, rep)['files'] as object), runs: runsFile(r.out), ...(args.audit ? { check: checkFile(root), initStats: initStatsFile(root) } : {}) };
      process.stdout.write(JSON.stringify(headlineJson(r.out, rep, { files, check: checkCounts, seconds: (Date.now() - t0) / 1000 }), null, 2) + '\n');
      return;
    }
    process.stdout.write(headlineText(rep) + '\n');
    process.stdout.write(`bench: ${((Date.now() - t0) / 1000).toFixed(1)} s in all; report: ${rep.html}\n`);
    if (r.counts.failed > 0 || (checkCounts?.failed ?? 0) > 0) process.exitCode = 1;
  },
};

import fs from 'node:fs';
import type { CommandModule } from 'yargs';
import { InputError, inputError } from '../../core/errors.ts';
import { DEFAULT_RESULTS_ROOT, latestResultsDir } from '../../results/paths.ts';

interface ReportArgs {
  dir?: string;
  out?: string;
  png: boolean;
  svg: boolean;
  'allow-mixed': boolean;
  latest: boolean;
}

/**
 * --out FILE: the page, so a file ending in .html that is not a directory. Any other name could land
 * on a results file (`--out DIR/runs.jsonl`, `--out DIR/manifest.json`), which the page would replace.
 */
export function parseReportOut(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const expected = 'the HTML file to write, e.g. DIR/report.html';
  if (fs.statSync(v, { throwIfNoEntry: false })?.isDirectory() === true) throw inputError({ flag: 'out', expected, got: v, hint: 'that is a directory' });
  if (!/\.html?$/i.test(v)) throw inputError({ flag: 'out', expected, got: v, hint: 'a name not ending in .html could overwrite a results file' });
  return v;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report [dir]',
  describe: 'write DIR/report.html (self-contained, offline) from a results dir; --svg/--png also write DIR/charts/*',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', describe: 'results dir holding runs.jsonl and manifest.json' })
      .option('out', { type: 'string', describe: 'HTML file to write (default DIR/report.html)' })
      .option('svg', { type: 'boolean', default: false, describe: 'also write each chart to DIR/charts/NAME.svg' })
      .option('png', { type: 'boolean', default: false, describe: 'also write each chart to DIR/charts/NAME.png' })
      .option('allow-mixed', { type: 'boolean', default: false, describe: 'read records from different suite files' })
      .option('latest', { type: 'boolean', default: false, describe: `use the most recently written ${DEFAULT_RESULTS_ROOT}/*/ dir` }) as never,
  handler: async (args) => {
    if (args.latest && args.dir !== undefined) {
      throw new InputError(`--latest: expected no DIR with --latest, got ${JSON.stringify(args.dir)}`, { flag: 'latest' });
    }
    if (!args.latest && args.dir === undefined) {
      throw new InputError('report: expected a results dir (e.g. results/default) or --latest', { flag: 'latest' });
    }
    const out = parseReportOut(args.out);
    const dir = args.dir ?? latestResultsDir();
    const { terminalSummary, writeReport } = await import('../../report/index.ts');
    const r = await writeReport(dir, { out, svg: args.svg, png: args.png, allowMixed: args['allow-mixed'] });
    for (const w of r.warnings) process.stderr.write(`initbench: warning: ${w}\n`);
    process.stdout.write(terminalSummary({ ...r, warnings: [] }));
    if (r.charts.length > 0) process.stdout.write(`charts: ${r.charts.length} files in ${dir}/charts\n`);
    if (r.index !== null) process.stdout.write(`index: ${r.index}\n`);
  },
};

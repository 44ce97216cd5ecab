import fs from 'node:fs';
import type { CommandModule } from 'yargs';
import { InputError, inputError } from '../../core/errors.ts';
import { DEFAULT_RESULTS_ROOT, latestResultsDir } from '../../results/paths.ts';
import type { ReportResult } from '../../report/index.ts';
import { fmtNum, formatTable } from '../table.ts';

interface ReportArgs {
  dir?: string;
  out?: string;
  png: boolean;
  svg: boolean;
  'allow-mixed': boolean;
  latest: boolean;
  json: boolean;
}

/** The headline numbers as the terminal table, then warnings and the report path. */
export function headlineText(r: Pick<ReportResult, 'rows' | 'html' | 'warnings' | 'ms'>, width?: number): string {
  const columns = [
    { header: 'setting' }, { header: 'depth', align: 'right' }, { header: '×/layer', align: 'right' }, { header: 'theory', align: 'right' },
    { header: 'last/first', align: 'right' }, { header: 'final acc', align: 'right' }, { header: 'runs' },
  ] as const;
  const rows = r.rows.map((x) => [
    x.setting, String(x.depth), fmtNum(x.perLayerRatio), fmtNum(x.theoryPerLayerRatio), fmtNum(x.lastOverFirst),
    x.finalAccuracy === null ? '-' : `${fmtNum(x.finalAccuracy * 100)}%`, x.outcome,
  ]);
  const table = r.rows.length > 0 ? formatTable(columns, rows, width !== undefined ? { width } : {}) : '';
  return table + r.warnings.map((w) => `warning: ${w}\n`).join('') + `report: ${r.html} (${(r.ms / 1000).toFixed(1)} s)\n`;
}

/** Format of `report --json` and `bench --json` (README: "Machine-readable headlines"); bumped when a field changes meaning. */
export const HEADLINE_JSON_VERSION = 1;

/** What `--json` prints: the headline numbers, the claims and their verdicts, the counts by status, the paths written. */
export function headlineJson(dir: string, r: ReportResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    formatVersion: HEADLINE_JSON_VERSION,
    dir,
    counts: r.counts,
    claims: r.claims,
    headline: { sentences: r.headline, rows: r.rows },
    files: { report: r.html, charts: r.charts, index: r.index },
    warnings: r.warnings,
    ...extra,
  };
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
  builder: (y) =>
    y
      .positional('dir', { type: 'string', describe: 'results dir holding runs.jsonl and manifest.json' })
      .option('out', { type: 'string', describe: 'HTML file to write (default DIR/report.html)' })
      .option('svg', { type: 'boolean', default: false, describe: 'also write each chart to DIR/charts/NAME.svg' })
      .option('png', { type: 'boolean', default: false, describe: 'also write each chart to DIR/charts/NAME.png' })
      .option('allow-mixed', { type: 'boolean', default: false, describe: 'read records from different suite files' })
      .option('latest', { type: 'boolean', default: false, describe: `use the most recently written ${DEFAULT_RESULTS_ROOT}/*/ dir` })
      .option('json', { type: 'boolean', default: false, describe: 'print the headline, claims, counts and paths as one JSON object (exit 0 whatever the verdicts)' })
      .example('$0 report results/default', 'write results/default/report.html and print the headline table')
      .example('$0 report --latest --svg', 'the newest results dir, with each chart also as an SVG file')
      .example('$0 report results/default --json', 'the headline as JSON, for a CI job to gate on') as never,
  handler: async (args) => {
    if (args.latest && args.dir !== undefined) {
      throw new InputError(`--latest: expected no DIR with --latest, got ${JSON.stringify(args.dir)}`, { flag: 'latest' });
    }
    if (!args.latest && args.dir === undefined) {
      throw new InputError('report: expected a results dir (e.g. results/default) or --latest', { flag: 'latest' });
    }
    const out = parseReportOut(args.out);
    const dir = args.dir ?? latestResultsDir();
    const { writeReport } = await import('../../report/index.ts');
    const r = await writeReport(dir, { out, svg: args.svg, png: args.png, allowMixed: args['allow-mixed'] });
    for (const w of r.warnings) process.stderr.write(`initbench: warning: ${w}\n`);
    if (args.json) {
      process.stdout.write(JSON.stringify(headlineJson(dir, r), null, 2) + '\n');
      return;
    }
    process.stdout.write(headlineText({ ...r, warnings: [] }));
    if (r.charts.length > 0) process.stdout.write(`charts: ${r.charts.length} files in ${dir}/charts\n`);
    if (r.index !== null) process.stdout.write(`index: ${r.index}\n`);
  },
};

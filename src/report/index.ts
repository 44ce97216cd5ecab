/**
 * `initbench report`: a results dir (runs.jsonl + manifest.json, plus samples.json and the check and
 * init-stats outputs beside it when present) → DIR/report.html, optionally DIR/charts/*.svg|png, and
 * results/index.html when several suites' results sit side by side.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import type { CheckReport, DataSamples, InitAuditRow, Manifest, RunRecord } from '../core/types.ts';
import { acquireLock, readResults, runsFile, splitByPlan, type DirLock } from '../results/index.ts';
import { auditChart, auditPoints } from './charts/audit.ts';
import { checkCells, checkChart } from './charts/check.ts';
import { deadFractionChart, gradVarianceChart, postMomentChart, preVarianceChart } from './charts/layers.ts';
import { sampleImages, samplesChart } from './charts/samples.ts';
import { accuracyChart, lossChart } from './charts/training.ts';
import { trainabilityChart } from './charts/trainability.ts';
import { formatSummary, headline, type HeadlineRow } from './headline.ts';
import { renderPage, suiteDescription, type ChartSection, type MissingSection } from './page.ts';
import {
  accuracyRows, chanceRows, initLabeler, layerRows, lossRows, sortLabels, trainabilityRows,
} from './rows.ts';
import { escapeHtml } from './util.ts';

export { formatSummary, headline, type HeadlineRow } from './headline.ts';
export type { ChartSection, MissingSection } from './page.ts';

export interface ReportOptions {
  /** output HTML file (default DIR/report.html) */
  out?: string;
  /** also write DIR/charts/NAME.svg */
  svg?: boolean;
  /** also write DIR/charts/NAME.png (renders the SVG first) */
  png?: boolean;
  /** read records from different suite hashes (see readResults) */
  allowMixed?: boolean;
  /** `initbench check` output; default <DIR>/../check/check.json; null to skip */
  checkFile?: string | null;
  /** `initbench init-stats` output; default <DIR>/../init-stats/init-stats.json; null to skip */
  initStatsFile?: string | null;
  /** write <DIR>/../index.html when the parent holds several results dirs (default true) */
  index?: boolean;
}

export interface ReportResult {
  /** path of the written HTML file */
  html: string;
  /** paths of the chart files written (--svg/--png), in page order */
  charts: string[];
  /** the names of the charts on the page */
  sections: string[];
  /** the headline sentences */
  headline: string[];
  /** the headline numbers, for the terminal table */
  rows: HeadlineRow[];
  /** what could not be shown and why */
  missing: MissingSection[];
  warnings: string[];
  /** results/index.html when written */
  index: string | null;
  bytes: number;
  ms: number;
}

function readJsonIfPresent<T>(file: string | null, what: string, warnings: string[]): T | null {
  if (file === null || !fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    warnings.push(`${file}: not readable ${what} (${(e as Error).message}); left out`);
    return null;
  }
}

/** The page's chart sections and what is missing, from records and the optional side files. */
export function buildSections(input: {
  records: readonly RunRecord[];
  samples: readonly DataSamples[] | null;
  check: CheckReport | null;
  audit: readonly InitAuditRow[] | null;
  dir: string;
}): { charts: ChartSection[]; missing: MissingSection[] } {
  const { records } = input;
  const charts: ChartSection[] = [];
  const missing: MissingSection[] = [];
  // One colour per initializer across every chart of the page.
  const label = initLabeler(records.map((r) => r.spec));
  const inits = sortLabels(records.map((r) => label(r.spec)));
  const layerDefs = [
    { name: 'pre-variance', title: 'Pre-activation variance', metric: 'preVariance', log: true, chart: preVarianceChart,
      note: 'The forward signal layer by layer. He + ReLU should stay flat; Xavier + ReLU should fall by about ½ per layer (times the padding loss).' },
    { name: 'grad-variance', title: 'Gradient variance', metric: 'gradPreVariance', log: true, chart: gradVarianceChart,
      note: 'The backward signal, from the top down. Where it vanishes, the early layers do not learn.' },
    { name: 'post-moment', title: 'Post-activation second moment', metric: 'postSecondMoment', log: true, chart: postMomentChart,
      note: 'E[a²] after the activation: for ReLU half the pre-activation variance; it is what feeds the next layer.' },
    { name: 'dead-units', title: 'Dead units', metric: 'deadFraction', log: false, chart: deadFractionChart,
      note: 'Units that output exactly 0 for every probe example: they pass neither signal nor gradient.' },
  ] as const;
  const probed = records.some((r) => r.status !== 'failed' && r.probe !== null);
  for (const d of layerDefs) {
    const rows = layerRows(records, d.metric, { log: d.log });
    if (rows.length > 0) charts.push({ name: d.name, title: d.title, note: d.note, spec: d.chart(rows, { inits }) });
    else if (probed) missing.push({ title: d.title, why: 'the probes of these runs carry no such numbers' });
  }
  if (!probed) missing.push({ title: 'Per-layer statistics at init', why: 'no run has a probe; give the suite a `probe` block (e.g. suites/seed-claims.json) and run `initbench run SUITE`' });

  const loss = lossRows(records);
  const acc = accuracyRows(records);
  if (loss.length > 0) {
    charts.push({ name: 'loss', title: 'Training loss', note: 'Loss per step, median over seeds with the min–max band, one panel per depth.', spec: lossChart(loss, { inits }) });
  }
  if (acc.length > 0) {
    charts.push({ name: 'accuracy', title: 'Held-out accuracy', note: 'Accuracy on the held-out split at each eval; the dotted line is chance.', spec: accuracyChart(acc, chanceRows(records, acc), { inits }) });
  }
  const cells = trainabilityRows(records);
  if (cells.length > 0) {
    charts.push({ name: 'trainability', title: 'Trainability', note: 'Final held-out accuracy by depth and initializer; red outlines mark stalled, diverged or failed seeds.', spec: trainabilityChart(cells, { inits }) });
  }
  if (loss.length === 0 && acc.length === 0 && cells.length === 0) {
    missing.push({ title: 'Training curves and trainability', why: 'no run in this suite trains; the training studies are suites/he2015.json and suites/trainability.json (`initbench run suites/he2015.json`)' });
  }

  const images = input.samples === null ? [] : sampleImages(input.samples);
  if (images.length > 0) {
    charts.push({ name: 'samples', title: 'Data samples', note: 'What the nets are trained on: a few images of each class.', spec: samplesChart(images) });
  } else if (records.some((r) => r.spec.data !== null)) {
    missing.push({ title: 'Data samples', why: `no ${path.join(input.dir, 'samples.json')}; \`initbench run\` writes it for suites with data` });
  }

  const audit = input.audit === null ? [] : auditPoints(input.audit);
  if (audit.length > 0) {
    charts.push({ name: 'init-audit', title: 'Initializer audit', note: 'Measured weight variance over the nominal one, with its confidence interval, for our initializers and tfjs’s; red: deviates.', spec: auditChart(audit) });
  } else {
    missing.push({ title: 'Initializer audit', why: 'no results/init-stats/init-stats.json; produce it with `npx initbench init-stats --all --json`' });
  }
  const checks = input.check === null ? [] : checkCells(input.check.rows);
  if (checks.length > 0) {
    charts.push({ name: 'cross-check', title: 'Cross-check vs the float64 reference', note: 'Each op on each backend against the reference engine: the worst relative error over its cases, coloured by verdict.', spec: checkChart(checks) });
  } else {
    missing.push({ title: 'Cross-check table', why: 'no results/check/check.json; produce it with `npx initbench check`' });
  }
  return { charts, missing };
}

function checkFailuresHtml(check: CheckReport | null): string {
  const bad = check?.rows.filter((r) => r.verdict === 'fail' || r.verdict === 'error') ?? [];
  if (bad.length === 0) return '';
  const rows = bad
    .slice(0, 50)
    .map((r) => `<tr><td>${escapeHtml(r.op)}</td><td>${escapeHtml(r.backend)}</td><td><code>${escapeHtml(r.case)}</code></td><td>${escapeHtml(r.verdict)}</td><td>${escapeHtml(r.detail ?? '')}</td></tr>`)
    .join('');
  return `<section id="check-failures"><h2>Cross-check failures (${bad.length})</h2><table class="grid"><tr><th>op</th><th>backend</th><th>case</th><th>verdict</th><th>detail</th></tr>${rows}</table></section>`;
}

/** DIR's lock for writing its report; held by another writer, an InputError that says how to look meanwhile. */
function lockForReport(dir: string): DirLock {
  try {
    return acquireLock(dir, `initbench report ${dir}`);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(`${e.message}; to look at its results meanwhile, write the report elsewhere (--out FILE.html)`, e.where);
  }
}

/** The dir's records of its suite's current plan; records the edited suite no longer plans are counted, not shown. */
async function currentRecords(dir: string, allowMixed: boolean) {
  const { manifest, records: all, warnings } = await readResults(dir, { allowMixed });
  const { current: records, stale } = splitByPlan(manifest, all);
  if (records.length === 0) {
    throw new InputError(
      `${runsFile(dir)}: none of its ${stale} recorded runs is in the suite's current plan; run \`initbench run ${manifest.suite.file} --out ${dir}\``,
      { file: runsFile(dir) },
    );
  }
  return { manifest, records, warnings, stale };
}

/** Writes the report of one results dir. Throws InputError when nothing can be rendered. */
export async function writeReport(dir: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const t0 = performance.now();
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new InputError(`${dir}: no such results dir (run \`initbench run SUITE\` first, or name a dir under results/)`, { file: dir });
  }
  const { manifest, records, warnings, stale } = await currentRecords(dir, opts.allowMixed === true);
  const root = path.dirname(path.resolve(dir));
  const checkFile = opts.checkFile === undefined ? path.join(root, 'check', 'check.json') : opts.checkFile;
  const auditFile = opts.initStatsFile === undefined ? path.join(root, 'init-stats', 'init-stats.json') : opts.initStatsFile;
  const warn = [...warnings];
  if (stale > 0) {
    warn.push(
      `${stale} recorded runs are no longer in the suite's plan: kept in ${runsFile(dir)}, left out of this report; ` +
        `\`initbench run ${manifest.suite.file} --out ${dir} --prune\` removes them`,
    );
  }
  const samples = readJsonIfPresent<DataSamples[]>(path.join(dir, 'samples.json'), 'data samples', warn);
  const check = readJsonIfPresent<CheckReport>(checkFile, 'check report', warn);
  const audit = readJsonIfPresent<InitAuditRow[]>(auditFile, 'init-stats rows', warn);
  const { charts, missing } = buildSections({ records, samples: Array.isArray(samples) ? samples : null, check, audit: Array.isArray(audit) ? audit : null, dir });
  const h = headline(records);
  const html = renderPage({
    manifest, records, warnings: warn, sentences: h.sentences, claims: h.claims, charts, missing,
    extraHtml: checkFailuresHtml(check), generatedAt: new Date().toISOString(),
  });
  const out = opts.out ?? path.join(dir, 'report.html');
  const files: string[] = [];
  // writing into DIR (report.html, charts/) waits for no writer there: a run or merge holding DIR's lock stops it
  const intoDir = opts.svg === true || opts.png === true || !path.relative(path.resolve(dir), path.resolve(out)).startsWith('..');
  const lock = intoDir ? lockForReport(dir) : null;
  if (lock !== null && lock.tookOver !== null) warn.push(lock.tookOver);
  try {
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, html);
    fs.renameSync(tmp, out);
    if (opts.svg === true || opts.png === true) {
      const { renderSvg, svgToPng } = await import('./render.ts');
      const chartDir = path.join(dir, 'charts');
      fs.mkdirSync(chartDir, { recursive: true });
      for (const c of charts) {
        const { svg } = await renderSvg(c.spec);
        if (opts.svg === true) {
          fs.writeFileSync(path.join(chartDir, `${c.name}.svg`), svg);
          files.push(path.join(chartDir, `${c.name}.svg`));
        }
        if (opts.png === true) {
          fs.writeFileSync(path.join(chartDir, `${c.name}.png`), await svgToPng(svg));
          files.push(path.join(chartDir, `${c.name}.png`));
        }
      }
    }
  } finally {
    lock?.release();
  }
  const index = opts.index === false ? null : writeIndexIfSeveral(root);
  return {
    html: out, charts: files, sections: charts.map((c) => c.name), headline: h.sentences, rows: h.rows, missing,
    warnings: warn, index, bytes: Buffer.byteLength(html), ms: performance.now() - t0,
  };
}

/** The headline numbers of a set of records (for a terminal table without writing a page). */
export function headlineNumbers(records: readonly RunRecord[]): HeadlineRow[] {
  return headline(records).rows;
}

/** The short table the bench command prints: headline numbers, warnings, the report path. */
export function terminalSummary(r: Pick<ReportResult, 'rows' | 'html' | 'warnings' | 'ms'>): string {
  const extra = r.warnings.map((w) => `warning: ${w}`);
  return formatSummary(r.rows, `${r.html} (${(r.ms / 1000).toFixed(1)} s)`, extra);
}

// ---------------------------------------------------------------- results/ index and --latest

interface SuiteDir {
  dir: string;
  manifest: Manifest;
  runs: number;
  mtime: number;
  hasReport: boolean;
}

function suiteDirs(root: string): SuiteDir[] {
  if (!fs.existsSync(root)) return [];
  const out: SuiteDir[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const dir = path.join(root, e.name);
    const mf = path.join(dir, 'manifest.json');
    const runs = path.join(dir, 'runs.jsonl');
    if (!fs.existsSync(mf) || !fs.existsSync(runs)) continue;
    try {
      const manifest = JSON.parse(fs.readFileSync(mf, 'utf8')) as Manifest;
      const text = fs.readFileSync(runs, 'utf8');
      const n = text.split('\n').filter((l) => l.trim() !== '').length;
      out.push({ dir, manifest, runs: n, mtime: fs.statSync(runs).mtimeMs, hasReport: fs.existsSync(path.join(dir, 'report.html')) });
    } catch {
      // An unreadable manifest is not a suite dir for the index; `report DIR` names the problem.
    }
  }
  return out;
}

/** The most recently written results dir under `root` (by its runs.jsonl), for `report --latest`. */
export function latestResultsDir(root = 'results'): string {
  const dirs = suiteDirs(root).filter((d) => d.runs > 0);
  if (dirs.length === 0) {
    throw new InputError(`${root}: no results dirs with runs (run \`npm run bench\` or \`initbench run SUITE\` first)`, { file: root });
  }
  return dirs.sort((a, b) => b.mtime - a.mtime)[0]!.dir;
}

/** Writes ROOT/index.html linking each suite's report, when ROOT holds two or more results dirs. */
export function writeIndexIfSeveral(root: string): string | null {
  const dirs = suiteDirs(root).sort((a, b) => a.manifest.suite.name.localeCompare(b.manifest.suite.name));
  if (dirs.length < 2) return null;
  const rows = dirs
    .map((d) => {
      const rel = path.relative(root, d.dir).split(path.sep).map(encodeURIComponent).join('/');
      const name = escapeHtml(d.manifest.suite.name);
      const link = d.hasReport ? `<a href="${escapeHtml(rel)}/report.html">${name}</a>` : `${name} <small>(no report yet: <code>initbench report ${escapeHtml(d.dir)}</code>)</small>`;
      const desc = suiteDescription(d.manifest) ?? '';
      return `<tr><td>${link}</td><td>${escapeHtml(desc)}</td><td>${d.runs} / ${d.manifest.plan.length}</td><td>${escapeHtml(d.manifest.environment.backend)}</td><td>${escapeHtml(new Date(d.mtime).toISOString().slice(0, 16).replace('T', ' '))}</td></tr>`;
    })
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>initbench results</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px 10px;text-align:left;vertical-align:top}</style>
</head><body><h1>initbench results</h1>
<table><tr><th>suite</th><th>description</th><th>runs / planned</th><th>backend</th><th>last written (UTC)</th></tr>
${rows}
</table></body></html>
`;
  const file = path.join(root, 'index.html');
  fs.writeFileSync(file, html);
  return file;
}

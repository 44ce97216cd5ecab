/**
 * `initbench report`: a results dir (runs.jsonl + manifest.json, plus samples.json and the check and
 * init-stats outputs beside it when present) → DIR/report.html, optionally DIR/charts/*.svg|png, and
 * ROOT/index.html when several suites' results sit side by side in a results root initbench made
 * (results/paths.ts says where each file is).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import type { CheckReport, DataSamples, InitAuditRow, Manifest, RunRecord, RunStatus } from '../core/types.ts';
import {
  REPORT_FILE, ROOT_MARKER, acquireLock, type DirLock, chartsDir, checkFile, indexFile, initStatsFile, isInitbenchRoot, readCheckReport, readInitStats,
  readManifest, readResults, readRuns, readSamples, reportFile, resultsDirsIn, resultsRootOf, runsFile, samplesFile, splitByPlan, writeFileAtomic,
} from '../results/index.ts';
import { auditChart, auditPoints } from './charts/audit.ts';
import { checkCells, checkChart } from './charts/check.ts';
import { deadFractionChart, gradVarianceChart, postMomentChart, preVarianceChart } from './charts/layers.ts';
import { sampleImages, samplesChart } from './charts/samples.ts';
import { accuracyChart, lossChart } from './charts/training.ts';
import { trainabilityChart } from './charts/trainability.ts';
import { formatSummary, headline, type Claim, type HeadlineRow } from './headline.ts';
import { renderPage, suiteDescription, type ChartSection, type MissingSection } from './page.ts';
import {
  accuracyRows, chanceRows, initLabeler, layerRows, lossRows, sortLabels, trainabilityRows,
} from './rows.ts';
import { escapeHtml } from './util.ts';

export { formatSummary, headline, type Claim, type HeadlineRow } from './headline.ts';
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
  /** `initbench check` output; default ROOT/check/check.json (ROOT = DIR/..); null to skip */
  checkFile?: string | null;
  /** `initbench init-stats` output; default ROOT/init-stats/init-stats.json; null to skip */
  initStatsFile?: string | null;
  /** write ROOT/index.html when ROOT holds several results dirs and initbench made it (default true) */
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
  /** the seed's claims, each with its verdict on these records */
  claims: Claim[];
  /** the current records by status */
  counts: Record<RunStatus, number>;
  /** what could not be shown and why */
  missing: MissingSection[];
  warnings: string[];
  /** ROOT/index.html when written */
  index: string | null;
  bytes: number;
  ms: number;
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
    missing.push({ title: 'Data samples', why: `no ${samplesFile(input.dir)}; \`initbench run\` writes it for suites with data` });
  }

  const audit = input.audit === null ? [] : auditPoints(input.audit);
  if (audit.length > 0) {
    charts.push({ name: 'init-audit', title: 'Initializer audit', note: 'Measured weight variance over the nominal one, with its confidence interval, for our initializers and tfjs’s; red: deviates.', spec: auditChart(audit) });
  } else {
    missing.push({ title: 'Initializer audit', why: `no ${initStatsFile(resultsRootOf(input.dir))}; produce it with \`npx initbench init-stats --all --json\`` });
  }
  const checks = input.check === null ? [] : checkCells(input.check.rows);
  if (checks.length > 0) {
    charts.push({ name: 'cross-check', title: 'Cross-check vs the float64 reference', note: 'Each op on each backend against the reference engine: the worst relative error over its cases, coloured by verdict.', spec: checkChart(checks) });
  } else {
    missing.push({ title: 'Cross-check table', why: `no ${checkFile(resultsRootOf(input.dir))}; produce it with \`npx initbench check\`` });
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

/** DIR's lock for writing its report; held by another writer, an InputError that says how to look meanwhile. */
function lockForReport(dir: string): DirLock {
  try {
    return acquireLock(dir, `initbench report ${dir}`);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(`${e.message}; to look at its results meanwhile, write the report elsewhere (--out FILE.html)`, e.where);
  }
}

/** Writes the report of one results dir. Throws InputError when nothing can be rendered. */
export async function writeReport(dir: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const t0 = performance.now();
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new InputError(`${dir}: no such results dir (run \`initbench run SUITE\` first, or name a dir under results/)`, { file: dir });
  }
  const { manifest, records, warnings, stale } = await currentRecords(dir, opts.allowMixed === true);
  const root = resultsRootOf(dir);
  const checkPath = opts.checkFile === undefined ? checkFile(root) : opts.checkFile;
  const auditPath = opts.initStatsFile === undefined ? initStatsFile(root) : opts.initStatsFile;
  const warn = [...warnings];
  if (stale > 0) {
    warn.push(
      `${stale} recorded runs are no longer in the suite's plan: kept in ${runsFile(dir)}, left out of this report; ` +
        `\`initbench run ${manifest.suite.file} --out ${dir} --prune\` removes them`,
    );
  }
  // side files are validated; a bad one (or a bad entry of one) is a warning on the page and left out
  const toPage = { warn: (w: string) => void warn.push(w) };
  const samples = readSamples(dir, toPage);
  const check = checkPath === null ? null : readCheckReport(checkPath, toPage);
  const audit = auditPath === null ? null : readInitStats(auditPath, toPage);
  const { charts, missing } = buildSections({ records, samples, check, audit, dir });
  const h = headline(records);
  const html = renderPage({
    manifest, records, warnings: warn, sentences: h.sentences, claims: h.claims, charts, missing,
    extraHtml: checkFailuresHtml(check), generatedAt: new Date().toISOString(),
  });
  const out = opts.out ?? reportFile(dir);
  const files: string[] = [];
  // writing into DIR (report.html, charts/) waits for no writer there: a run or merge holding DIR's lock stops it
  const intoDir = opts.svg === true || opts.png === true || !path.relative(path.resolve(dir), path.resolve(out)).startsWith('..');
  const lock = intoDir ? lockForReport(dir) : null;
  if (lock !== null && lock.tookOver !== null) warn.push(lock.tookOver);
  try {
    writeFileAtomic(out, html);
    if (opts.svg === true || opts.png === true) {
      const { renderSvg, svgToPng } = await import('./render.ts');
      const chartDir = chartsDir(dir);
      for (const c of charts) {
        const { svg } = await renderSvg(c.spec);
        if (opts.svg === true) {
          writeFileAtomic(path.join(chartDir, `${c.name}.svg`), svg);
          files.push(path.join(chartDir, `${c.name}.svg`));
        }
        if (opts.png === true) {
          writeFileAtomic(path.join(chartDir, `${c.name}.png`), await svgToPng(svg));
          files.push(path.join(chartDir, `${c.name}.png`));
        }
      }
    }
  } finally {
    lock?.release();
  }
  let index: string | null = null;
  if (opts.index !== false) {
    const written = writeIndex(root);
    index = written.file;
    warn.push(...written.notes);
  }
  return {
    html: out, charts: files, sections: charts.map((c) => c.name), headline: h.sentences, rows: h.rows, claims: h.claims, counts: statusCounts(records), missing,
    warnings: warn, index, bytes: Buffer.byteLength(html), ms: performance.now() - t0,
  };
}

/** Records by status, every status present (0 when none). */
export function statusCounts(records: readonly RunRecord[]): Record<RunStatus, number> {
  const c: Record<RunStatus, number> = { ok: 0, stalled: 0, diverged: 0, failed: 0 };
  for (const r of records) c[r.status]++;
  return c;
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

// ---------------------------------------------------------------- ROOT/index.html

interface SuiteDir {
  dir: string;
  manifest: Manifest;
  /** planned runs with a record */
  runs: number;
  mtime: number;
  hasReport: boolean;
}

/** Marks the index as initbench's, so a rewrite never replaces an index.html someone else put there. */
const INDEX_GENERATOR = '<meta name="generator" content="initbench">';

/** The results dirs in ROOT for its index; a sibling dir that is not one is left out with a note. */
function suiteDirs(root: string, notes: string[]): SuiteDir[] {
  const out: SuiteDir[] = [];
  for (const dir of resultsDirsIn(root)) {
    let manifest: Manifest;
    try {
      manifest = readManifest(dir);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      notes.push(`${e.message}; not a results dir, left out of ${indexFile(root)}`);
      continue;
    }
    const planned = new Set(manifest.plan.map((r) => r.id));
    const runs = new Set(readRuns(dir).records.map((r) => r.id).filter((id) => planned.has(id))).size;
    out.push({ dir, manifest, runs, mtime: fs.statSync(runsFile(dir)).mtimeMs, hasReport: fs.existsSync(reportFile(dir)) });
  }
  return out;
}

/**
 * Writes ROOT/index.html linking each suite's report, when ROOT holds two or more results dirs, ROOT
 * is a results root initbench made (its marker), and any index.html there is initbench's own.
 * Otherwise writes nothing; `notes` say why, and which sibling dirs were left out.
 */
export function writeIndex(root: string): { file: string | null; notes: string[] } {
  const notes: string[] = [];
  const dirs = suiteDirs(root, notes).sort((a, b) => a.manifest.suite.name.localeCompare(b.manifest.suite.name));
  if (dirs.length < 2) return { file: null, notes };
  const file = indexFile(root);
  if (!isInitbenchRoot(root)) {
    notes.push(`${root}: not writing ${file}: initbench did not make ${root} (it has no ${ROOT_MARKER}; create that file to let it)`);
    return { file: null, notes };
  }
  if (fs.existsSync(file) && !fs.readFileSync(file, 'utf8').includes(INDEX_GENERATOR)) {
    notes.push(`${file}: not written by initbench, so left as it is (remove it to get the index of ${root})`);
    return { file: null, notes };
  }
  const rows = dirs
    .map((d) => {
      const rel = path.relative(root, d.dir).split(path.sep).map(encodeURIComponent).join('/');
      const name = escapeHtml(d.manifest.suite.name);
      const link = d.hasReport ? `<a href="${escapeHtml(rel)}/${REPORT_FILE}">${name}</a>` : `${name} <small>(no report yet: <code>initbench report ${escapeHtml(d.dir)}</code>)</small>`;
      const desc = suiteDescription(d.manifest) ?? '';
      return `<tr><td>${link}</td><td>${escapeHtml(desc)}</td><td>${d.runs} / ${d.manifest.plan.length}</td><td>${escapeHtml(d.manifest.environment.backend)}</td><td>${escapeHtml(new Date(d.mtime).toISOString().slice(0, 16).replace('T', ' '))}</td></tr>`;
    })
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${INDEX_GENERATOR}<title>initbench results</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px 10px;text-align:left;vertical-align:top}</style>
</head><body><h1>initbench results</h1>
<table><tr><th>suite</th><th>description</th><th>runs / planned</th><th>backend</th><th>last written (UTC)</th></tr>
${rows}
</table></body></html>
`;
  writeFileAtomic(file, html);
  return { file, notes };
}

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
import { histogramCurves, histogramHeatmap } from './charts/histograms.ts';
import { normHeatmap, normLines, trainProbeChart } from './charts/inside-training.ts';
import { depthLawChart, widthLawChart } from './charts/law.ts';
import { gradVarianceChart, postMomentChart, preVarianceChart, unitFractionChart } from './charts/layers.ts';
import { sampleImages, samplesChart } from './charts/samples.ts';
import { signalChart } from './charts/signal.ts';
import { accuracyChart, lossChart } from './charts/training.ts';
import { trainabilityChart } from './charts/trainability.ts';
import { correlationChart, jacobianHistogramChart, jacobianMomentsChart, phaseDiagramChart, theoryPhaseChart, xiChart } from './charts/eoc.ts';
import { correlationRows, jacobianRows, phaseRows, theoryCardRows, xiRows } from './rows-eoc.ts';
import { theoryCardHtml } from './theory-card.ts';
import { withLine } from './charts/common.ts';
import { checkSummaryHtml } from './checks.ts';
import { formatSummary, headline, lawSentence, type Claim, type HeadlineRow } from './headline.ts';
import { renderPage, suiteDescription, type ChartSection, type HtmlSection, type MissingSection } from './page.ts';
import { depthLawRows, histogramRows, signalRows, widthLawRows } from './rows-probe.ts';
import { normRows, trainProbeRows } from './rows-train.ts';
import { accuracyRows, chanceRows, initLabeler, layerRows, lossRows, pageOf, probed, sortLabels, trainabilityRows, trained } from './rows.ts';
import type { PageSettings } from './settings.ts';
import { runTableHtml } from './table.ts';
import { escapeHtml } from './util.ts';

export { formatSummary, headline, type Claim, type HeadlineRow } from './headline.ts';
export type { ChartSection, HtmlSection, MissingSection } from './page.ts';

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
}): { charts: ChartSection[]; missing: MissingSection[]; sections: HtmlSection[]; settings: PageSettings; law: string | null } {
  const { records } = input;
  const charts: ChartSection[] = [];
  const missing: MissingSection[] = [];
  const settings = pageOf(records);
  // One colour per initializer across every chart of the page.
  const label = initLabeler(records.map((r) => r.spec));
  const inits = sortLabels(records.map((r) => label(r.spec)));
  const isProbed = probed(records).length > 0;
  const isTrained = trained(records).length > 0;

  const depth = depthLawRows(records);
  if (depth.rows.length > 0) {
    charts.push({
      name: 'depth-law', title: 'The seed’s law: variance against depth', spec: depthLawChart(depth.rows, depth.refs, depth.fits, { inits }), line: depth.line,
      note: 'each line is one initializer × activation over every depth run; a line that falls parallel to the grey (½)^L halves per layer, one that stays on the grey 1 keeps the signal.',
    });
  } else if (isProbed) {
    missing.push({ title: 'The seed’s law: variance against depth', why: 'no setting was run at more than one depth; suites/seed-claims.json and suites/default.json sweep depth' });
  }
  const width = widthLawRows(records);
  if (width.rows.length > 0) {
    charts.push({
      name: 'width-law', title: 'Per-layer ratio against width', spec: widthLawChart(width.rows, { inits }), line: width.line,
      note: 'each dot is one seed’s average variance ratio per layer; the dots narrow towards the dashed theory as the nets widen.',
    });
  } else if (isProbed) {
    missing.push({ title: 'Per-layer ratio against width', why: 'no setting was run at more than one width; suites/width.json sweeps it (`initbench run suites/width.json`)' });
  }

  const layerDefs = [
    { name: 'pre-variance', title: 'Pre-activation variance per layer', metric: 'preVariance', log: true, chart: preVarianceChart,
      note: 'the forward signal layer by layer, each setting at its deepest net: He + ReLU stays flat, Xavier + ReLU falls by about ½ per layer (times the padding loss).' },
    { name: 'grad-variance', title: 'Gradient variance per layer', metric: 'gradPreVariance', log: true, chart: gradVarianceChart,
      note: 'the backward signal, read from the right (the top) to the left: where it vanishes, the early layers do not learn.' },
    { name: 'post-moment', title: 'Post-activation second moment', metric: 'postSecondMoment', log: true, chart: postMomentChart,
      note: 'E[a²] after the activation, what feeds the next layer: for ReLU half the pre-activation variance.' },
    { name: 'units', title: 'Dead and saturated units', metric: 'unitFraction', log: false, chart: unitFractionChart,
      note: 'the share of units that pass no signal: ReLU units at exactly 0 for every probe example, tanh and sigmoid units stuck at their limits.' },
  ] as const;
  for (const d of layerDefs) {
    const { rows, line } = layerRows(records, d.metric, { log: d.log });
    if (rows.length > 0) charts.push({ name: d.name, title: d.title, note: d.note, spec: d.chart(rows, { inits }), line });
    else if (isProbed) missing.push({ title: d.title, why: 'the probes of these runs carry no such numbers' });
  }
  if (!isProbed) missing.push({ title: 'Per-layer statistics at init', why: 'no run has a probe; give the suite a `probe` block (e.g. suites/seed-claims.json) and run `initbench run SUITE`' });

  const signal = signalRows(records);
  if (signal.rows.length > 0) {
    charts.push({
      name: 'signal', title: 'Signal propagation', spec: signalChart(signal.rows, signal.stats, { inits }), line: signal.line,
      note: 'per layer, the channels’ squared mean against their variance (log scales, one per panel); in a healthy net neither explodes nor vanishes with depth.',
    });
  }
  // beyond variance (issue 15): only for runs whose probe measured correlations or Jacobians
  const corr = correlationRows(records);
  if (corr.rows.length > 0) {
    charts.push({
      name: 'correlation', title: 'Correlation map per layer', spec: correlationChart(corr.rows), line: corr.line,
      note: 'each panel is one setting at its deepest net: measured correlation between paired inputs per layer, with the mean-field prediction dashed.',
    });
  }
  const xi = xiRows(records);
  if (xi.rows.length > 0) {
    charts.push({
      name: 'xi-c', title: 'Correlation depth scale ξ_c', spec: xiChart(xi.rows, xi.crit), line: xi.line,
      note: 'how many layers a net remembers how alike two inputs were: theory’s line peaks at the critical σ_w², the points are fitted to the measured correlations.',
    });
  }
  const jac = jacobianRows(records);
  if (jac.moments.length > 0) {
    charts.push({
      name: 'jacobian-moments', title: 'Jacobian spectrum: moments against depth', spec: jacobianMomentsChart(jac.moments), line: jac.line,
      note: 'the mean and variance of the squared singular values of the input–output Jacobian; a variance that grows with depth means some directions are amplified and others lost.',
    });
  }
  if (jac.hist.length > 0) {
    charts.push({
      name: 'jacobian-histogram', title: 'Jacobian spectrum: histogram of s²', spec: jacobianHistogramChart(jac.hist), line: jac.line,
      note: 'every squared singular value of the exact Jacobian, log-binned; a narrow spike is dynamical isometry.',
    });
  }
  const hist = histogramRows(records);
  if (hist.rows.length > 0) {
    const xavierRelu = hist.runs.find((r) => /^xavier/.test(r) && /\brelu\b/.test(r)) ?? hist.runs.find((r) => /\brelu\b/.test(r));
    charts.push({
      name: 'histograms', title: 'Histograms per layer', spec: histogramHeatmap(hist.rows), line: hist.line,
      note: 'one heatmap per run, a row per layer (first at the top); pick the tensor with the buttons. Bright cells hold most entries: a column narrowing to 0 is a collapsing signal.',
    });
    charts.push({
      name: 'histogram-curves', title: 'Histograms of a few layers', spec: histogramCurves(hist.rows, hist.runs, xavierRelu !== undefined ? { initial: xavierRelu } : {}), line: hist.line,
      note: 'choose a run from the menu; each curve is one layer, darker deeper. Curves that grow into a tall spike at 0 are layers whose values all but vanish.',
    });
  }
  if (isProbed && (signal.rows.length === 0 || hist.rows.length === 0)) {
    missing.push({
      title: [signal.rows.length === 0 ? 'Signal propagation' : '', hist.rows.length === 0 ? 'Histograms' : ''].filter((t) => t !== '').join(' and '),
      why: 'these records were written before the probe kept per-channel statistics and histograms; rerun the suite to get them',
    });
  }

  const loss = lossRows(records);
  const acc = accuracyRows(records);
  if (loss.rows.length > 0) {
    charts.push({ name: 'loss', title: 'Training loss', note: 'loss per step on a log axis, median over seeds with the min–max band; a line that stays flat near ln(classes) has not learned.', spec: lossChart(loss.rows, { inits }), line: loss.line });
  }
  if (acc.rows.length > 0) {
    charts.push({ name: 'accuracy', title: 'Held-out accuracy', note: 'accuracy on the held-out split at each eval; the dotted line is chance.', spec: accuracyChart(acc.rows, chanceRows(records, acc.rows), { inits }), line: acc.line });
  }
  const cells = trainabilityRows(records);
  if (cells.rows.length > 0) {
    charts.push({ name: 'trainability', title: 'Trainability', note: 'final held-out accuracy by depth and initializer; red outlines mark cells where some seeds stalled, diverged or failed.', spec: trainabilityChart(cells.rows, { inits }), line: cells.line });
  }
  const phase = phaseRows(records);
  if (phase.cells.length > 0) {
    charts.push({
      name: 'phase-diagram', title: 'Phase diagram: accuracy over σ_w² and depth', spec: phaseDiagramChart(phase.cells, phase.curve, phase.fits), line: phase.line,
      note: 'bright cells trained; the white line is the depth up to which theory says a net trains, a multiple of ξ_c fitted to these cells (dashed: the paper’s 6 ξ_c).',
    });
  }
  const card = theoryCardRows(records);
  if (card.table.length > 0) {
    charts.push({
      name: 'theory-card', title: 'Theory: phase diagram over σ_w² and σ_b²', spec: theoryPhaseChart(card.grid, card.boundary, card.points), line: null,
      note: 'where this suite’s settings sit: left of the black χ₁ = 1 line correlations converge to 1 (ordered), right of it they decorrelate (chaotic); ξ_c is largest near the line.',
    });
  }
  if (!isTrained && cells.rows.length === 0) {
    missing.push({ title: 'Training curves and trainability', why: 'no run in this suite trains; the training studies are suites/he2015.json and suites/trainability.json (`initbench run suites/he2015.json`)' });
  }
  const norms = normRows(records);
  if (norms.rows.length > 0) {
    charts.push({
      name: 'norms', title: 'Gradient and weight norms per layer', spec: normHeatmap(norms.rows), line: norms.line,
      note: 'a row per layer (first at the top), a column per eval: a gradient panel dark at the top rows means the early layers get almost no update.',
    });
    charts.push({
      name: 'norm-lines', title: 'Norms of a few layers', spec: normLines(norms.rows, { inits }), line: norms.line,
      note: 'the same norms for the first, middle and last conv layer and the head, one line per initializer (log scales, one per panel).',
    });
  } else if (isTrained) {
    missing.push({ title: 'Gradient and weight norms per layer', why: 'these records do not say which norm belongs to which layer (written before TrainResult.paramNames); rerun the suite' });
  }
  const during = trainProbeRows(records);
  if (during.rows.length > 0) {
    charts.push({
      name: 'train-probes', title: 'Probes during training', spec: trainProbeChart(during.rows), line: during.line,
      note: 'each colour is one probe, from init (lightest ramp end) to the last step; the black dashed line is theory’s prediction for the net at init, not after training.',
    });
  } else if (isTrained) {
    missing.push({ title: 'Probes during training', why: 'no run probes during training; give the suite’s probe block e.g. "atSteps": [50, 200] and rerun' });
  }

  const images = input.samples === null ? [] : sampleImages(input.samples);
  if (images.length > 0) {
    charts.push({ name: 'samples', title: 'Data samples', note: 'what the nets are trained on: a few images of each class.', spec: samplesChart(images), line: null });
  } else if (records.some((r) => r.spec.data !== null)) {
    missing.push({ title: 'Data samples', why: `no ${samplesFile(input.dir)}; \`initbench run\` writes it for suites with data` });
  }

  const audit = input.audit === null ? [] : auditPoints(input.audit);
  if (audit.length > 0) {
    charts.push({ name: 'init-audit', title: 'Initializer audit', note: 'each point is the measured weight variance over the nominal one, with its confidence interval; red: the interval excludes 1.', spec: auditChart(audit), line: null });
  } else {
    missing.push({ title: 'Initializer audit', why: `no ${initStatsFile(resultsRootOf(input.dir))}; produce it with \`npx initbench init-stats --all --json\`` });
  }
  const sections: HtmlSection[] = [
    ...(card.table.length > 0 ? [{ id: 'sec-theory-card', title: 'Theory card', html: theoryCardHtml(card.table) }] : []),
    { id: 'sec-runs', title: 'Every run', html: runTableHtml(records, settings) },
  ];
  if (input.check !== null && input.check.rows.length > 0) {
    sections.push({ id: 'sec-cross-check', title: 'Cross-check', html: checkSummaryHtml(input.check) });
  } else {
    missing.push({ title: 'Cross-check table', why: `no ${checkFile(resultsRootOf(input.dir))}; produce it with \`npx initbench check\`` });
  }
  return { charts, missing, sections, settings, law: lawSentence(depth.fits) };
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
  const { charts, missing, sections, settings, law } = buildSections({ records, samples, check, audit, dir });
  const h = headline(records);
  const html = renderPage({
    manifest, records, warnings: warn, sentences: h.sentences, claims: h.claims, law, settings, charts, sections, missing,
    generatedAt: new Date().toISOString(),
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
        const { svg } = await renderSvg(withLine(c.spec, c.line));
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
  // a root with one results dir gets no index: not reading its runs again spares `report DIR` a tenth of its time
  if (resultsDirsIn(root).length < 2) return { file: null, notes };
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

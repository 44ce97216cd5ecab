/**
 * The report page: one self-contained HTML file. vega, vega-lite and vega-embed are inlined from
 * node_modules, the chart specs ride in a JSON script block, and nothing is fetched, so it works
 * from file:// offline. Every user string is escaped; JSON in scripts has `<` as \u003c.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Manifest, RunRecord } from '../core/types.ts';
import type { Claim } from './headline.ts';
import { escapeHtml, fmt, jsonForScript, round4 } from './util.ts';

export interface ChartSection {
  /** file-safe name, e.g. 'pre-variance' (also DIR/charts/NAME.svg) */
  name: string;
  title: string;
  /** what to read off the chart, in a sentence or two */
  note: string;
  spec: TopLevelSpec;
}

export interface MissingSection {
  title: string;
  /** why it is absent and which command produces it */
  why: string;
}

export interface PageInput {
  manifest: Manifest;
  records: readonly RunRecord[];
  warnings: readonly string[];
  sentences: readonly string[];
  claims: readonly Claim[];
  charts: readonly ChartSection[];
  missing: readonly MissingSection[];
  /** extra HTML (already escaped) after the charts, e.g. the cross-check failures table */
  extraHtml?: string;
  generatedAt: string;
}

const require = createRequire(import.meta.url);
let bundleCache: string | undefined;

/** The three browser builds, concatenated as inline scripts (source-map comments dropped). */
export function vegaBundles(): string {
  if (bundleCache !== undefined) return bundleCache;
  const files = [
    path.join(path.dirname(require.resolve('vega')), 'vega.min.js'),
    path.join(path.dirname(require.resolve('vega-lite')), 'vega-lite.min.js'),
    path.join(path.dirname(require.resolve('vega-embed')), 'vega-embed.min.js'),
  ];
  bundleCache = files
    .map((f) => {
      const js = fs.readFileSync(f, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
      // An inline script ends at the first "</script"; the builds contain none, but never trust that.
      return `<script>/* ${path.basename(f)} */\n${js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--')}</script>`;
    })
    .join('\n');
  return bundleCache;
}

export function suiteDescription(m: Manifest): string | null {
  const src = m.suite.source;
  if (typeof src === 'object' && src !== null && 'description' in src) {
    const d = (src as { description: unknown }).description;
    if (typeof d === 'string') return d;
  }
  return null;
}

function statusCounts(records: readonly RunRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return ['ok', 'stalled', 'diverged', 'failed']
    .filter((s) => (counts.get(s) ?? 0) > 0)
    .map((s) => `<span class="st st-${s}">${counts.get(s)} ${s}</span>`)
    .join(' ');
}

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = s / 60;
  return m < 120 ? `${m.toFixed(1)} min` : `${(m / 60).toFixed(1)} h`;
}

function environmentCard(m: Manifest, records: readonly RunRecord[]): string {
  const e = m.environment;
  const ends = records.map((r) => Date.parse(r.startedAt) + r.wallMs).filter((t) => Number.isFinite(t));
  const start = Date.parse(m.startedAt);
  const wall = ends.length > 0 && Number.isFinite(start) ? Math.max(...ends) - start : NaN;
  const runTime = records.reduce((a, r) => a + (Number.isFinite(r.wallMs) ? r.wallMs : 0), 0);
  const backends = [...new Set(records.map((r) => r.backend))].join(', ');
  const rows: [string, string][] = [
    ['suite', `${m.suite.name} (${m.suite.file})`],
    ['suite sha256', m.suite.hash],
    ['backend', `${e.backend} — ${e.backendDetail}${backends !== '' && backends !== e.backend ? ` (records: ${backends})` : ''}`],
    ['versions', `initbench ${e.initbench}, tfjs ${e.tfjs}, Node ${e.node}`],
    ['platform', e.platform],
    ['CPU', `${e.cpu.model} × ${e.cpu.cores} cores, ${fmt(e.memoryGiB)} GiB`],
    ['git commit', e.gitCommit ?? 'unknown (not a git checkout)'],
    ['started', m.startedAt],
    ['wall time', `${duration(wall)} (first start to last finish); ${duration(runTime)} summed over runs`],
    ['runs', `${records.length} recorded of ${m.plan.length} planned${m.quick === true ? ' (--quick)' : ''}`],
  ];
  if (m.shard !== undefined) rows.push(['shard', `${m.shard.k}/${m.shard.n}`]);
  if (m.mergedFrom !== undefined) rows.push(['merged from', m.mergedFrom.join(', ')]);
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function failedRuns(records: readonly RunRecord[]): string {
  const failed = records.filter((r): r is Extract<RunRecord, { status: 'failed' }> => r.status === 'failed');
  if (failed.length === 0) return '';
  const rows = failed
    .map((r) => {
      const s = r.spec;
      const stack = r.error.stack === null ? '' : `<details><summary>stack</summary><pre>${escapeHtml(r.error.stack)}</pre></details>`;
      return `<tr><td><code>${escapeHtml(r.id)}</code></td><td>${escapeHtml(`${s.init.name} + ${s.activation.name}, depth ${s.arch.depth}, width ${s.arch.width}, seed ${s.seed}`)}</td><td>${escapeHtml(r.error.kind)}</td><td>${escapeHtml(r.error.message)}${stack}</td></tr>`;
    })
    .join('');
  return `<section id="failed"><h2>Failed runs (${failed.length})</h2><table class="grid"><tr><th>run</th><th>setting</th><th>kind</th><th>error</th></tr>${rows}</table></section>`;
}

function stoppedRuns(records: readonly RunRecord[]): string {
  const stopped = records.filter((r) => r.status === 'diverged' || r.status === 'stalled');
  if (stopped.length === 0) return '';
  const rows = stopped
    .map((r) => {
      const s = r.spec;
      const reason = r.status === 'diverged' ? `at step ${r.atStep}: ${r.reason}` : r.status === 'stalled' ? r.reason : '';
      return `<tr><td>${escapeHtml(r.status)}</td><td>${escapeHtml(`${s.init.name} + ${s.activation.name}, depth ${s.arch.depth}, seed ${s.seed}`)}</td><td>${escapeHtml(reason)}</td></tr>`;
    })
    .join('');
  return `<section id="stopped"><h2>Stalled and diverged runs (${stopped.length})</h2><details><summary>show</summary><table class="grid"><tr><th>status</th><th>setting</th><th>reason</th></tr>${rows}</table></details></section>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1280px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:24px;margin:8px 0 2px;word-break:break-word}h2{font-size:18px;margin:0 0 6px}
.desc{color:#444;margin:2px 0 6px}.meta{color:#666;font-size:13px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:14px 16px;margin:14px 0;overflow-x:auto}
#headline li{margin:3px 0}.claims td,.claims th{padding:3px 10px 3px 0;text-align:left;vertical-align:top}
.holds{color:#17803d;font-weight:600}.not{color:#c0392b;font-weight:600}
.st{display:inline-block;padding:0 6px;border-radius:3px;margin-right:4px;font-size:12px}
.st-ok{background:#dff3df}.st-stalled{background:#fdf0c4}.st-diverged{background:#fde0c4}.st-failed{background:#f9d0d0}
.warn{background:#fff7e0;border-color:#f0d58c}
.note{color:#555;font-size:13px;margin:4px 0 8px}
table.kv th{text-align:left;padding:2px 14px 2px 0;color:#555;font-weight:500;vertical-align:top}
table.grid{border-collapse:collapse}table.grid td,table.grid th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;font-size:12px;margin:4px 0}
nav a{margin-right:12px}code{font-size:12px}
`;

/** Page script: embeds each spec; a chart that fails to render says so in place (and logs the error). */
const SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('specs').textContent);
  var done = 0, names = Object.keys(specs);
  document.body.setAttribute('data-charts', String(names.length));
  names.forEach(function (name) {
    var el = document.getElementById('chart-' + name);
    vegaEmbed(el, specs[name], { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } })
      .then(function () { el.setAttribute('data-rendered', 'true'); })
      .catch(function (e) { el.textContent = 'This chart failed to render: ' + e.message; console.error(e); })
      .then(function () { done += 1; if (done === names.length) document.body.setAttribute('data-rendered', 'true'); });
  });
  if (names.length === 0) document.body.setAttribute('data-rendered', 'true');
})();
`;

export function renderPage(p: PageInput): string {
  const m = p.manifest;
  const desc = suiteDescription(m);
  const specs: Record<string, TopLevelSpec> = {};
  for (const c of p.charts) specs[c.name] = c.spec;
  const warnings = p.warnings.length === 0
    ? ''
    : `<section class="warn" id="warnings"><h2>Warnings</h2><ul>${p.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></section>`;
  const claims = p.claims.length === 0
    ? ''
    : `<h3>The seed's claims, checked</h3><table class="claims"><tr><th>claim</th><th>measured</th><th>verdict</th></tr>${p.claims
        .map((c) => `<tr><td>${escapeHtml(c.claim)}</td><td>${escapeHtml(c.measured)}</td><td class="${c.verdict === 'holds' ? 'holds' : 'not'}">${escapeHtml(c.verdict)}</td></tr>`)
        .join('')}</table>`;
  const headline = `<section id="headline"><h2>Headline</h2>${
    p.sentences.length === 0 ? '<p>No probe or training numbers in these runs.</p>' : `<ul>${p.sentences.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`
  }${claims}</section>`;
  const nav = `<nav>${p.charts.map((c) => `<a href="#sec-${escapeHtml(c.name)}">${escapeHtml(c.title)}</a>`).join('')}<a href="#environment">Environment</a></nav>`;
  const charts = p.charts
    .map((c) => `<section class="chart" id="sec-${escapeHtml(c.name)}"><h2>${escapeHtml(c.title)}</h2><p class="note">${escapeHtml(c.note)}</p><div class="view" id="chart-${escapeHtml(c.name)}"></div></section>`)
    .join('\n');
  const missing = p.missing.length === 0
    ? ''
    : `<section id="missing"><h2>Not in this report</h2><ul>${p.missing.map((x) => `<li><b>${escapeHtml(x.title)}</b>: ${escapeHtml(x.why)}</li>`).join('')}</ul></section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>initbench report: ${escapeHtml(m.suite.name)}</title>
<style>${CSS}</style>
${vegaBundles()}
</head>
<body>
<main>
<header>
<h1>${escapeHtml(m.suite.name)}</h1>
${desc === null ? '' : `<p class="desc">${escapeHtml(desc)}</p>`}
<p class="meta">${p.records.length} runs: ${statusCounts(p.records)} · suite <code>${escapeHtml(m.suite.file)}</code> sha256 <code>${escapeHtml(m.suite.hash.slice(0, 12))}</code> · ${escapeHtml(m.environment.backend)} · generated ${escapeHtml(p.generatedAt)}</p>
</header>
${warnings}
${headline}
${nav}
${charts}
${p.extraHtml ?? ''}
${missing}
${failedRuns(p.records)}
${stoppedRuns(p.records)}
<section id="environment"><h2>Environment</h2>${environmentCard(m, p.records)}</section>
</main>
<script type="application/json" id="specs">${jsonForScript(specs, round4)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

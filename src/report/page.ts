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
import { differing, type PageSettings } from './settings.ts';
import { escapeHtml, fmt, jsonForScript, round4 } from './util.ts';

export interface ChartSection {
  /** file-safe name, e.g. 'pre-variance' (also DIR/charts/NAME.svg) */
  name: string;
  title: string;
  /** how to read the chart, in one line */
  note: string;
  spec: TopLevelSpec;
  /**
   * What the chart's runs share beyond the page's settings lines ("These runs: …"), or null. The page
   * shows it above the chart where it differs from the previous chart's; --svg/--png add it to the subtitle.
   */
  line: string | null;
}

/** A section of plain HTML after the charts (the run table, the cross-check summary). */
export interface HtmlSection {
  /** its element id, for the page's navigation */
  id: string;
  title: string;
  /** the section element, already escaped */
  html: string;
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
  /** every setting in a sentence (folded under the claims) */
  sentences: readonly string[];
  claims: readonly Claim[];
  /** the seed's law in numbers (the depth sweep's fitted factors), when there is a sweep */
  law: string | null;
  settings: PageSettings;
  charts: readonly ChartSection[];
  /** after the charts */
  sections: readonly HtmlSection[];
  missing: readonly MissingSection[];
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

/** A run in words: initializer + activation, depth, where it differs from the page's usual run, seed. */
function runSetting(r: RunRecord, settings: PageSettings): string {
  const s = r.spec;
  const diff = differing(s, settings.reference, settings.varying.filter((ax) => ax !== 'activation' && ax !== 'depth'));
  return [`${s.init.name} + ${s.activation.name}`, `depth ${s.arch.depth}`, ...diff, `seed ${s.seed}`].join(', ');
}

function failedRuns(records: readonly RunRecord[], settings: PageSettings): string {
  const failed = records.filter((r): r is Extract<RunRecord, { status: 'failed' }> => r.status === 'failed');
  if (failed.length === 0) return '';
  const rows = failed
    .map((r) => {
      const stack = r.error.stack === null ? '' : `<details><summary>stack</summary><pre>${escapeHtml(r.error.stack)}</pre></details>`;
      return `<tr><td><code>${escapeHtml(r.id)}</code></td><td>${escapeHtml(runSetting(r, settings))}</td><td>${escapeHtml(r.error.kind)}</td><td>${escapeHtml(r.error.message)}${stack}</td></tr>`;
    })
    .join('');
  return `<section id="failed"><h2>Failed runs (${failed.length})</h2><table class="grid"><tr><th>run</th><th>setting</th><th>kind</th><th>error</th></tr>${rows}</table></section>`;
}

function stoppedRuns(records: readonly RunRecord[], settings: PageSettings): string {
  const stopped = records.filter((r) => r.status === 'diverged' || r.status === 'stalled');
  if (stopped.length === 0) return '';
  const rows = stopped
    .map((r) => {
      const reason = r.status === 'diverged' ? `at step ${r.atStep}: ${r.reason}` : r.status === 'stalled' ? r.reason : '';
      return `<tr><td>${escapeHtml(r.status)}</td><td>${escapeHtml(runSetting(r, settings))}</td><td>${escapeHtml(reason)}</td></tr>`;
    })
    .join('');
  return `<section id="stopped"><h2>Stalled and diverged runs (${stopped.length})</h2><details><summary>show</summary><table class="grid"><tr><th>status</th><th>setting</th><th>reason</th></tr>${rows}</table></details></section>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1280px;margin:0 auto;padding:10px 24px 48px}
h1{font-size:22px;margin:4px 0 0;word-break:break-word}h2{font-size:17px;margin:0 0 6px}h3{font-size:15px;margin:10px 0 4px}
.desc{color:#444;margin:2px 0 2px}.meta{color:#666;font-size:12px;margin:2px 0}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:10px 14px;margin:10px 0;overflow-x:auto}
.top{display:grid;grid-template-columns:1fr;gap:0 12px}
@media (min-width:1200px){.top{grid-template-columns:5fr 6fr}.top section{margin:10px 0 0}}
#about p{margin:0 0 6px;font-size:13px}#about details{font-size:13px}.law{margin:6px 0 0}.settings{font-size:13px;color:#333}.settings b{color:#000}
.claims{border-collapse:collapse;font-size:13px}.claims td,.claims th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
.holds{color:#17803d;font-weight:600}.not{color:#c0392b;font-weight:600}
.st{display:inline-block;padding:0 6px;border-radius:3px;margin-right:4px;font-size:12px}
.st-ok{background:#dff3df}.st-stalled{background:#fdf0c4}.st-diverged{background:#fde0c4}.st-failed{background:#f9d0d0}
.warn{background:#fff7e0;border-color:#f0d58c}
.note{color:#555;font-size:13px;margin:0 0 6px}.runs-line{color:#333}
table.kv th{text-align:left;padding:2px 14px 2px 0;color:#555;font-weight:500;vertical-align:top}
table.grid{border-collapse:collapse;font-size:13px}table.grid td,table.grid th{border:1px solid #ddd;padding:2px 7px;text-align:left;vertical-align:top}
tr.bad td{background:#fbe3e1}
table.runs td{white-space:nowrap}table.runs th{cursor:pointer;user-select:none;background:#f4f4f4;position:sticky;top:0}table.runs th[aria-sort]::after{content:" ▾"}table.runs th[aria-sort=ascending]::after{content:" ▴"}
.scroll{max-height:520px;overflow:auto}
pre{white-space:pre-wrap;font-size:12px;margin:4px 0}
nav{font-size:12px;margin:8px 0 0;color:#555;white-space:nowrap;overflow-x:auto;padding-bottom:2px}code{font-size:12px}
.view form,.view .vega-bindings{font-size:13px;margin:4px 0}
`;

/**
 * Page script: embeds each spec (a chart that fails to render says so in place, and logs the error);
 * copies a legend click in any chart (its `pick` selection) into every chart's `hl`, so that
 * initializer stands out everywhere; sorts and filters the run table.
 */
const SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('specs').textContent);
  var done = 0, names = Object.keys(specs), views = [];
  document.body.setAttribute('data-charts', String(names.length));
  function has(view, signal) { try { view.signal(signal); return true; } catch (e) { return false; } }
  function highlight(inits) {
    views.forEach(function (v) { if (has(v, 'hl')) v.signal('hl', inits).runAsync(); });
    document.body.setAttribute('data-highlight', inits.join(','));
  }
  names.forEach(function (name) {
    var el = document.getElementById('chart-' + name);
    vegaEmbed(el, specs[name], { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } })
      .then(function (res) {
        views.push(res.view);
        if (has(res.view, 'pick')) res.view.addSignalListener('pick', function (_, v) { highlight(v && v.init ? v.init.slice() : []); });
        el.setAttribute('data-rendered', 'true');
      })
      .catch(function (e) { el.textContent = 'This chart failed to render: ' + e.message; console.error(e); })
      .then(function () { done += 1; if (done === names.length) document.body.setAttribute('data-rendered', 'true'); });
  });
  if (names.length === 0) document.body.setAttribute('data-rendered', 'true');
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') highlight([]); });

  var table = document.getElementById('run-table');
  if (table === null) return;
  var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (th, col) {
    th.addEventListener('click', function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      function key(r) { var v = r.cells[col].getAttribute('data-v'); var n = Number(v); return v !== '' && isFinite(n) ? n : v; }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), c;
        if (typeof x === 'number' && typeof y === 'number') c = x - y;
        else c = String(x).localeCompare(String(y), 'en', { numeric: true });
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var box = document.getElementById('run-filter'), count = document.getElementById('run-count');
  box.addEventListener('input', function () {
    var words = box.value.toLowerCase().split(/\\s+/).filter(function (w) { return w !== ''; });
    var n = 0;
    rows.forEach(function (r) {
      var text = r.textContent.toLowerCase();
      var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
      r.hidden = !keep;
      if (keep) n += 1;
    });
    count.textContent = n + ' of ' + rows.length + ' runs';
  });
})();
`;

/** What the page shows and what the seed note claims, in plain words. */
function intro(p: PageInput): string {
  const trained = p.records.some((r) => r.spec.train !== null);
  const probedAny = p.records.some((r) => r.spec.probe !== null);
  const first = p.charts[0];
  const what = [
    probedAny ? 'how the variance of the signal changes layer by layer at initialization, forward and backward' : '',
    trained ? 'how the nets train' : '',
  ].filter((x) => x !== '').join(', and ');
  return `<p>${escapeHtml(String(p.records.length))} runs of deep convolutional nets that differ in how their weights were initialized${what === '' ? '' : `, showing ${escapeHtml(what)}`}. ` +
    'The seed note claims that ReLU halves a signal’s variance at every layer, so with Xavier (Var(W) = 1/n) it shrinks as (½)^L after L layers, ' +
    'while He’s Var(W) = 2/n cancels the half and keeps it near 1 at any depth.' +
    `${first?.name === 'depth-law' ? ' The first chart tests that law; the claims beside are checked on these runs.' : ''}</p>`;
}

function settingsLines(s: PageSettings): string {
  const common = s.common.length === 0 ? '' : `<p class="settings" id="settings" data-common="${escapeHtml(JSON.stringify(s.common))}"><b>Common settings</b> (every run): ${escapeHtml(s.common.join(' · '))}.</p>`;
  const usual = s.usual.length === 0 ? '' : `<p class="settings" id="usual"><b>Unless a chart or label says otherwise</b>: ${escapeHtml(s.usual.join(' · '))}.</p>`;
  return common + usual;
}

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
    : `<table class="claims"><tr><th>claim</th><th>measured</th><th>verdict</th></tr>${p.claims
        .map((c) => `<tr><td>${escapeHtml(c.claim)}</td><td>${escapeHtml(c.measured)}</td><td class="${c.verdict === 'holds' ? 'holds' : 'not'}">${escapeHtml(c.verdict)}</td></tr>`)
        .join('')}</table>`;
  const sentences = p.sentences.length === 0
    ? '<p>No probe or training numbers in these runs.</p>'
    : `<details><summary>Every setting in one line (${p.sentences.length})</summary><ul>${p.sentences.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul></details>`;
  const headline = `<section id="headline"><h2>${p.claims.length > 0 ? 'The seed note’s claims, checked on these runs' : 'Headline'}</h2>${claims}${
    p.law === null ? '' : `<p class="note law">${escapeHtml(p.law)}</p>`
  }${p.claims.length === 0 && p.law === null ? sentences : ''}</section>`;
  const links = [...p.charts.map((c) => [`sec-${c.name}`, c.title]), ...p.sections.map((x) => [x.id, x.title]), ['environment', 'Environment']];
  const nav = `<nav><b>On this page</b> (click an initializer in any legend to pick it out in every chart; Esc clears): ${links.map(([id, t]) => `<a href="#${escapeHtml(id)}">${escapeHtml(t)}</a>`).join(' · ')}</nav>`;
  const about = `<section id="about">${intro(p)}${settingsLines(p.settings)}${p.claims.length === 0 && p.law === null ? '' : sentences}</section>`;
  const charts = p.charts
    .map((c, i) => {
      // consecutive charts of the same runs (the training charts) state their setting once
      const line = c.line !== null && c.line !== (p.charts[i - 1]?.line ?? null) ? `<p class="note runs-line">${escapeHtml(c.line)}</p>` : '';
      return `<section class="chart" id="sec-${escapeHtml(c.name)}" aria-label="${escapeHtml(c.title)}">${line}<p class="note">How to read: ${escapeHtml(c.note)}</p><div class="view" id="chart-${escapeHtml(c.name)}"></div></section>`;
    })
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
<div class="top">${about}${headline}</div>
${nav}
${charts}
${p.sections.map((x) => x.html).join('\n')}
${missing}
${failedRuns(p.records, p.settings)}
${stoppedRuns(p.records, p.settings)}
<section id="environment"><h2>Environment</h2>${environmentCard(m, p.records)}</section>
</main>
<script type="application/json" id="specs">${jsonForScript(specs, round4)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

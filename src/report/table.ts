/**
 * The run table: one row per run with the settings that vary on the page (as bare values under the
 * setting's name), its status, the per-layer variance ratio beside theory's, final and best accuracy,
 * steps to the target and wall time. Sorted by clicking a header, filtered by the box above it (the
 * page script does both).
 */
import type { RunRecord } from '../core/types.ts';
import { initLabeler } from './rows.ts';
import { coordinates, type Axis, type PageSettings } from './settings.ts';
import { escapeHtml, fmt, fmtRatio } from './util.ts';

const HEADERS: Record<Axis, string> = {
  activation: 'activation', depth: 'depth', arch: 'arch', width: 'width', kernel: 'kernel', padding: 'padding', downsample: 'downsampling',
  bias: 'bias', head: 'head', input: 'input', probe: 'probe', probeAt: 'probed', data: 'data', dataDetail: 'data size', optimizer: 'optimizer',
  lr: 'lr', batch: 'batch', steps: 'steps', schedule: 'schedule', momentum: 'momentum', weightDecay: 'weight decay', warmup: 'warmup',
  evalEvery: 'eval every', target: 'target',
};

/** A token without the setting's name the header already gives: "width 32" → "32", "200 steps" → "200". */
function bare(token: string, header: string): string {
  if (token.startsWith(`${header} `)) return token.slice(header.length + 1);
  if (token.endsWith(` ${header}`)) return token.slice(0, -header.length - 1);
  return token;
}

/** Most rows a page lists: beyond it the table says how many runs it leaves out. */
export const TABLE_MAX_ROWS = 2000;

interface Cell {
  text: string;
  /** sort key: a number, or the text */
  sort: number | string;
}

const num = (x: number | null | undefined, f: (v: number) => string): Cell =>
  x === null || x === undefined || !Number.isFinite(x) ? { text: '–', sort: Number.NEGATIVE_INFINITY } : { text: f(x), sort: x };

export function runTableHtml(records: readonly RunRecord[], page: PageSettings): string {
  const axes = page.varying.filter((ax) => ax !== 'activation');
  const label = initLabeler(records.map((r) => r.spec));
  const heads = ['initializer', 'activation', ...axes.map((ax) => HEADERS[ax]), 'seed', 'status', '×/layer', 'theory ×/layer', 'final acc.', 'best acc.', 'steps to target', 'wall time'];
  const shown = records.slice(0, TABLE_MAX_ROWS);
  const body = shown
    .map((r) => {
      const c = coordinates(r.spec);
      const t = r.train;
      const cells: Cell[] = [
        { text: label(r.spec), sort: label(r.spec) },
        { text: c.activation, sort: c.activation },
        ...axes.map((ax) => {
          const text = bare(c[ax], HEADERS[ax]);
          const n = Number(text);
          return { text: text === '' ? '–' : text, sort: text !== '' && Number.isFinite(n) ? n : text };
        }),
        { text: String(r.spec.seed), sort: r.spec.seed },
        { text: r.status, sort: r.status },
        num(r.probe?.summary.perLayerRatio, fmtRatio),
        num(r.probe?.summary.theoryPerLayerRatio, fmtRatio),
        num(t?.finalAccuracy, (v) => `${(v * 100).toFixed(1)}%`),
        num(t?.bestAccuracy, (v) => `${(v * 100).toFixed(1)}%`),
        num(t?.stepsToTarget, (v) => String(v)),
        num(r.wallMs, (v) => (v < 1000 ? `${v.toFixed(0)} ms` : `${fmt(v / 1000)} s`)),
      ];
      const cls = r.status === 'ok' ? '' : ` class="st-${r.status}"`;
      return `<tr${cls}>${cells.map((x) => `<td data-v="${escapeHtml(String(x.sort))}">${escapeHtml(x.text)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const more = records.length > shown.length ? `<p class="note">The first ${shown.length} of ${records.length} runs; the rest are in runs.jsonl.</p>` : '';
  return `<section id="sec-runs"><h2>Every run</h2>
<p class="note">How to read: one row per run, the settings that vary on this page under their names. Click a header to sort (again to reverse); type in the box to keep the rows that contain every word.</p>
<p><input type="search" id="run-filter" placeholder="filter, e.g. xavier relu 30" aria-label="filter the runs"> <span id="run-count">${shown.length} runs</span></p>
<div class="scroll"><table class="grid runs" id="run-table"><thead><tr>${heads.map((h, i) => `<th data-col="${i}" title="sort">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${body}
</tbody></table></div>${more}</section>`;
}

/** Pieces shared by the chart functions: colours, the initializer highlight, faceting, sizes, config. */
import type { TopLevelSpec } from 'vega-lite';

export type Json = Record<string, unknown>;

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Every chart fits a 1024-px browser window: the page's card there is ≈ 940 px wide inside, so a
 * chart's panels, axes and legend together stay within this.
 */
export const MAX_CHART_WIDTH = 880;

/** tableau10 then its lighter half: stable colours for up to 20 initializers. */
const PALETTE = [
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac',
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

/**
 * One colour per initializer, the same in every chart of a page (`pageInits` in page order), and a
 * legend that lists only the initializers this chart draws (`drawn`).
 */
export function initColor(pageInits: readonly string[], drawn: Iterable<string>, title = 'initializer'): Json {
  const page = [...new Set(pageInits)];
  const here = new Set(drawn);
  const domain = [...page.filter((i) => here.has(i)), ...[...here].filter((i) => !page.includes(i)).sort()];
  const colourOf = (i: string) => PALETTE[(page.includes(i) ? page.indexOf(i) : page.length + domain.indexOf(i)) % PALETTE.length];
  return {
    field: 'init',
    type: 'nominal',
    title,
    scale: { domain, range: domain.map(colourOf) },
    legend: { ...legendTop(domain.length), symbolOpacity: 1, symbolType: 'circle' },
  };
}

/** Legends above the plot, in rows of at most 3 entries: side by side, they never widen a chart past the window. */
export function legendTop(entries: number): Json {
  return { orient: 'top', direction: 'horizontal', columns: entries <= 3 ? Math.max(1, entries) : entries <= 4 ? 2 : 3, labelLimit: 180, titleLimit: 300 };
}
/** legendTop for a legend of at most 3 entries (a line style, a handful of verdicts) */
export const LEGEND_TOP = legendTop(3);

/** Subtitle sentences wrapped into lines of at most `chars` characters (a vega title is never wrapped). */
export function wrapText(sentences: readonly string[], chars = 110): string[] {
  const out: string[] = [];
  for (const s of sentences) {
    let line = '';
    for (const word of s.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > chars) {
        out.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') out.push(line);
  }
  return out;
}

/** The spec with its chart's "these runs" sentence added to the subtitle: for the files --svg/--png write, which stand alone. */
export function withLine(spec: TopLevelSpec, line: string | null): TopLevelSpec {
  if (line === null) return spec;
  const t = (spec as { title?: string | { text: string; subtitle?: string | string[] } }).title;
  const text = typeof t === 'string' ? t : t?.text ?? '';
  const prev = typeof t === 'string' || t?.subtitle === undefined ? [] : Array.isArray(t.subtitle) ? t.subtitle : [t.subtitle];
  return { ...spec, title: { ...(typeof t === 'object' ? t : {}), text, subtitle: [...prev, ...wrapText([line])] } } as TopLevelSpec;
}

/**
 * The page-wide highlight: `hl` holds the initializers picked by clicking a legend entry in any chart
 * (the page script copies each chart's `pick` into every chart's `hl`); marks of other initializers fade.
 */
export const HL_PARAM = { name: 'hl', value: [] as string[] };
export const HL_TEST = 'length(hl) === 0 || indexof(hl, datum.init) >= 0';
/** The legend-bound selection; put on exactly one layer of a chart whose colour legend is the initializer. */
export const PICK_PARAM = { name: 'pick', select: { type: 'point', fields: ['init'] }, bind: 'legend' };

/** Opacity that follows the highlight: `on` for picked (or when nothing is), `off` for the rest. */
export function hlOpacity(on: number, off = on * 0.15): Json {
  return { condition: { test: HL_TEST, value: on }, value: off };
}

/**
 * Axis labels never touch: vega drops labels that would come within `labelSeparation` px of the
 * previous one (the "0.760.78" of a dense linear axis), and keeps the first and last inside the plot.
 */
export const CONFIG = {
  axis: { labelOverlap: true, labelSeparation: 6, labelFlush: true, titleFontWeight: 'normal' },
  legend: { labelOverlap: true },
  header: { labelFontSize: 12, labelFontWeight: 'bold' },
  title: { anchor: 'start', subtitleColor: '#555' },
};

/** Columns of a wrapped facet so that `columns · (width + extra)` stays within MAX_CHART_WIDTH. */
export function fitColumns(panels: number, width: number, extra = 45, want = 3): number {
  return Math.max(1, Math.min(want, panels, Math.floor(MAX_CHART_WIDTH / (width + extra))));
}

/**
 * A top-level spec from a layer and its data: faceted (wrapped, `columns` per row) by `panel` when
 * there is more than one panel, else a plain layer (no lone facet header). Carries the highlight
 * parameter and the page config; `line` (the chart's "these runs" sentence) joins the subtitle.
 */
export function facetOrLayer(opts: {
  title: string;
  subtitle?: string | string[];
  values: readonly object[];
  panels: readonly string[];
  layer: Json[];
  width?: number;
  height?: number;
  columns?: number;
  resolve?: Json;
  transform?: Json[];
  params?: Json[];
}): TopLevelSpec {
  const { width = 240, height = 190 } = opts;
  const sub = wrapText(opts.subtitle === undefined ? [] : Array.isArray(opts.subtitle) ? opts.subtitle : [opts.subtitle]);
  const title = sub.length === 0 ? opts.title : { text: opts.title, subtitle: sub };
  const base: Json = {
    $schema: SCHEMA, title, data: { values: opts.values }, params: [HL_PARAM, ...(opts.params ?? [])], config: CONFIG,
    ...(opts.transform !== undefined ? { transform: opts.transform } : {}),
  };
  if (opts.panels.length <= 1) {
    return { ...base, width, height, layer: opts.layer } as unknown as TopLevelSpec;
  }
  return {
    ...base,
    facet: {
      field: 'panel', type: 'nominal', title: null, sort: [...opts.panels],
      // Long panel labels would set the column width: wrap them at the ' · ' separators into lines no wider than the plot.
      header: { labelExpr: panelLabelExpr(opts.panels, Math.max(24, Math.floor(width / 6.5))) },
    },
    columns: opts.columns ?? fitColumns(opts.panels.length, width),
    spec: { width, height, layer: opts.layer },
    ...(opts.resolve !== undefined ? { resolve: opts.resolve } : {}),
  } as unknown as TopLevelSpec;
}

/** Greedy wrap of a ' · '-separated panel label into lines of at most `chars` characters. */
export function wrapPanelLabel(label: string, chars: number): string[] {
  const lines: string[] = [];
  for (const part of label.split(' · ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 3 + part.length <= chars) lines[lines.length - 1] = `${last} · ${part}`;
    else lines.push(part);
  }
  return lines;
}

/** Most lines of a facet header: one long label would set the header height of every row of panels. */
const HEADER_LINES = 3;

/** A vega expression mapping each panel to its wrapped lines (an array label is drawn as lines), at most HEADER_LINES. */
function panelLabelExpr(panels: readonly string[], chars: number): string {
  const cut = (lines: string[]) => (lines.length <= HEADER_LINES ? lines : [...lines.slice(0, HEADER_LINES - 1), `${lines[HEADER_LINES - 1]} …`]);
  const table = Object.fromEntries(panels.map((p) => [p, cut(wrapPanelLabel(p, chars))]));
  return `${JSON.stringify(table)}[datum.value]`;
}

/** Tooltip number formats. */
export const SCI = '.3~e';
export const NUM = '.3~g';

/**
 * Log-axis labels on powers of ten only (1e-3, 1e-2 …): vega puts ticks at 2×, 5× too when the range
 * is short, and "2e-1 1e-1 5e-2" crowds the axis.
 */
export const LOG_AXIS = {
  labelExpr: "abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? format(datum.value, '.0e') : ''",
  gridOpacity: 0.6,
};

/** Pieces shared by the chart functions: colours, faceting, the page-wide config. */
import type { TopLevelSpec } from 'vega-lite';

export type Json = Record<string, unknown>;

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** tableau10 then its lighter half: stable colours for up to 20 initializers. */
const PALETTE = [
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac',
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

/**
 * One colour per initializer, the same in every chart of a page: pass the page's full list so a
 * chart showing a subset keeps the colours of the others.
 */
export function initColor(inits: readonly string[], title = 'initializer'): Json {
  const domain = [...new Set(inits)];
  return {
    field: 'init',
    type: 'nominal',
    title,
    scale: { domain, range: domain.map((_, i) => PALETTE[i % PALETTE.length]) },
    legend: { orient: 'right', labelLimit: 220, symbolOpacity: 1, symbolType: 'circle' },
  };
}

/**
 * A top-level spec from a layer and its data: faceted (wrapped, `columns` per row) by `panel` when
 * there is more than one panel, else a plain layer (no lone facet header).
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
}): TopLevelSpec {
  const { width = 260, height = 200 } = opts;
  const title = opts.subtitle === undefined ? opts.title : { text: opts.title, subtitle: opts.subtitle };
  const base: Json = { $schema: SCHEMA, title, data: { values: opts.values } };
  if (opts.panels.length <= 1) {
    return { ...base, width, height, layer: opts.layer } as unknown as TopLevelSpec;
  }
  return {
    ...base,
    facet: {
      field: 'panel', type: 'nominal', title: null, sort: [...opts.panels],
      // Long panel labels ("relu · width 32 · no bias · input 32×32×3 …") would set the column width;
      // wrap them at the ' · ' separators into lines no wider than the plot instead.
      header: { labelFontSize: 12, labelFontWeight: 'bold', labelExpr: panelLabelExpr(opts.panels, Math.max(24, Math.floor(width / 7))) },
    },
    columns: Math.min(opts.columns ?? 3, opts.panels.length),
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

/** A vega expression mapping each panel to its wrapped lines (an array label is drawn as lines). */
function panelLabelExpr(panels: readonly string[], chars: number): string {
  const table = Object.fromEntries(panels.map((p) => [p, wrapPanelLabel(p, chars)]));
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

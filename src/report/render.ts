/**
 * Headless rendering: Vega-Lite → Vega (with a capturing logger) → vega View (renderer 'none') →
 * SVG string → PNG through resvg. No canvas: text is measured by vega's estimator and drawn by resvg
 * with system fonts.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Compiled {
  vg: vega.Spec;
  /** vega-lite warnings; a well-formed chart has none */
  warnings: string[];
}

function capturingLogger(warnings: string[]): vega.LoggerInterface {
  let level = vega.Warn;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: readonly unknown[]) {
      throw new Error(args.map(String).join(' '));
    },
    warn(...args: readonly unknown[]) {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger as unknown as vega.LoggerInterface;
}

export function compileChart(spec: TopLevelSpec): Compiled {
  const warnings: string[] = [];
  const vg = compile(spec, { logger: capturingLogger(warnings) }).spec as vega.Spec;
  return { vg, warnings };
}

/** Runs the dataflow headless and returns the view (finalize it when done). */
export async function headlessView(spec: TopLevelSpec): Promise<{ view: vega.View; warnings: string[] }> {
  const { vg, warnings } = compileChart(spec);
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logger: capturingLogger(warnings), logLevel: vega.Warn });
  await view.runAsync();
  return { view, warnings };
}

export async function renderSvg(spec: TopLevelSpec): Promise<{ svg: string; warnings: string[] }> {
  const { view, warnings } = await headlessView(spec);
  try {
    return { svg: await view.toSVG(), warnings };
  } finally {
    view.finalize();
  }
}

/**
 * Data marks drawn, by mark type, guides (axes, legends, titles, headers) excluded: a line or area
 * counts once per path (one per series), other marks once per item (e.g. { line: 8, symbol: 240 }).
 */
export function countMarks(view: vega.View): Record<string, number> {
  const counts: Record<string, number> = {};
  type Node = { marktype?: string; role?: string; items?: Node[] };
  const guide = /^(axis|legend|title)|-(header|title|footer|labels?)$/;
  const walk = (n: Node): void => {
    if (n.role !== undefined && guide.test(n.role)) return;
    if (n.marktype !== undefined && n.role === 'mark' && n.marktype !== 'group') {
      const k = n.marktype;
      const paths = k === 'line' || k === 'area' || k === 'trail';
      counts[k] = (counts[k] ?? 0) + (paths ? ((n.items?.length ?? 0) > 0 ? 1 : 0) : (n.items?.length ?? 0));
      return;
    }
    for (const it of n.items ?? []) walk(it);
  };
  walk((view.scenegraph() as unknown as { root: Node }).root);
  return counts;
}

let resvgModule: Promise<typeof import('@resvg/resvg-js')> | undefined;

/** SVG → PNG at `scale`× (2 = crisp on screens), with system fonts (DejaVu/Liberation on Debian). */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  resvgModule ??= import('@resvg/resvg-js');
  const { Resvg } = await resvgModule;
  const r = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return Buffer.from(r.render().asPng());
}

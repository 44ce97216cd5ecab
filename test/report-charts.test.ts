/**
 * Each chart function alone: its spec compiles with vega-lite without warnings and renders headless
 * to SVG with the expected number of marks (per series: one line/area path; per row: one point).
 */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { auditChart, auditPoints } from '../src/report/charts/audit.ts';
import { gradVarianceChart, postMomentChart, preVarianceChart, unitFractionChart } from '../src/report/charts/layers.ts';
import { sampleImages, samplesChart } from '../src/report/charts/samples.ts';
import { accuracyChart, lossChart } from '../src/report/charts/training.ts';
import { trainabilityChart } from '../src/report/charts/trainability.ts';
import { encodePng } from '../src/report/png.ts';
import { countMarks, headlessView, renderSvg, svgToPng } from '../src/report/render.ts';
import * as R from '../src/report/rows.ts';
import { synthAudit, synthCheck, synthRecords, synthSamples } from '../src/results/synth.ts';

// seed-claims-like: 4 inits × relu/tanh × depths 10, 30 × 3 seeds, plus one failed run.
const probe = synthRecords().records;
// he2015-like: he/xavier × relu × depths 22, 30 × 3 seeds, 200 steps, one stalled-out and one diverged.
const trained = synthRecords({ suite: 'he2015', inits: ['he-normal', 'xavier-normal'], activations: ['relu'], depths: [22, 30], train: true }).records;

async function marks(spec: TopLevelSpec): Promise<{ counts: Record<string, number>; warnings: string[]; svg: string }> {
  const { view, warnings } = await headlessView(spec);
  try {
    return { counts: countMarks(view), warnings, svg: await view.toSVG() };
  } finally {
    view.finalize();
  }
}

describe('per-layer charts (probe at init)', () => {
  const cases = [
    { name: 'pre-activation variance', metric: 'preVariance', log: true, chart: preVarianceChart, theory: true, band: true },
    { name: 'gradient variance', metric: 'gradPreVariance', log: true, chart: gradVarianceChart, theory: true, band: false },
    { name: 'post-activation second moment', metric: 'postSecondMoment', log: true, chart: postMomentChart, theory: false, band: false },
    { name: 'dead or saturated units', metric: 'unitFraction', log: false, chart: unitFractionChart, theory: false, band: false },
  ] as const;
  for (const c of cases) {
    it(`${c.name}: 2 activation panels × 4 inits, 30 layers of the deepest net, no warnings`, async () => {
      const { rows, line } = R.layerRows(probe, c.metric, { log: c.log });
      // every run shares every setting but initializer, activation and depth: nothing for the chart to add
      expect(line).toBeNull();
      // the deepest net (30) per setting; 2 panels × 4 inits × 30 layers measured (+ as many theory)
      expect(rows.filter((r) => r.series === 'measured')).toHaveLength(2 * 4 * 30);
      expect(rows.filter((r) => r.series === 'theory')).toHaveLength(c.theory ? 2 * 4 * 30 : 0);
      expect(new Set(rows.map((r) => r.panel))).toEqual(new Set(['relu', 'tanh']));
      const { counts, warnings, svg } = await marks(c.chart(rows));
      expect(warnings).toEqual([]);
      // per (panel, init): a seed band and a measured line, a theory line (and its finite-width band)
      // when the probe has one, a point per layer
      expect(counts).toEqual({ area: c.band ? 16 : 8, line: c.theory ? 16 : 8, symbol: 240 });
      expect(svg).toContain('<svg');
      expect(svg).toContain(c.name === 'dead or saturated units' ? 'dead or saturated (fraction)' : 'layer (1 = first conv)');
    });
  }

  it('pre-activation variance rows: Xavier+ReLU halves per layer (×0.92 padding), He holds', () => {
    const rows = R.layerRows(probe, 'preVariance', { log: true }).rows.filter((r) => r.panel === 'relu' && r.series === 'measured');
    const at = (init: string, layer: number) => rows.find((r) => r.init === init && r.layer === layer)!.value;
    expect((at('xavier-normal', 30) / at('xavier-normal', 1)) ** (1 / 29)).toBeCloseTo(0.5 * 0.918, 1);
    expect((at('he-normal', 30) / at('he-normal', 1)) ** (1 / 29)).toBeCloseTo(0.918, 1);
    for (const r of rows) expect(r.lo! <= r.value && r.value <= r.hi!).toBe(true);
  });

  it('a single panel is a plain layered chart, without a facet', async () => {
    const { rows } = R.layerRows(synthRecords({ activations: ['relu'], inits: ['he-normal'], failedMessage: null }).records, 'preVariance', { log: true });
    const spec = preVarianceChart(rows) as { facet?: unknown; layer?: unknown };
    expect(spec.facet).toBeUndefined();
    const { counts, warnings } = await marks(spec as TopLevelSpec);
    expect(warnings).toEqual([]);
    expect(counts).toEqual({ area: 2, line: 2, symbol: 30 });
  });
});

describe('training charts', () => {
  it('loss: 2 depth panels × 2 inits, 100 bucket means each (200 steps), log y', async () => {
    const { rows } = R.lossRows(trained);
    expect(rows).toHaveLength(4 * 100);
    const { counts, warnings } = await marks(lossChart(rows));
    expect(warnings).toEqual([]);
    expect(counts).toEqual({ area: 4, line: 4, symbol: 400 });
  });

  it('accuracy: 10 evals per run, one chance rule per panel', async () => {
    const { rows } = R.accuracyRows(trained);
    expect(rows).toHaveLength(4 * 10);
    const { counts, warnings } = await marks(accuracyChart(rows, R.chanceRows(trained, rows)));
    expect(warnings).toEqual([]);
    expect(counts).toEqual({ area: 4, line: 4, symbol: 40, rule: 2 });
  });
  it('accuracy: each panel\'s chance rule is its own runs\' chance (2 vs 10 classes)', async () => {
    const ten = trained.map((r) => ({
      ...r, id: `${r.id}-10`,
      spec: { ...r.spec, id: `${r.spec.id}-10`, arch: { ...r.spec.arch, classes: 10 } },
      ...(r.train !== null ? { train: { ...r.train, chance: 0.1 } } : {}),
    })) as typeof trained;
    const two = trained.map((r) => ({
      ...r,
      spec: { ...r.spec, arch: { ...r.spec.arch, classes: 2 } },
      ...(r.train !== null ? { train: { ...r.train, chance: 0.5 } } : {}),
    })) as typeof trained;
    const all = [...two, ...ten];
    const { rows } = R.accuracyRows(all);
    const chance = R.chanceRows(all, rows);
    expect(chance).toHaveLength(4);
    for (const c of chance) expect(c.chance).toBe(c.panel.includes('10-class head') ? 0.1 : 0.5);
    const { view } = await headlessView(accuracyChart(rows, chance));
    try {
      // the rule marks' y positions: one level per class count
      type Node = { marktype?: string; role?: string; y?: number; items?: Node[] };
      const walk = (n: Node): Node[] => [n, ...(n.items ?? []).flatMap(walk)];
      const ys = walk((view.scenegraph() as unknown as { root: Node }).root)
        .filter((n) => n.marktype === 'rule' && n.role === 'mark')
        .flatMap((n) => (n.items ?? []).map((i) => i.y));
      expect(ys).toHaveLength(4);
      expect(new Set(ys).size).toBe(2);
    } finally {
      view.finalize();
    }
  });

  it('trainability: 2 depths × 2 inits, non-ok cells outlined', async () => {
    const cells = R.trainabilityRows(trained).rows;
    expect(cells).toHaveLength(4);
    const he30 = cells.find((c) => c.init === 'he-normal' && c.depth === 30)!;
    const xa30 = cells.find((c) => c.init === 'xavier-normal' && c.depth === 30)!;
    expect(he30.accuracy!).toBeGreaterThan(0.7);
    expect(xa30.accuracy!).toBeLessThan(0.15);
    expect(xa30.stalled + xa30.diverged).toBe(3);
    expect(xa30.label).toMatch(/stalled 2\/3 · diverged 1\/3/);
    const { counts, warnings } = await marks(trainabilityChart(cells));
    expect(warnings).toEqual([]);
    const flagged = cells.filter((c) => c.stalled + c.diverged + c.failed > 0).length;
    expect(flagged).toBe(3); // he-22 (failed 1/4), xavier-22, xavier-30
    expect(counts).toEqual({ rect: 4 + flagged, text: 4 });
  });

  it('beside untrained runs, a trained panel is "trained" and the chart line states what the trained runs share', () => {
    const mixed = [...probe.filter((r) => r.spec.train === null), ...trained];
    const { rows, line } = R.layerRows(mixed, 'preVariance', { log: true });
    expect(new Set(rows.map((r) => r.panel))).toEqual(new Set(['relu', 'tanh', 'relu · trained']));
    // the trained runs differ in head, data and the recipe: named once, in the line, not on the panel
    expect(line).toBe(
      '“trained”: 10-class head · synthetic d=0.5 · 2000/500 examples · momentum · lr 0.01 · batch 32 · 200 steps · constant lr · momentum 0.9 · ' +
        'weight decay 0 · warmup 0 · eval every 20 · target 0.5.',
    );
  });
  it('runs that differ only in a setting outside the old axes (lr schedule) get their own cells, not pooled as seeds', () => {
    const cosine = trained.map((r) => ({ ...r, id: `${r.id}-cos`, spec: { ...r.spec, id: `${r.spec.id}-cos`, train: { ...r.spec.train!, schedule: { kind: 'cosine' as const } } } }));
    const cells = R.trainabilityRows([...trained, ...cosine]).rows;
    expect(cells).toHaveLength(8);
    expect(new Set(cells.map((c) => c.panel))).toEqual(new Set(['constant lr', 'cosine lr']));
    expect(Math.max(...cells.map((c) => c.runs))).toBe(Math.max(...R.trainabilityRows(trained).rows.map((c) => c.runs)));
  });
});

describe('side charts', () => {
  it('initializer audit: a CI bar and a point per row, one reference rule; tfjs truncation flagged', async () => {
    const pts = auditPoints(synthAudit());
    expect(pts.filter((p) => p.verdict === 'deviates').map((p) => p.init)).toEqual(['tfjs:heNormal', 'tfjs:glorotNormal']);
    const { counts, warnings } = await marks(auditChart(pts));
    expect(warnings).toEqual([]);
    expect(counts).toEqual({ rule: 8 + 1, symbol: 8 });
  });

  it('data samples: 6 images per class as PNG data URLs', async () => {
    const imgs = sampleImages(synthSamples());
    expect(imgs).toHaveLength(60);
    expect(imgs[0]!.url.startsWith('data:image/png;base64,iVBORw0KGgo')).toBe(true);
    const { counts, warnings, svg } = await marks(samplesChart(imgs));
    expect(warnings).toEqual([]);
    expect(counts).toEqual({ image: 60 });
    expect(svg.match(/<image /g)).toHaveLength(60);
  });
});

describe('renderers', () => {
  it('PNG encoder: IHDR and inflated pixels round-trip', () => {
    const px = Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 13);
    const png = encodePng(px, 3, 2, 3);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(3);
    expect(png.readUInt32BE(20)).toBe(2);
    const idatLen = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('ascii')).toBe('IDAT');
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLen));
    expect([...raw]).toEqual([0, ...px.slice(0, 9), 0, ...px.slice(9)]);
  });

  it('SVG → PNG through resvg with text drawn (a 2× raster of the SVG size)', async () => {
    const { svg } = await renderSvg(preVarianceChart(R.layerRows(probe, 'preVariance', { log: true }).rows));
    const w = Number(/<svg[^>]*width="(\d+)"/.exec(svg)![1]);
    const png = await svgToPng(svg);
    expect(png.readUInt32BE(16)).toBe(2 * w);
    expect(png.length).toBeGreaterThan(20_000);
  });
});

describe('facet labels', () => {
  it('wrap at the " · " separators into lines of at most the given width, keeping every part', async () => {
    const { wrapPanelLabel } = await import('../src/report/charts/common.ts');
    const label = 'relu · width 32 · no downsampling · no bias · input 32×32×3 · probe gaussian σ=1 n=8';
    const lines = wrapPanelLabel(label, 37);
    expect(lines).toEqual(['relu · width 32 · no downsampling', 'no bias · input 32×32×3', 'probe gaussian σ=1 n=8']);
    expect(lines.join(' · ')).toBe(label);
    // a single part longer than the width stays whole on its own line
    expect(wrapPanelLabel('a-very-long-single-part · b', 5)).toEqual(['a-very-long-single-part', 'b']);
  });
});

describe('beyond variance (issue 15): correlation, ξ_c, Jacobian, phase diagram, theory card', async () => {
  const { loadSuite } = await import('../src/suite/index.ts');
  const { synthSuiteRecords } = await import('../src/results/synth.ts');
  const T = await import('../src/theory/index.ts');
  const E = await import('../src/report/rows-eoc.ts');
  const C = await import('../src/report/charts/eoc.ts');
  const tanh = { name: 'tanh' as const };
  // edge-of-chaos-quick's plan (5 σ_w² × depths 5–80, σ_b² 0.05), records whose correlations follow theory
  // (measured = theory + 0.01) and whose nets learn exactly when depth ≤ 4·ξ_c: the fit must find 4
  const TRUE_MULTIPLE = 4;
  const loaded = loadSuite('suites/edge-of-chaos-quick.json');
  const base = synthSuiteRecords({ name: loaded.plan.name, file: loaded.file, hash: loaded.hash, source: loaded.source, runs: loaded.plan.runs }).records;
  const eoc = base.map((r) => {
    if (r.status === 'failed' || r.probe === null || r.train === null) throw new Error('synth: every run probes and trains');
    const sw = r.spec.init.gain! ** 2;
    const fp = T.correlationFixedPoint(tanh, sw, 0.05);
    const mf = T.meanField(tanh, sw, 0.05);
    const traj = T.correlationTrajectory(tanh, sw, 0.05, 1, 0.5, r.spec.arch.depth);
    const layers = r.probe.layers.map((l) => (l.kind !== 'conv' ? { ...l, correlation: null } : {
      ...l,
      theory: { ...l.theory, meanField: { sigmaW2: sw, qStar: mf.qStar, chi1: mf.chi1, depthScale: mf.depthScale, converged: mf.converged } },
      correlation: { measured: traj[l.index]! + 0.01, stderr: 0.02, theory: traj[l.index]! },
    }));
    const trains = r.spec.arch.depth <= TRUE_MULTIPLE * fp.xiC;
    const xi = Number.isFinite(fp.xiC) ? fp.xiC : null;
    const probe = { ...r.probe, layers, correlation: { cStar: fp.cStar, chiC: fp.chiC, xiTheory: xi, xiMeasured: xi === null ? null : xi * 1.1, xiStderr: xi === null ? null : xi * 0.05, fit: 'test' } };
    const train = { ...r.train, finalAccuracy: trains ? 0.9 : 0.25 };
    return trains ? { ...r, status: 'ok' as const, probe, train } : { ...r, status: 'stalled' as const, probe, train, reason: 'test' };
  });

  it('σ_w² and σ_b² of a run: gain² from the probe theory, σ_b² = std² of the normal biases (0.05)', () => {
    const gains = [...new Set(eoc.map((r) => E.sigmaW2Of(r)))].sort((a, b) => a! - b!);
    expect(gains).toEqual([1, 1.5, 1.76095, 2.5, 4]);
    expect(new Set(eoc.map((r) => E.sigmaB2Of(r.spec)))).toEqual(new Set([0.05]));
  });

  it('correlation per layer: 5 series at depth 80, measured − theory = 0.01 on each of 80 layers; the chart draws them without warnings', async () => {
    const { rows } = E.correlationRows(eoc);
    expect(new Set(rows.map((r) => r.init)).size).toBe(5);
    const m = rows.filter((r) => r.series === 'measured');
    const t = rows.filter((r) => r.series === 'theory');
    expect(m).toHaveLength(5 * 80);
    for (const r of m) {
      const th = t.find((x) => x.init === r.init && x.layer === r.layer)!;
      expect(Math.abs(r.value - th.value - 0.01)).toBeLessThanOrEqual(1e-12);
      // one seed: its own standard error
      expect(Math.abs(r.hi! - r.value - 0.02)).toBeLessThanOrEqual(1e-12);
    }
    const { counts, warnings } = await marks(C.correlationChart(rows));
    expect(warnings).toEqual([]);
    expect(counts).toEqual({ line: 5, rule: 400, symbol: 400 });
  });

  it('ξ_c: the measured points are theory × 1.1 where finite; theory diverges at the critical σ_w² (capped at XI_CAP there)', async () => {
    const { rows, crit } = E.xiRows(eoc);
    expect(crit).toHaveLength(1);
    expect(Math.abs(crit[0]!.sigmaW2 - 1.760954639606941)).toBeLessThanOrEqual(1e-6);
    const m = rows.filter((r) => r.series === 'measured');
    // 1.76095 is the critical σ_w² to 6 digits (the suite's gain to 8): ξ_c is large there but finite
    expect(m.map((r) => r.sigmaW2).sort((a, b) => a - b)).toEqual([1, 1.5, 1.76095, 2.5, 4]);
    for (const r of m.filter((x) => x.sigmaW2 !== 1.76095)) expect(Math.abs(r.xi / T.correlationFixedPoint(tanh, r.sigmaW2, 0.05).xiC - 1.1)).toBeLessThanOrEqual(1e-3);
    expect(Math.max(...rows.filter((r) => r.series === 'theory').map((r) => r.xi))).toBe(E.XI_CAP);
    const { counts, warnings } = await marks(C.xiChart(rows, crit));
    expect(warnings).toEqual([]);
    expect(counts).toEqual({ line: 1, rule: 1 + 5, symbol: 5 });
  });

  it(`phase diagram: 25 cells; the fit recovers the generating multiple ${TRUE_MULTIPLE} (inside its interval, 0 cells wrong); the paper's 6 beside it`, async () => {
    const { cells, curve, fits } = E.phaseRows(eoc);
    expect(cells).toHaveLength(25);
    expect(fits).toHaveLength(1);
    const f = fits[0]!;
    expect(f.errors).toBe(0);
    expect(f.range[0]).toBeLessThanOrEqual(TRUE_MULTIPLE);
    expect(f.range[1]).toBeGreaterThanOrEqual(TRUE_MULTIPLE);
    expect(f.paper).toBe(6);
    expect(f.text).toContain('Schoenholz et al.: ≈ 6 ξ_c');
    // cells tile the plane: each cell's right edge is the next σ_w²'s left edge
    const row = cells.filter((c) => c.depth === 5).sort((a, b) => a.sigmaW2 - b.sigmaW2);
    for (let i = 1; i < row.length; i++) expect(row[i]!.x0).toBe(row[i - 1]!.x1);
    expect(curve.some((p) => p.series === 'fitted') && curve.some((p) => p.series === 'paper')).toBe(true);
    const { counts, warnings } = await marks(C.phaseDiagramChart(cells, curve, fits));
    expect(warnings).toEqual([]);
    const failing = cells.filter((c) => !c.trains).length;
    expect(failing).toBeGreaterThan(0);
    expect(counts).toEqual({ rect: 25 + failing, line: 2 });
  });

  it('fitTrainableMultiple: depth/ξ ratios 1, 2 train and 5, 8 do not → m in [2, 5], reported √10; all train → unbounded (null)', () => {
    const cells = [1, 2, 5, 8].map((d) => ({ depth: d, xi: 1, trains: d <= 3 }));
    expect(E.fitTrainableMultiple(cells)).toEqual({ multiple: Math.sqrt(10), range: [2, 5], errors: 0 });
    expect(E.fitTrainableMultiple(cells.map((c) => ({ ...c, trains: true })))).toMatchObject({ multiple: null, range: [8, Infinity], errors: 0 });
  });

  it('Jacobian moments and histogram: pooled over seeds, theory beside; the charts draw without warnings', async () => {
    const jac = eoc.slice(0, 10).map((r, i) => ({
      ...r,
      probe: { ...r.probe!, jacobian: { method: 'exact' as const, output: 'a_L', singularValues: [0.5, 1, 2, 4], meanS2: 5.3125 + i * 0, meanS2Stderr: null, varS2: 1, varS2Stderr: 0.1, theory: { meanS2: 5, varS2: 1.2 } } },
    }));
    const { moments, hist } = E.jacobianRows(jac);
    const m = moments.filter((r) => r.series === 'measured' && r.stat === 'mean of s²');
    expect(m.length).toBeGreaterThan(0);
    for (const r of m) expect(r.value).toBe(5.3125);
    // s² = 0.25, 1, 4, 16 spread over 30 log bins: each of the 4 values lands in one bin, a quarter each
    const perSeries = hist.filter((h) => h.init === hist[0]!.init && h.depth === hist[0]!.depth);
    expect(perSeries.filter((h) => h.share > 0).map((h) => h.share)).toEqual([0.25, 0.25, 0.25, 0.25]);
    for (const spec of [C.jacobianMomentsChart(moments), C.jacobianHistogramChart(hist)]) {
      const { warnings } = await marks(spec);
      expect(warnings, JSON.stringify(warnings)).toEqual([]);
    }
  });

  it('theory card: one row per setting with χ₁ < 1 ordered, = 1 critical, > 1 chaotic; the (σ_w², σ_b²) chart marks the 5 settings', async () => {
    const { table, grid, boundary, points } = E.theoryCardRows(eoc);
    expect(table.map((r) => r.sigmaW2)).toEqual([1, 1.5, 1.76095, 2.5, 4]);
    expect(table.map((r) => r.phase)).toEqual(['ordered', 'ordered', 'critical', 'chaotic', 'chaotic']);
    for (const r of table) expect(Math.abs(r.chi1! - T.meanField(tanh, r.sigmaW2, 0.05).chi1!)).toBeLessThanOrEqual(1e-12);
    // the χ₁ = 1 line, 17 points over σ_b² ∈ [0, 0.1]: it moves right as σ_b² grows (tanh: σ_w² = 1 at σ_b² = 0)
    expect(boundary).toHaveLength(17);
    expect(Math.abs(boundary[0]!.sigmaW2 - 1)).toBeLessThanOrEqual(1e-6);
    for (let i = 1; i < boundary.length; i++) expect(boundary[i]!.sigmaW2).toBeGreaterThan(boundary[i - 1]!.sigmaW2);
    expect(points).toHaveLength(5);
    const { counts, warnings } = await marks(C.theoryPhaseChart(grid, boundary, points));
    expect(warnings).toEqual([]);
    expect(counts).toEqual({ rect: grid.length, line: 1, symbol: 5 });
  });

  it('records without correlation or Jacobian fields (older ones) give no rows: the charts stay off the page', () => {
    expect(E.correlationRows(probe).rows).toEqual([]);
    expect(E.xiRows(probe).rows).toEqual([]);
    expect(E.jacobianRows(probe).moments).toEqual([]);
    expect(E.phaseRows(trained).cells).toEqual([]);
    expect(E.theoryCardRows(probe).table).toEqual([]);
  });
});

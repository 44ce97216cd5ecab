/**
 * The probe charts beyond the per-layer lines: the seed's law against depth and against width, the
 * per-layer histograms (re-binned onto one value grid per run) and the signal-propagation plot. Rows
 * against the arithmetic that generated them; specs compile without warnings and draw what they should.
 */
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import type { Histogram, RunRecord } from '../src/core/types.ts';
import { histogramCurves, histogramHeatmap } from '../src/report/charts/histograms.ts';
import { depthLawChart, widthLawChart } from '../src/report/charts/law.ts';
import { signalChart } from '../src/report/charts/signal.ts';
import { countMarks, headlessView } from '../src/report/render.ts';
import { depthLawRows, fittedFactor, GRID_CELLS, histogramRows, signalRows, widthLawRows } from '../src/report/rows-probe.ts';

import { synthRecords } from '../src/results/synth.ts';
import { tapFraction } from '../src/theory/index.ts';

async function marks(spec: TopLevelSpec): Promise<{ counts: Record<string, number>; warnings: string[] }> {
  const { view, warnings } = await headlessView(spec);
  try {
    return { counts: countMarks(view), warnings };
  } finally {
    view.finalize();
  }
}

// seed-claims-like: 4 inits × relu/tanh × depths 10, 30 × 3 seeds (+ a failed run), 16×16 inputs, width 16
const claims = synthRecords().records;
/** zero padding's share of a 3×3 window's taps on 16×16 maps: what the synthetic nets lose per layer besides ReLU's half */
const PAD = tapFraction(16, 3) ** 2;

describe('the seed’s law against depth', () => {
  const law = depthLawRows(claims);

  it('fittedFactor: exp of the least-squares slope of ln y (3·0.7^x → 0.7 exactly)', () => {
    expect(fittedFactor([1, 2, 5, 9].map((x) => ({ x, y: 3 * 0.7 ** x })))).toBeCloseTo(0.7, 12);
    expect(fittedFactor([{ x: 4, y: 1 }, { x: 4, y: 2 }])).toBeNull();
  });

  it('a line per panel × init, every depth (10, 30), median over the 3 seeds', () => {
    const measured = law.rows.filter((r) => r.series === 'measured');
    expect(measured).toHaveLength(2 * 4 * 2);
    expect(measured.every((r) => r.seeds === 3)).toBe(true);
    expect(new Set(law.rows.map((r) => r.panel))).toEqual(new Set(['relu', 'tanh']));
    // the failed run has no probe and counts nowhere
    expect(law.rows.filter((r) => r.series === 'measured').reduce((a, r) => a + r.seeds, 0)).toBe(48);
  });

  it('Xavier + ReLU: the fitted factor is ½ × padding (theory exactly, measured within 3%); He keeps the padding factor only', () => {
    const fit = (init: string) => law.fits.find((f) => f.panel === 'relu' && f.init === init)!;
    expect(fit('xavier-normal').theoryFactor!).toBeCloseTo(0.5 * PAD, 9);
    expect(Math.abs(fit('xavier-normal').factor / (0.5 * PAD) - 1)).toBeLessThan(0.03);
    expect(fit('he-normal').theoryFactor!).toBeCloseTo(PAD, 9);
    expect(Math.abs(fit('he-normal').factor / PAD - 1)).toBeLessThan(0.03);
    expect(fit('he-normal')).toMatchObject({ from: 10, to: 30 });
  });

  it('references: (½)^(L−1) and 1 at every depth of the panel’s span', () => {
    const half = law.refs.filter((r) => r.panel === 'relu' && r.ref === 'half');
    expect(half.map((r) => r.x)).toEqual(Array.from({ length: 21 }, (_, i) => 10 + i));
    for (const r of half) expect(r.value).toBe(0.5 ** (r.x - 1));
    expect(law.refs.filter((r) => r.ref === 'one').every((r) => r.value === 1)).toBe(true);
  });

  it('chart: no warnings; measured and theory lines per panel × init, two reference lines per panel, a point per depth', async () => {
    const { counts, warnings } = await marks(depthLawChart(law.rows, law.refs, law.fits));
    expect(warnings).toEqual([]);
    expect(counts.line).toBe(2 * 4 * 2 + 2 * 2);
    expect(counts.symbol).toBe(2 * 4 * 2);
    // the fitted-factor labels (those not overprinting another of their panel) and the two reference labels per panel
    expect(counts.text).toBeGreaterThanOrEqual(4 + 2);
    expect(counts.text).toBeLessThanOrEqual(8 + 4);
  });

  it('a one-layer net, whose summary has no ratio, starts the line at Var(z_1)/Var(z_1) = 1', () => {
    const recs = synthRecords({ depths: [1, 10], inits: ['he-normal'], activations: ['relu'], failedMessage: null }).records.map((r): RunRecord =>
      r.spec.arch.depth !== 1 || r.probe === null
        ? r
        : ({ ...r, probe: { ...r.probe, summary: { perLayerRatio: null, theoryPerLayerRatio: null, lastOverFirst: null, theoryLastOverFirst: null } } } as RunRecord),
    );
    const rows = depthLawRows(recs).rows.filter((r) => r.x === 1);
    expect(rows.map((r) => [r.series, r.value, r.seeds])).toEqual([['measured', 1, 3], ['theory', 1, 3]]);
  });

  it('runs at a single depth only (no sweep) give no rows', () => {
    expect(depthLawRows(synthRecords({ depths: [10], failedMessage: null }).records).rows).toEqual([]);
  });
});

describe('per-layer ratio against width', () => {
  // He + ReLU at widths 8 and 64, depths 10 and 20, 3 seeds each
  const recs: RunRecord[] = [8, 64].flatMap((width) =>
    synthRecords({ inits: ['he-normal'], activations: ['relu'], depths: [10, 20], width, failedMessage: null }).records.map((r) => ({
      ...r, id: `${r.id}-w${width}`, spec: { ...r.spec, id: `${r.spec.id}-w${width}` },
    })),
  );
  const { rows } = widthLawRows(recs);

  it('a panel per depth, a dot per seed, the median and theory per width', () => {
    expect(new Set(rows.map((r) => r.panel))).toEqual(new Set(['depth 10', 'depth 20']));
    expect(rows.filter((r) => r.series === 'seed')).toHaveLength(2 * 2 * 3);
    for (const r of rows.filter((x) => x.series === 'theory')) expect(r.value).toBeCloseTo(PAD, 9);
    const at = (w: number) => rows.filter((r) => r.series === 'seed' && r.x === w && r.panel === 'depth 20').map((r) => r.value);
    // the synthetic spread shrinks as √(16/width): the narrow net's seeds scatter more
    const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    expect(spread(at(8))).toBeGreaterThan(spread(at(64)));
  });

  it('chart: no warnings; a line per panel and series, a dot per seed', async () => {
    const { counts, warnings } = await marks(widthLawChart(rows));
    expect(warnings).toEqual([]);
    expect(counts.line).toBe(2 * 2);
    expect(counts.symbol).toBe(2 * 2 + 12);
    expect(counts.rule).toBe(2 * 2);
  });
});

describe('histograms', () => {
  it('re-binning keeps every entry: each layer’s shares sum to 1 (under, over and exact zeros included)', () => {
    const { rows } = histogramRows(claims);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.f).toHaveLength(GRID_CELLS);
      expect(r.f.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
  });

  it('a hand-made run: a layer 1/100 as wide as the first lands in the one cell at 0; zeros join that cell', () => {
    const wide: Histogram = { center: 0, scale: 1, lo: -4, hi: 4, counts: Array.from({ length: 40 }, () => 10), under: 5, over: 5, zeros: 0, total: 410 };
    const narrow: Histogram = { ...wide, scale: 0.01, counts: Array.from({ length: 40 }, () => 1), under: 0, over: 0, zeros: 60, total: 100 };
    const base = claims.find((r) => r.status === 'ok' && r.spec.arch.depth === 10)!;
    if (base.status !== 'ok' || base.probe === null) throw new Error('synth changed');
    const layers = base.probe.layers.slice(0, 2).map((l, i) => ({ ...l, histograms: { pre: i === 0 ? wide : narrow, post: null, gradPre: null } }));
    const rec = { ...base, probe: { ...base.probe, layers } } as RunRecord;
    const { rows } = histogramRows([rec]);
    expect(rows).toHaveLength(2);
    const [a, b] = rows;
    // the grid spans the wide layer's bins and its under/overflow bin: [−4.2, 4.2] in 41 cells, 0 the centre of cell 20
    expect(a!.lo).toBeCloseTo(-4.2, 12);
    expect(a!.w).toBeCloseTo(8.4 / 41, 12);
    expect(a!.spread).toBe(1);
    expect(b!.spread).toBeCloseTo(0.01, 12);
    // ±0.04 of the narrow layer (and its zeros) is well inside cell 20's ±0.102
    expect(b!.f[20]).toBeCloseTo(1, 12);
    expect(b!.zeros).toBeCloseTo(0.6, 12);
    // the wide layer: its underflow spread over [−4.2, −4.0), which cell 0 (−4.2 … −3.995) holds whole, plus the
    // bin [−4.0, −3.8)'s share in cell 0: (−3.995 + 4.0)/0.2 of its 10
    expect(a!.f[0]).toBeCloseTo((5 + 10 * ((-4.2 + 8.4 / 41 + 4) / 0.2)) / 410, 12);
  });

  it('Xavier + ReLU collapses: its last layer is (½·padding)^29 as wide as its first and fills one cell; He’s stays wide', () => {
    const { rows } = histogramRows(claims);
    const last = (init: string) => {
      const rs = rows.filter((r) => r.init === init && r.panel.includes('relu') && r.tensor === 'pre');
      return rs.reduce((a, r) => (r.layer > a.layer ? r : a));
    };
    const xavier = last('xavier-normal');
    expect(xavier.layer).toBe(30);
    // std ratio = √(variance ratio); seed noise at layer 30 is e^(±0.04·√30·z), so within a factor 2
    expect(xavier.spread / Math.sqrt((0.5 * PAD) ** 29)).toBeGreaterThan(0.5);
    expect(xavier.spread / Math.sqrt((0.5 * PAD) ** 29)).toBeLessThan(2);
    expect(xavier.f.filter((x) => x > 0).length).toBe(1);
    expect(last('he-normal').spread).toBeGreaterThan(0.2);
    expect(last('he-normal').f.filter((x) => x > 0.005).length).toBeGreaterThanOrEqual(8);
  });

  it('charts: no warnings; the heatmap draws a cell per non-empty share of the pre-activation grid, the curves ≤ 5 layers', async () => {
    const { rows, runs } = histogramRows(claims);
    const heat = await marks(histogramHeatmap(rows));
    expect(heat.warnings).toEqual([]);
    expect(heat.counts.rect).toBe(rows.filter((r) => r.tensor === 'pre').reduce((a, r) => a + r.f.filter((x) => x > 0).length, 0));
    const curves = await marks(histogramCurves(rows, runs, { initial: runs.find((r) => r.startsWith('xavier-normal') && r.includes('relu'))! }));
    expect(curves.warnings).toEqual([]);
    expect(curves.counts.line).toBe(5);
  });
});

describe('signal propagation', () => {
  it('plain nets: channel squared mean and variance per layer (their sum the second moment), no branch', () => {
    const { rows, stats } = signalRows(claims);
    expect(stats).toEqual(['sqMean', 'variance']);
    const he = claims.find((r) => r.status === 'ok' && r.spec.init.name === 'he-normal' && r.spec.activation.name === 'relu' && r.spec.arch.depth === 30)!;
    const l5 = he.probe!.layers[4]!;
    expect(l5.signal!.post.sqMean! + l5.signal!.post.variance!).toBeCloseTo(l5.post.secondMoment!, 12);
    expect(rows.filter((r) => r.panel === 'relu' && r.init === 'he-normal' && r.stat === 'variance')).toHaveLength(30);
  });

  it('residual nets: block outputs (odd layers) and the residual-branch variance from layer 3 on', async () => {
    const res = synthRecords({ arch: 'residual', depths: [9], inits: ['he-normal'], activations: ['relu'], failedMessage: null }).records;
    const { rows, stats } = signalRows(res);
    expect(stats).toEqual(['sqMean', 'variance', 'branch']);
    expect(rows.filter((r) => r.stat === 'variance').map((r) => r.layer)).toEqual([1, 3, 5, 7, 9]);
    expect(rows.filter((r) => r.stat === 'branch').map((r) => r.layer)).toEqual([3, 5, 7, 9]);
    const { counts, warnings } = await marks(signalChart(rows, stats));
    expect(warnings).toEqual([]);
    expect(counts.line).toBe(3);
  });

  it('chart: no warnings; a line per panel × init × statistic', async () => {
    const { rows, stats } = signalRows(claims);
    const { counts, warnings } = await marks(signalChart(rows, stats));
    expect(warnings).toEqual([]);
    expect(counts.line).toBe(2 * 4 * 2);
  });
});

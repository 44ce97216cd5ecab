/** The headline: sentences, the seed's claims with verdicts, and the terminal table, from records. */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/core/types.ts';
import { formatSummary, headline } from '../src/report/headline.ts';
import { panelOrder } from '../src/report/rows.ts';
import { tapFraction } from '../src/theory/index.ts';
import { fmt, fmtRatio, jsonForScript } from '../src/report/util.ts';
import { synthRecords } from '../src/results/synth.ts';
import { builtinRun } from '../src/arch/index.ts';

describe('headline', () => {
  const recs = synthRecords().records;
  const h = headline(recs);

  it('one sentence per initializer × activation at its deepest net, then the failures', () => {
    expect(h.sentences).toHaveLength(8 + 1);
    expect(h.sentences[0]).toMatch(/^he-normal \+ relu: variance × 0\.92 per layer \(theory 0\.92 with zero padding, which alone keeps × 0\.92 of the taps\); after 30 layers 0\.0\d+ of layer 1's variance\.$/);
    expect(h.sentences.at(-1)).toBe('1 of 49 runs failed (listed under "Failed runs").');
  });

  it('checks the seed claims on the numbers: halving, dying with depth, He ≈ 1', () => {
    expect(h.claims.map((c) => [c.claim, c.verdict])).toEqual([
      ['ReLU halves the variance per layer', 'holds'],
      ['Xavier + ReLU dies with depth: Var(L) = Var(0)·(½)^L', 'holds'],
      ['He keeps it ≈ 1', 'holds'],
    ]);
    expect(h.claims[0]!.measured).toBe('xavier-normal + relu (depth 30): × 0.46 per layer = 0.50 × padding 0.92');
  });

  it('He that loses 20% per layer, outside the finite-width band, does not hold', () => {
    const shrunk = recs.map((r): RunRecord => {
      if (r.status === 'failed' || r.probe === null || r.spec.init.name !== 'he-normal') return r;
      const layers = r.probe.layers.map((l, i) => ({
        ...l,
        pre: { ...l.pre, variance: l.pre.variance! * 0.8 ** i },
        theory: { ...l.theory, preVarianceBand: [l.theory.preVariance! * 0.8, l.theory.preVariance! * 1.25] as [number, number] },
      }));
      return { ...r, probe: { ...r.probe, layers, summary: { ...r.probe.summary, perLayerRatio: r.probe.summary.perLayerRatio! * 0.8 } } };
    });
    const he = headline(shrunk).claims.find((c) => c.claim === 'He keeps it ≈ 1')!;
    expect(he.verdict).toBe('does not hold');
    expect(he.measured).toMatch(/× 0\.73 per layer = 0\.80 × padding 0\.92; .*outside the finite-width band/);
  });

  it('terminal table: aligned columns and the report path last', () => {
    const text = formatSummary(h.rows, 'results/x/report.html');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^setting\s+depth\s+×\/layer\s+theory\s+last\/first\s+final acc\s+runs$/);
    expect(lines).toHaveLength(2 + 8 + 1);
    expect(lines.at(-1)).toBe('report: results/x/report.html');
    // right-aligned numeric columns end at the same offset on every row
    const depthEnd = lines[0]!.indexOf('depth') + 'depth'.length;
    for (const l of lines.slice(2, -1)) expect(l.slice(depthEnd - 2, depthEnd)).toMatch(/^\d\d$/);
    expect(lines.find((l) => l.startsWith('xavier-normal + relu'))).toMatch(/\s30\s+0\.46\s+0\.46\s+1\.\de-10\s+–\s+3 seeds$/);
  });
});

describe('helpers', () => {
  it('tapFraction: the share of a 3-tap window inside n pixels with zero padding', () => {
    expect(tapFraction(1, 3)).toBeCloseTo(1 / 3, 12);
    expect(tapFraction(16, 3)).toBeCloseTo((16 * 3 - 2) / 48, 12);
    expect(tapFraction(32, 3) ** 2).toBeCloseTo(0.9588, 4);
  });

  it('panelOrder: the panel with most initializers first, relu before tanh, then natural order', () => {
    const rows = [
      { panel: 'selu · width 32', init: 'lecun-normal' },
      { panel: 'tanh · width 32', init: 'he-normal' },
      { panel: 'tanh · width 32', init: 'xavier-normal' },
      { panel: 'relu · width 8', init: 'he-normal' },
      { panel: 'relu · width 32', init: 'he-normal' },
      { panel: 'relu · width 32', init: 'xavier-normal' },
      { panel: 'gelu · width 32', init: 'lecun-normal' },
    ];
    expect(panelOrder(rows)).toEqual(['relu · width 32', 'tanh · width 32', 'relu · width 8', 'gelu · width 32', 'selu · width 32']);
  });

  it('number formats', () => {
    expect([fmt(0.4812), fmt(1.9e-10), fmt(12345), fmt(null), fmt(0)]).toEqual(['0.48', '1.9e-10', '1.2e4', '–', '0']);
    expect([fmtRatio(1), fmtRatio(0.5), fmtRatio(2.5e-4)]).toEqual(['1.00', '0.50', '2.5e-4']);
  });

  it('JSON for a script block cannot close it', () => {
    const s = jsonForScript({ name: '</script><!-- & \u2028' });
    expect(s).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(s)).toEqual({ name: '</script><!-- & \u2028' });
  });
});

describe('headline edge cases', () => {
  it('depth-1 nets have no per-layer ratio: the sentence gives the variance instead', () => {
    const h = headline(synthRecords({ depths: [1], inits: ['he-normal'], activations: ['relu'], failedMessage: null }).records);
    // He: Var(z₁) = 2·Var(x) = 2, up to the seeds' noise
    expect(h.sentences).toHaveLength(1);
    expect(h.sentences[0]).toMatch(/^he-normal \+ relu: depth 1, pre-activation variance (1\.9|2|2\.1) at its last conv layer\.$/);
    expect(formatSummary(h.rows, 'r.html')).toMatch(/he-normal \+ relu\s+1\s+–\s+–\s+1\s+–\s+3 seeds/);
  });

  it('only failed runs: no numbers, the failures counted', () => {
    const recs = synthRecords({ depths: [3], inits: ['he-normal'], activations: ['relu'], seeds: 1 }).records.filter((r) => r.status === 'failed');
    expect(headline(recs).sentences).toEqual(['1 of 1 runs failed (listed under "Failed runs").']);
    expect(headline(recs).claims).toEqual([]);
  });
});

describe('headline rows keep probe-only and trained settings apart', () => {
  it('a probe-only setting gets no accuracy from a trained setting of the same init and depth', () => {
    const recs = synthRecords({ train: true, seeds: 2 }).records.filter((r) => r.status !== 'failed');
    const trained = recs.find((r) => r.spec.train !== null)!;
    // The same init and depth as a trained run, but a different width and no training.
    const probed = recs.find((r) => r.probe !== null)!;
    const probeOnly: RunRecord[] = [0, 1].map((repeat) => ({
      ...probed,
      status: 'ok',
      train: null,
      spec: { ...trained.spec, id: `probe-only-${repeat}`, repeat, train: null, data: null, arch: { ...builtinRun(trained.spec).arch, width: builtinRun(trained.spec).arch.width * 2 } },
    }) as RunRecord);
    expect(probeOnly.length).toBeGreaterThan(0);
    const rows = headline([...recs, ...probeOnly]).rows;
    const wide = rows.filter((r) => r.setting.includes(`width ${builtinRun(trained.spec).arch.width * 2}`));
    expect(wide.length).toBeGreaterThan(0);
    for (const r of wide) {
      expect(r.finalAccuracy).toBeNull();
      expect(r.outcome).toMatch(/seeds?$/);
      expect(r.setting).not.toMatch(/·\s+·/);
    }
  });
});

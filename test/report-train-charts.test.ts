/**
 * Training, layer by layer: gradient and weight norms per layer over the steps (matched to their
 * layers through TrainResult.paramNames), and the probes taken during training beside the one at init.
 */
import { describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import type { RunRecord } from '../src/core/types.ts';
import { normHeatmap, normLines, trainProbeChart } from '../src/report/charts/inside-training.ts';
import { countMarks, headlessView } from '../src/report/render.ts';
import { normRows, trainProbeRows } from '../src/report/rows-train.ts';
import { median } from '../src/report/util.ts';
import { synthRecords } from '../src/results/synth.ts';

async function marks(spec: TopLevelSpec): Promise<{ counts: Record<string, number>; warnings: string[] }> {
  const { view, warnings } = await headlessView(spec);
  try {
    return { counts: countMarks(view), warnings };
  } finally {
    view.finalize();
  }
}

// he2015-like: he/xavier × relu × depth 30 × 3 seeds, 200 steps, evals every 20, probed at init and at steps 100 and 200
const trained = synthRecords({ suite: 'he2015', inits: ['he-normal', 'xavier-normal'], activations: ['relu'], depths: [30], train: true, atSteps: [0, 100, 200], failedMessage: null }).records;

describe('gradient and weight norms per layer', () => {
  const { rows } = normRows(trained);

  it('one row per init × metric × eval × kernel (30 convs and the head), the median over seeds', () => {
    // the last xavier seed diverged at step 40: its evals stop at 40, so later steps have 2 seeds
    expect(new Set(rows.map((r) => r.name)).size).toBe(31);
    expect(rows.filter((r) => r.init === 'he-normal' && r.metric === 'gradient')).toHaveLength(10 * 31);
    const runs = trained.filter((r) => r.spec.init.name === 'he-normal');
    const at = (r: RunRecord) => {
      const i = r.train!.paramNames!.indexOf('conv7/kernel');
      return r.train!.evals.find((e) => e.step === 100)!.gradNorms[i]!;
    };
    const row = rows.find((r) => r.init === 'he-normal' && r.metric === 'gradient' && r.name === 'conv7' && r.step === 100)!;
    expect(row.value).toBe(median(runs.map(at)));
    expect(row.seeds).toBe(3);
  });

  it('the lines pick the first, middle and last conv layer and the head', () => {
    expect([...new Set(rows.filter((r) => r.chosen).map((r) => r.name))]).toEqual(['conv1', 'conv15', 'conv30', 'head']);
  });

  it('records without paramNames are left out (no way to tell whose norm is whose)', () => {
    const old = trained.map((r) => (r.train === null ? r : { ...r, train: { ...r.train, paramNames: undefined } })) as RunRecord[];
    expect(normRows(old).rows).toEqual([]);
  });

  it('charts: no warnings; a cell per row in the heatmaps, a line per init in each of the 8 panels', async () => {
    const heat = await marks(normHeatmap(rows));
    expect(heat.warnings).toEqual([]);
    expect(heat.counts.rect).toBe(rows.length);
    const lines = await marks(normLines(rows));
    expect(lines.warnings).toEqual([]);
    expect(lines.counts.line).toBe(2 * 4 * 2);
  });
});

describe('probes during training', () => {
  const { rows } = trainProbeRows(trained);

  it('at init, at 100 and at 200 per init, with theory at init only', () => {
    expect([...new Set(rows.filter((r) => r.series === 'probe').map((r) => r.when))]).toEqual(['at init', 'step 100', 'step 200']);
    const theory = rows.filter((r) => r.series === 'theory');
    expect(theory.every((r) => r.step === 0 && r.metric === 'variance')).toBe(true);
    const he = trained.find((r) => r.spec.init.name === 'he-normal')!;
    const th = theory.find((r) => r.init === 'he-normal' && r.layer === 12)!;
    expect(th.value).toBe(median(trained.filter((r) => r.spec.init.name === 'he-normal').map((r) => r.probe!.layers[11]!.theory.preVariance!)));
    expect(he.train!.probes.map((p) => p.step)).toEqual([100, 200]);
  });

  it('a net that learns drifts from its at-init variance at the deep end; the diverged seed’s late probes are gone', () => {
    const v = (init: string, when: string, layer: number) => rows.find((r) => r.init === init && r.when === when && r.layer === layer && r.metric === 'variance')!;
    expect(v('he-normal', 'step 200', 30).value / v('he-normal', 'at init', 30).value).toBeGreaterThan(2);
    expect(v('xavier-normal', 'step 200', 30).seeds).toBe(2);
  });

  it('chart: no warnings; a line per init × probe for variance and for dead units, a theory line per init', async () => {
    const { counts, warnings } = await marks(trainProbeChart(rows));
    expect(warnings).toEqual([]);
    expect(counts.line).toBe(2 * 3 * 2 + 2);
  });
});

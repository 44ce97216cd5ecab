/**
 * Rows of the training charts that look inside the net: gradient and weight norms per layer over the
 * steps, and the probes taken during training (ProbeSpec.atSteps) beside the one at init.
 */
import type { LayerProbe, RunRecord } from '../core/types.ts';
import { trainLabels, trained, type ChartRows } from './rows.ts';
import { finite, groupBy, median, minMax } from './util.ts';

export type NormMetric = 'gradient' | 'weight';
export const NORM_TITLES: Record<NormMetric, string> = { gradient: 'gradient norm ‖∂L/∂W‖', weight: 'weight norm ‖W‖' };

export interface NormRow {
  /** the initializer, and the setting where the training charts have several */
  panel: string;
  setting: string;
  metric: NormMetric;
  init: string;
  /** conv index, the head after the last conv */
  layer: number;
  /** conv3, head */
  name: string;
  step: number;
  value: number;
  lo: number;
  hi: number;
  seeds: number;
  /** one of the layers the lines chart draws: the first, middle and last conv, and the head */
  chosen: boolean;
}

/** Layer of a kernel parameter name ('conv3/kernel' → 3, 'head/kernel' → depth + 1); null for biases, BN and others. */
function kernelLayer(name: string, depth: number): { layer: number; name: string } | null {
  const conv = /^conv(\d+)\/kernel$/.exec(name);
  if (conv !== null) return { layer: Number(conv[1]), name: `conv${conv[1]}` };
  return name === 'head/kernel' ? { layer: depth + 1, name: 'head' } : null;
}

/**
 * A model file's kernels by their layer names in the model ('block2_conv1/kernel' → block2_conv1), numbered
 * 1, 2, … in parameter order (the model's layer order, as its probe numbers them); null for the rest.
 */
function modelKernelLayers(names: readonly string[]): ({ layer: number; name: string } | null)[] {
  let n = 0;
  return names.map((p) => {
    const m = /^(.+)\/(kernel|depthwise_kernel)$/.exec(p);
    return m === null ? null : { layer: ++n, name: m[1]! };
  });
}

/**
 * Per trained setting (median over seeds), at every eval: the L2 norm of each layer's kernel and of
 * its gradient on the last batch. Runs written before TrainResult.paramNames existed have no names
 * to say which norm is whose and are left out.
 */
export function normRows(records: readonly RunRecord[]): ChartRows<NormRow> {
  const recs = trained(records).filter((r) => (r.train.paramNames?.length ?? 0) > 0);
  const lab = trainLabels(records);
  const rows: NormRow[] = [];
  for (const group of groupBy(recs, (r) => `${lab.panel(r.spec).panel}\u0000${lab.init(r.spec)}`).values()) {
    const first = group[0]!;
    const setting = lab.panel(first.spec).panel;
    const depth = first.spec.arch.depth;
    const names = first.train.paramNames ?? [];
    const layerOf = first.spec.arch.kind === 'model' ? modelKernelLayers(names) : names.map((n) => kernelLayer(n, depth));
    const kernels = names.map((_, i) => ({ i, k: layerOf[i]! })).filter((x) => x.k !== null);
    // layers 1..depth are the convs (a model file's are numbered in its order, its dense layers after them)
    const convs = kernels.filter((x) => x.k!.layer <= depth).map((x) => x.k!.layer);
    const chosen = new Set([convs[0], convs[Math.floor((convs.length - 1) / 2)], convs.at(-1), depth + 1]);
    const steps = [...new Set(group.flatMap((r) => r.train.evals.map((e) => e.step)))].sort((a, b) => a - b);
    for (const metric of ['gradient', 'weight'] as const) {
      for (const step of steps) {
        for (const { i, k } of kernels) {
          const vals = finite(group.map((r) => {
            const e = r.train.evals.find((x) => x.step === step);
            return e === undefined ? null : (metric === 'gradient' ? e.gradNorms : e.weightNorms)[i];
          })).filter((v) => v > 0);
          const m = median(vals);
          const band = minMax(vals);
          if (m === null || band === null) continue;
          rows.push({
            panel: setting === 'all runs' ? lab.init(first.spec) : `${lab.init(first.spec)} · ${setting}`, setting, metric,
            init: lab.init(first.spec), layer: k!.layer, name: k!.name, step, value: m, lo: band[0], hi: band[1], seeds: vals.length, chosen: chosen.has(k!.layer),
          });
        }
      }
    }
  }
  return { rows, line: lab.line };
}

export type TrainProbeMetric = 'variance' | 'units';

export interface TrainProbeRow {
  /** the initializer (and where the setting differs), then the metric */
  panel: string;
  init: string;
  metric: TrainProbeMetric;
  series: 'probe' | 'theory';
  /** the training step of the probe (0 = init); the theory rows carry 0: they are the at-init prediction */
  step: number;
  /** 'at init', 'step 50' */
  when: string;
  layer: number;
  name: string;
  value: number;
  /** units: dead, or saturated for tanh and sigmoid */
  measure: 'dead' | 'saturated' | null;
  seeds: number;
}

const SATURATING = new Set(['tanh', 'sigmoid']);

/**
 * Per trained setting with probes during training: the pre-activation variance and the dead (or
 * saturated) fraction per conv layer at init and at each probed step, median over seeds, and theory's
 * at-init prediction of the variance.
 */
export function trainProbeRows(records: readonly RunRecord[]): ChartRows<TrainProbeRow> {
  const recs = trained(records).filter((r) => r.probe !== null && r.train.probes.some((p) => p.step > 0));
  const lab = trainLabels(records);
  const rows: TrainProbeRow[] = [];
  for (const group of groupBy(recs, (r) => `${lab.panel(r.spec).panel}\u0000${lab.init(r.spec)}`).values()) {
    const first = group[0]!;
    const setting = lab.panel(first.spec).panel;
    const init = lab.init(first.spec);
    const measure = SATURATING.has(first.spec.activation.name) ? 'saturated' : 'dead';
    const name = (m: TrainProbeMetric) => `${setting === 'all runs' ? init : `${init} · ${setting}`}: ${m === 'variance' ? 'pre-activation variance' : `${measure} units`}`;
    const probesAt = (step: number) => group.map((r) => (step === 0 ? r.probe : r.train.probes.find((p) => p.step === step)) ?? null);
    const steps = [0, ...new Set(group.flatMap((r) => r.train.probes.map((p) => p.step)).filter((s) => s > 0))].sort((a, b) => a - b);
    const conv = first.probe!.layers.filter((l) => l.kind === 'conv');
    for (const step of steps) {
      const ps = probesAt(step);
      for (const meta of conv) {
        const ls = ps.map((p) => p?.layers.find((l) => l.index === meta.index)).filter((l): l is LayerProbe => l !== undefined);
        const base = { init, step, when: step === 0 ? 'at init' : `step ${step}`, layer: meta.index, name: meta.name, seeds: ls.length };
        const v = median(finite(ls.map((l) => l.pre.variance)).filter((x) => x > 0));
        if (v !== null) rows.push({ ...base, panel: name('variance'), metric: 'variance', series: 'probe', value: v, measure: null });
        const u = median(finite(ls.map((l) => (measure === 'saturated' ? l.saturatedFraction : l.deadFraction))));
        if (u !== null) rows.push({ ...base, panel: name('units'), metric: 'units', series: 'probe', value: u, measure });
        if (step === 0) {
          const th = median(finite(ls.map((l) => l.theory.preVariance)).filter((x) => x > 0));
          if (th !== null) rows.push({ ...base, panel: name('variance'), metric: 'variance', series: 'theory', when: 'theory at init', value: th, measure: null });
        }
      }
    }
  }
  return { rows, line: lab.line };
}

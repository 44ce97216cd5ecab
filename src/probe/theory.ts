/**
 * The theory beside each measured number: src/theory's padding-aware mean-field predictions for the
 * conv layers, with gradient predictions rescaled to the probe's cotangent.
 *
 * src/theory puts a unit E[δ²] at the last conv layer's pre-activation; the probe puts a unit-variance
 * Gaussian cotangent g at the top instead. What that g becomes at pre_L (`gradAnchor`):
 *   top = logits = W_headᵀ·gap(a): E[δ²] at gap = classes·Var(W_head), spread evenly over the H·W
 *   positions of the (pooled) map (÷(H·W)²); then through the pool and φ′ by the theory's own
 *   `backFactor` for layer L (E[φ′²], or the pool's routing times it). With no head the cotangent
 *   sits on a_L (after its pool), E[δ²] = 1 there.
 * The head row: its pre-activation is the logits, whose gradient is g itself (E[δ²] = 1); its forward
 * variance depends on spatial correlations of a_L that the theory does not model, so it is null.
 */
import type { ArchSpec, InputSpec, ActivationSpec, LayerTheory } from '../core/types.ts';
import { predictLayersDetailed } from '../theory/index.ts';
import type { ModelLayerInfo } from '../model/index.ts';

export interface TheoryInputs {
  arch: ArchSpec;
  input: InputSpec;
  activation: ActivationSpec;
  layers: ModelLayerInfo[];
  /** nominal Var(W) per layer of `layers` (conv layers, then the head if any) */
  weightVariances: number[];
  inputVariance: number;
}

/** LayerTheory per layer of `layers`; all null where the theory does not apply (e.g. a weight variance is not finite). */
export function theoryForLayers(t: TheoryInputs): LayerTheory[] {
  const L = t.arch.depth;
  const nulls = (): LayerTheory => ({ preVariance: null, gradPreVariance: null, preVarianceBand: null });
  const convVars = t.weightVariances.slice(0, L);
  if (convVars.some((v) => !Number.isFinite(v) || v < 0)) return t.layers.map(nulls);
  const detail = predictLayersDetailed({
    arch: t.arch,
    input: t.input,
    activation: t.activation,
    weightVariances: convVars,
    inputVariance: t.inputVariance,
    // biases start at zero (src/model), so they add no variance at init
    biasVariance: 0,
  });
  const last = detail[L - 1]!;
  const lastInfo = t.layers[L - 1]!;
  let upstream: number | null = 1;
  if (t.arch.head === 'gap-dense') {
    const vHead = t.weightVariances[L];
    const h = lastInfo.pooled ? Math.floor(lastInfo.spatial[0] / 2) : lastInfo.spatial[0];
    const w = lastInfo.pooled ? Math.floor(lastInfo.spatial[1] / 2) : lastInfo.spatial[1];
    upstream = vHead !== undefined && Number.isFinite(vHead) ? (t.arch.classes * vHead) / (h * w) ** 2 : null;
  }
  // backFactor: E[δ²] at pre_L per unit E[δ²] above act_L (and its pool), as the theory itself uses it
  const anchor = upstream !== null && Number.isFinite(last.backFactor) ? upstream * last.backFactor : null;
  return t.layers.map((l, j) => {
    if (l.kind === 'dense') return { preVariance: null, gradPreVariance: 1, preVarianceBand: null };
    const d = detail[j]!;
    return {
      preVariance: d.preVariance,
      gradPreVariance: anchor !== null && d.gradPreVariance !== null ? anchor * d.gradPreVariance : null,
      preVarianceBand: d.preVarianceBand,
    };
  });
}

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
 * Each conv layer of a plain net also gets the mean-field fixed point and depth scale of its σ_w² and the
 * run's σ_b² (biasVarianceOf).
 */
import type { ArchSpec, InputSpec, ActivationSpec, LayerTheory, MeanFieldTheory, RunSpec } from '../core/types.ts';
import { meanField, predictLayersDetailed } from '../theory/index.ts';
import { poolOutSize, type ModelLayerInfo } from '../arch/index.ts';

export interface TheoryInputs {
  arch: ArchSpec;
  input: InputSpec;
  activation: ActivationSpec;
  layers: ModelLayerInfo[];
  /** nominal Var(W) per layer of `layers` (conv layers, then the head if any) */
  weightVariances: number[];
  inputVariance: number;
  /** σ_b² = Var(b) of every conv bias (biasVarianceOf); NaN: no theory (a constant bias) */
  biasVariance: number;
  /** examples in the probe batch (the finite-width band averages over them); absent: 1 */
  batch?: number;
}

/**
 * The theory's σ_b² for a run: Var(b) of its conv biases, 0 without biases or with zero ones, std² for
 * normal ones; NaN for a constant bias, a shift of the mean the zero-mean theory does not model.
 */
export function biasVarianceOf(spec: Pick<RunSpec, 'bias'> & { arch: Pick<ArchSpec, 'bias'> }): number {
  if (!spec.arch.bias || spec.bias === undefined || spec.bias.init === 'zeros') return 0;
  return spec.bias.init === 'normal' ? spec.bias.std ** 2 : NaN;
}

/** LayerTheory per layer of `layers`; all null where the theory does not apply (e.g. a weight variance is not finite). */
export function theoryForLayers(t: TheoryInputs): LayerTheory[] {
  const L = t.arch.depth;
  const nulls = (): LayerTheory => ({ preVariance: null, gradPreVariance: null, preVarianceBand: null, meanField: null });
  const convVars = t.weightVariances.slice(0, L);
  if (convVars.some((v) => !Number.isFinite(v) || v < 0) || !Number.isFinite(t.biasVariance)) return t.layers.map(nulls);
  const detail = predictLayersDetailed({
    arch: t.arch,
    input: t.input,
    activation: t.activation,
    weightVariances: convVars,
    inputVariance: t.inputVariance,
    biasVariance: t.biasVariance,
    ...(t.batch === undefined ? {} : { batch: t.batch }),
  });
  const last = detail[L - 1]!;
  const lastInfo = t.layers[L - 1]!;
  let upstream: number | null = 1;
  if (t.arch.head === 'gap-dense') {
    const vHead = t.weightVariances[L];
    const h = lastInfo.pooled ? poolOutSize(lastInfo.spatial[0]) : lastInfo.spatial[0];
    const w = lastInfo.pooled ? poolOutSize(lastInfo.spatial[1]) : lastInfo.spatial[1];
    upstream = vHead !== undefined && Number.isFinite(vHead) ? (t.arch.classes * vHead) / (h * w) ** 2 : null;
  }
  // backFactor: E[δ²] at pre_L per unit E[δ²] above act_L (and its pool), as the theory itself uses it
  const anchor = upstream !== null && Number.isFinite(last.backFactor) ? upstream * last.backFactor : null;
  const field = meanFieldOf(t);
  return t.layers.map((l, j) => {
    if (l.kind === 'dense') return { preVariance: null, gradPreVariance: 1, preVarianceBand: null, meanField: null };
    const d = detail[j]!;
    return {
      preVariance: d.preVariance,
      gradPreVariance: anchor !== null && d.gradPreVariance !== null ? anchor * d.gradPreVariance : null,
      preVarianceBand: d.preVarianceBand,
      meanField: field(l.fanIn * convVars[j]!),
    };
  });
}

/**
 * σ_w² → the mean field of a plain net at that σ_w² and the run's σ_b², or null: batch norm and skips
 * change the length map. Memoised: a net's layers mostly share one σ_w², and iterating can take 5000 steps.
 */
function meanFieldOf(t: TheoryInputs): (sigmaW2: number) => MeanFieldTheory | null {
  const memo = new Map<number, MeanFieldTheory>();
  return (sigmaW2) => {
    if (t.arch.kind !== 'plain') return null;
    const hit = memo.get(sigmaW2);
    if (hit !== undefined) return hit;
    const mf = meanField(t.activation, sigmaW2, t.biasVariance);
    // JSON has no Infinity: an infinite depth scale (χ₁ = 1) is null, χ₁ says which
    const depthScale = mf.depthScale !== null && Number.isFinite(mf.depthScale) ? mf.depthScale : null;
    const r: MeanFieldTheory = {
      sigmaW2,
      qStar: mf.qStar,
      chi1: mf.chi1,
      depthScale,
      converged: mf.converged,
      slope: mf.slope,
      stable: mf.stable,
      perturbed: mf.perturbed,
    };
    memo.set(sigmaW2, r);
    return r;
  };
}

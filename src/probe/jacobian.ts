/**
 * The Jacobian's spectrum at init, beside the free-probability theory (Pennington, Schoenholz & Ganguli 2017).
 *
 * The map: f = conv1's post-activation a₁ → conv_L's post-activation a_L at one input (the probe batch's
 * first example), i.e. J = D_L W_L ⋯ D_2 W_2, L − 1 layers, square: n = H·W·width on both sides
 * (src/arch jacobianMap says which nets have it and why not input → a_L).
 *
 * Jᵀv is a vector-Jacobian product: the gradient wrt a₁ of ⟨v, f(a₁)⟩ (tf.grad with v as the cotangent);
 * B of them run as one batch of B copies of a₁ (plain nets treat examples independently).
 *
 * exact: J's rows are Jᵀe_k for the n basis vectors e_k, B at a time; then JJᵀ in float64 and its
 * eigenvalues s² (eigen.ts): the singular values, and the spectrum's mean and (population) variance.
 *
 * projection: K Gaussian vectors v ~ N(0, I_n). Jᵀv is linear in v, so the gradient wrt v of ⟨Jᵀv, u⟩ (u held
 * fixed) is Ju: with u = Jᵀv that gives JJᵀv from a second, nested gradient (the double-vjp trick; tfjs has no
 * forward mode). Then, over the n eigenvalues s² of JJᵀ,
 *     E[s²]  = tr(JJᵀ)/n    = E_v ‖Jᵀv‖²/n    (a_k = ‖Jᵀv_k‖²/n)
 *     E[s⁴]  = tr((JJᵀ)²)/n = E_v ‖JJᵀv‖²/n   (b_k = ‖JJᵀv_k‖²/n)
 *     Var[s²] = E[s⁴] − E[s²]², estimated as b̄ − (ā² − s_a²/K) (ā² alone would be biased by Var(ā) = s_a²/K).
 * Standard errors from the projections' spread: E[s²]'s is s_a/√K; Var[s²]'s is the jackknife's over the K
 * projections (delete-one estimates of the same formula).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationSpec, InitSpec, ProbeResult } from '../core/types.ts';
import { deriveSeed } from '../core/rng.ts';
import type { NetLayers } from '../model/index.ts';
import { initializerFamily } from '../init/index.ts';
import { jacobianSpectrumMoments, lengthMap } from '../theory/index.ts';
import { symmetricEigenvalues } from './eigen.ts';

export type JacobianSummary = NonNullable<ProbeResult['jacobian']>;

/** Rows (vector-Jacobian products) per batched backward pass, at most. */
export const JACOBIAN_BATCH = 32;

/**
 * Rows per pass for a map of n entries through `layers` layers: JACOBIAN_BATCH, fewer when a pass would keep
 * more than 2²² floats per activation set (the nested gradient keeps several per layer): 8 rows for n = 512
 * through 999 layers.
 */
export function rowsPerPass(n: number, layers: number): number {
  return Math.max(1, Math.min(JACOBIAN_BATCH, Math.floor(2 ** 22 / (n * Math.max(1, layers)))));
}

export const JACOBIAN_OUTPUT = 'a_1 → a_L: conv1 post-activation to the last conv post-activation (L − 1 layers), at the probe batch\'s first example';

/** a₁ of one example x [1, H, W, C]: conv1 then act1 (plain nets: no batch norm, no pool). */
export function firstActivation(net: NetLayers, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => net.act[0]!.apply(net.conv[0]!.apply(x)) as tf.Tensor4D);
}

/** f(a) = a_L from a = a₁: layers 2..L of a plain net without pools. */
function layersAfterFirst(net: NetLayers, a: tf.Tensor): tf.Tensor {
  let h = a;
  for (let i = 2; i <= net.arch.depth; i++) h = net.act[i - 1]!.apply(net.conv[i - 1]!.apply(h)) as tf.Tensor;
  return h;
}

/** Jᵀv for each row of v [B, H, W, width], at a₁ (tiled B times). */
function vjp(net: NetLayers, a1: tf.Tensor4D, v: tf.Tensor): tf.Tensor {
  const tiled = tf.tile(a1, [v.shape[0]!, 1, 1, 1]);
  return tf.grad((a: tf.Tensor) => layersAfterFirst(net, a))(tiled, v);
}

/** [‖Jᵀv‖², ‖JJᵀv‖²] per row of v, as [B, 2]. */
function projectionNorms(net: NetLayers, a1: tf.Tensor4D, v: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const u = vjp(net, a1, v);
    const jju = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(vjp(net, a1, w), u)))(v);
    const rows = (t: tf.Tensor) => tf.sum(tf.square(t), [1, 2, 3]);
    return tf.stack([rows(u), rows(jju)], 1);
  });
}

/** J (n × n, row k = Jᵀe_k) in float64, B rows per backward pass. */
export function exactJacobian(net: NetLayers, a1: tf.Tensor4D): Float64Array {
  const [, h, w, c] = a1.shape;
  const n = h * w * c;
  const J = new Float64Array(n * n);
  const rows = rowsPerPass(n, net.arch.depth - 1);
  for (let k0 = 0; k0 < n; k0 += rows) {
    const b = Math.min(rows, n - k0);
    const block = tf.tidy(() => {
      const e = tf.reshape(tf.oneHot(tf.range(k0, k0 + b, 1, 'int32') as tf.Tensor1D, n), [b, h, w, c]);
      return vjp(net, a1, tf.cast(e, 'float32'));
    });
    J.set(block.dataSync(), k0 * n);
    block.dispose();
  }
  return J;
}

/** Mean and population variance of the eigenvalues s² of JJᵀ, and the singular values s (descending). */
export function exactSpectrum(J: Float64Array, n: number): { singularValues: number[]; meanS2: number; varS2: number } {
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = 0; k < n; k++) s += J[ri + k]! * J[rj + k]!;
      G[ri + j] = s;
      G[rj + i] = s;
    }
  }
  const lambda = symmetricEigenvalues(G, n);
  const meanS2 = lambda.reduce((a, b) => a + b, 0) / n;
  const varS2 = lambda.reduce((a, b) => a + (b - meanS2) ** 2, 0) / n;
  // rounding leaves JJᵀ's zero eigenvalues at ±ε: a singular value is √max(0, λ)
  const singularValues = Array.from(lambda, (l) => Math.sqrt(Math.max(0, l))).reverse();
  return { singularValues, meanS2, varS2 };
}

/** The moment estimates from per-projection a_k, b_k (module comment), with standard errors. */
export function projectionMoments(a: number[], b: number[]): { meanS2: number; meanS2Stderr: number | null; varS2: number; varS2Stderr: number | null } {
  const K = a.length;
  const est = (xs: number[], ys: number[]): number => {
    const k = xs.length;
    const ma = xs.reduce((s, x) => s + x, 0) / k;
    const mb = ys.reduce((s, y) => s + y, 0) / k;
    const va = k > 1 ? xs.reduce((s, x) => s + (x - ma) ** 2, 0) / (k - 1) : 0;
    return mb - (ma * ma - va / k);
  };
  const meanS2 = a.reduce((s, x) => s + x, 0) / K;
  const varS2 = est(a, b);
  if (K < 3) return { meanS2, meanS2Stderr: null, varS2, varS2Stderr: null };
  const sa = Math.sqrt(a.reduce((s, x) => s + (x - meanS2) ** 2, 0) / (K - 1));
  const loo = a.map((_, i) => est(a.filter((_, j) => j !== i), b.filter((_, j) => j !== i)));
  const mLoo = loo.reduce((s, x) => s + x, 0) / K;
  const jack = Math.sqrt(((K - 1) / K) * loo.reduce((s, x) => s + (x - mLoo) ** 2, 0));
  return { meanS2, meanS2Stderr: sa / Math.sqrt(K), varS2, varS2Stderr: jack };
}

/** a_k, b_k for K seeded Gaussian projections (deriveSeed(seed, 'jacobian-projection', pass), rowsPerPass at a time). */
export function projectionSamples(net: NetLayers, a1: tf.Tensor4D, projections: number, seed: number): { a: number[]; b: number[] } {
  const [, h, w, c] = a1.shape;
  const n = h * w * c;
  const a: number[] = [];
  const b: number[] = [];
  const rows = rowsPerPass(n, net.arch.depth - 1);
  for (let k0 = 0, chunk = 0; k0 < projections; k0 += rows, chunk++) {
    const m = Math.min(rows, projections - k0);
    const out = tf.tidy(() => projectionNorms(net, a1, tf.randomNormal([m, h, w, c], 0, 1, 'float32', deriveSeed(seed, 'jacobian-projection', chunk))));
    const v = out.dataSync();
    out.dispose();
    for (let i = 0; i < m; i++) {
      a.push(v[2 * i]! / n);
      b.push(v[2 * i + 1]! / n);
    }
  }
  return { a, b };
}

export interface JacobianTheoryInputs {
  activation: ActivationSpec;
  init: InitSpec;
  kernel: number;
  depth: number;
  /** σ_w² = fan_in·Var(W) of each conv layer 1..depth */
  sigmaW2: number[];
  /** σ_b² (NaN: a constant bias, no theory) */
  sigmaB2: number;
  /** E[x²] of the input's entries */
  inputVariance: number;
}

/**
 * Which free-probability law the weights follow: i.i.d. entries ('gaussian': Marchenko–Pastur, the same for
 * any i.i.d. law by universality), an orthogonal conv operator ('orthogonal': delta-orthogonal, or an
 * orthogonal 1×1 kernel), or neither (an orthogonal k×k kernel is not an orthogonal operator; constants).
 */
export function weightLaw(init: InitSpec, kernel: number): 'gaussian' | 'orthogonal' | null {
  const family = initializerFamily(init.name);
  if (family === 'delta-orthogonal') return 'orthogonal';
  if (family === 'orthogonal' || family === 'lsuv') return kernel === 1 ? 'orthogonal' : null;
  if (family === 'he' || family === 'xavier' || family === 'lecun' || family === 'normal' || family === 'uniform') return 'gaussian';
  return null;
}

/**
 * E[s²] and Var[s²] of JJᵀ for J = D_L W_L ⋯ D_2 W_2 from src/theory, with h₂'s variance from the length
 * map (q₁ = σ_w,1²·E[x²] + σ_b², q₂ = its image) — ignoring 'same' padding's thinner borders (exact for 1×1
 * kernels and delta-orthogonal ones). Null where it does not apply (see weightLaw; layers 2..L at different σ_w²).
 */
export function jacobianTheory(t: JacobianTheoryInputs): { meanS2: number; varS2: number } | null {
  const weights = weightLaw(t.init, t.kernel);
  const later = t.sigmaW2.slice(1);
  if (weights === null || later.length === 0 || !Number.isFinite(t.sigmaB2) || t.sigmaW2.some((s) => !Number.isFinite(s))) return null;
  const sw2 = later[0]!;
  if (later.some((s) => Math.abs(s - sw2) > 1e-12 * sw2)) return null;
  const q1 = t.sigmaW2[0]! * t.inputVariance + t.sigmaB2;
  const q2 = lengthMap(t.activation, q1, sw2, t.sigmaB2);
  const m = jacobianSpectrumMoments({ act: t.activation, sigmaW2: sw2, sigmaB2: t.sigmaB2, depth: t.depth - 1, weights, q0: q2 });
  return Number.isFinite(m.meanS2) && Number.isFinite(m.varS2) ? m : null;
}

/**
 * The Jacobian probe of a plain net at `x` [1, H, W, C] (module comment). Every tensor it makes is disposed.
 */
export function probeJacobian(o: {
  net: NetLayers;
  x: tf.Tensor4D;
  method: 'exact' | 'projection';
  projections: number;
  seed: number;
  theory: JacobianTheoryInputs | null;
}): JacobianSummary {
  const a1 = firstActivation(o.net, o.x);
  const theory = o.theory === null ? null : jacobianTheory(o.theory);
  try {
    const [, h, w, c] = a1.shape;
    const n = h * w * c;
    if (o.method === 'exact') {
      const s = exactSpectrum(exactJacobian(o.net, a1), n);
      return { method: 'exact', output: JACOBIAN_OUTPUT, singularValues: s.singularValues, meanS2: s.meanS2, meanS2Stderr: null, varS2: s.varS2, varS2Stderr: null, theory };
    }
    const { a, b } = projectionSamples(o.net, a1, o.projections, o.seed);
    return { method: 'projection', output: JACOBIAN_OUTPUT, singularValues: null, ...projectionMoments(a, b), theory };
  } finally {
    a1.dispose();
  }
}

/**
 * Per-layer predictions for the CNNs of core/types.ts ArchSpec (plain, batchnorm, residual, residual-bn),
 * at infinite width, with the two finite-size effects the seed's closed form leaves out:
 *
 * 1. Zero padding ('same'): an output near the border sums fewer in-bounds taps, so its variance is
 *    smaller, and the loss compounds inward layer by layer. We propagate a per-position map of the
 *    activation second moment through every conv (exact tap counts, tfjs's padding offsets, strides),
 *    activation and pool, and report the mean over positions — what a probe measuring the whole
 *    tensor sees. On a 32×32 image a 3×3 'same' conv keeps (1 − 1/48)² ≈ 0.959 of the taps on average.
 * 2. Finite width: ln‖z_l‖² fluctuates from draw to draw (Hanin & Rolnick 2018: Var ≈ 5·Σ 1/n for ReLU).
 *
 * Conventions (shared with src/probe):
 * - preVariance: variance over all entries (batch, positions, channels) of the tensor fed to act_l.
 * - gradPreVariance: E[δ²] of the gradient wrt that tensor, backward from a unit-variance cotangent
 *   placed at the LAST conv layer's pre-activation (so layer L has 1 by definition); gradients have
 *   zero mean by the sign symmetry of the weights, so second moment = variance.
 * - Weights are zero-mean and independent of the activations (the usual mean-field and "gradient
 *   independence" assumptions). Positions of a channel share its filter, so they correlate; that is
 *   tracked as one correlation per layer (spatial.ts) and matters for pooling: max pools of correlated
 *   values are smaller, average pools keep the cross terms. Batch norm removes the shared part.
 *   The input is taken as i.i.d. across positions (the probe's Gaussian batch).
 * - Residual pre-activations x + y are treated as Gaussian with the matched mean and variance.
 */
import { type Act, derivSecondMoment, firstMoment, fourthMoment, secondMomentFactor } from './activations.ts';
import { crossMoment, poolStats } from './spatial.ts';

/** Structural copy of core's ArchSpec (theory imports nothing of ours). */
export interface TheoryArch {
  kind: 'plain' | 'batchnorm' | 'residual' | 'residual-bn';
  depth: number;
  width: number;
  kernel: number;
  padding: 'same' | 'valid';
  bias: boolean;
  downsample: { at: number[]; mode: 'stride' | 'maxpool' | 'avgpool' };
}

export interface TheoryInput {
  height: number;
  width: number;
  channels: number;
}

export interface LayerPrediction {
  preVariance: number | null;
  gradPreVariance: number | null;
  preVarianceBand: [number, number] | null;
}

/** BatchNormalization epsilon used by src/model (core/types.ts). */
export const BN_EPSILON = 1e-3;

interface Axis {
  size: number;
  out: number;
  stride: number;
  /** padding before the first input element (tfjs 'same': floor(total/2)) */
  before: number;
}

function axis(size: number, k: number, stride: number, padding: 'same' | 'valid'): Axis {
  if (padding === 'valid') return { size, out: Math.floor((size - k) / stride) + 1, stride, before: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return { size, out, stride, before: Math.floor(total / 2) };
}

/** Per-output count of in-bounds taps along one axis. */
function tapCounts(ax: Axis, k: number): number[] {
  const c: number[] = [];
  for (let o = 0; o < ax.out; o++) {
    let n = 0;
    for (let t = 0; t < k; t++) {
      const i = o * ax.stride - ax.before + t;
      if (i >= 0 && i < ax.size) n++;
    }
    c.push(n);
  }
  return c;
}

/**
 * Mean fraction of in-bounds taps of a k×k conv over its output positions: 1 for 'valid', < 1 for
 * 'same' zero padding (separable, so the product of the two axes' factors).
 */
export function paddingFactor(height: number, width: number, kernel: number, stride = 1, padding: 'same' | 'valid' = 'same'): number {
  const f = (n: number): number => {
    const counts = tapCounts(axis(n, kernel, stride, padding), kernel);
    return counts.reduce((a, b) => a + b, 0) / (counts.length * kernel);
  };
  return f(height) * f(width);
}

/** A map over positions (row-major h×w). */
interface Map2 {
  h: number;
  w: number;
  v: Float64Array;
}

const fill = (h: number, w: number, x: number): Map2 => ({ h, w, v: new Float64Array(h * w).fill(x) });
const meanOf = (m: Map2): number => m.v.reduce((a, b) => a + b, 0) / m.v.length;

/** Forward: out(o) = Σ_{in-bounds taps} in(o·s − before + t), per axis pair. */
function convForward(inp: Map2, k: number, stride: number, padding: 'same' | 'valid'): Map2 {
  const ay = axis(inp.h, k, stride, padding);
  const ax = axis(inp.w, k, stride, padding);
  const out = fill(ay.out, ax.out, 0);
  for (let oy = 0; oy < ay.out; oy++)
    for (let ox = 0; ox < ax.out; ox++) {
      let s = 0;
      for (let ty = 0; ty < k; ty++) {
        const iy = oy * stride - ay.before + ty;
        if (iy < 0 || iy >= inp.h) continue;
        for (let tx = 0; tx < k; tx++) {
          const ix = ox * stride - ax.before + tx;
          if (ix >= 0 && ix < inp.w) s += inp.v[iy * inp.w + ix]!;
        }
      }
      out.v[oy * out.w + ox] = s;
    }
  return out;
}

/** Transpose of convForward: scatter each output's value back onto the in-bounds inputs it read. */
function convBackward(grad: Map2, inH: number, inW: number, k: number, stride: number, padding: 'same' | 'valid'): Map2 {
  const ay = axis(inH, k, stride, padding);
  const ax = axis(inW, k, stride, padding);
  const out = fill(inH, inW, 0);
  for (let oy = 0; oy < ay.out; oy++)
    for (let ox = 0; ox < ax.out; ox++) {
      const g = grad.v[oy * grad.w + ox]!;
      for (let ty = 0; ty < k; ty++) {
        const iy = oy * stride - ay.before + ty;
        if (iy < 0 || iy >= inH) continue;
        for (let tx = 0; tx < k; tx++) {
          const ix = ox * stride - ax.before + tx;
          if (ix >= 0 && ix < inW) out.v[iy * inW + ix]! += g;
        }
      }
    }
  return out;
}

/** Moments of φ(x), x ~ N(mean, q), memoised per layer (interior positions repeat exactly). */
function actMoments(act: Act): (mean: number, q: number) => { e: number; m: number; d: number } {
  const memo = new Map<string, { e: number; m: number; d: number }>();
  return (mean, q) => {
    const key = `${mean}|${q}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const r = { e: firstMoment(act, q, mean), m: secondMomentFactor(act, q, mean), d: derivSecondMoment(act, q, mean) };
    memo.set(key, r);
    return r;
  };
}

function pool2(m: Map2): { h: number; w: number; idx: (py: number, px: number) => number[] } {
  const h = Math.floor(m.h / 2);
  const w = Math.floor(m.w / 2);
  return {
    h,
    w,
    idx: (py, px) => [2 * py * m.w + 2 * px, 2 * py * m.w + 2 * px + 1, (2 * py + 1) * m.w + 2 * px, (2 * py + 1) * m.w + 2 * px + 1],
  };
}

export interface PredictOptions {
  arch: TheoryArch;
  input: TheoryInput;
  activation: Act;
  /** Var(W) per conv layer, length arch.depth */
  weightVariances: number[];
  /** E[x²] of the (zero-mean) input per entry */
  inputVariance: number;
  /** Var(b) of every conv bias (0 for zero-initialised biases or no bias) */
  biasVariance: number;
}

/** Extra per-layer detail, for reports and tests. */
export interface LayerPredictionDetail extends LayerPrediction {
  index: number;
  /** mean of the pre-activation (non-zero only for residual sums x + y) */
  preMean: number;
  /** E[z²] averaged over positions: the mean-field q (preVariance = this − mean² − ρ·q/width) */
  preSecondMoment: number;
  /** spatial size of the conv output [h, w] */
  spatial: [number, number];
  /** what the same layer would have without zero padding (all taps in bounds at every position) */
  preVarianceNoPadding: number | null;
  /** Var[ln ‖z_l‖²] from finite width, or null where batch norm pins the scale */
  logNormVariance: number | null;
  /** correlation of the pre-activation between two different positions of a channel */
  spatialCorrelation: number;
  /**
   * E[δ²] at this pre-activation per unit E[δ²] just above its activation (and pool, when one follows):
   * E[φ′²] without a pool, (1/4)·E[φ′(u_max)²] for max, (1/16)·E[φ′²] for avg (layer means).
   */
  backFactor: number;
}

/**
 * Predicted pre-activation variance, gradient variance and finite-width band for each conv layer.
 *
 * Finite-width band: Var[ln ‖z_l‖²] ≈ Σ_{j<l} κ_j / n_j + 2 / n_l, with κ = E[φ⁴]/E[φ²]² − 1 per unit
 * (κ = 5 for ReLU, giving Hanin & Rolnick's 5·Σ 1/n; the last term is the χ² of layer l's own
 * weights, κ = 2 for a Gaussian). n_l is the number of units that are independent given the layer's
 * input: in a conv layer, its output channels (all positions share a filter), i.e. `width` — equal to
 * fan_in/k² of the next layer. Spatial averaging only narrows the spread, so the band (±2σ in log
 * space, [v·e^{−2σ}, v·e^{2σ}]) is conservative for conv nets, and for residual nets (skips damp it).
 * Batch-norm nets get null: BN rescales every channel to unit variance on the batch.
 */
export function predictLayersDetailed(opts: PredictOptions): LayerPredictionDetail[] {
  const { arch, input, activation } = opts;
  if (opts.weightVariances.length !== arch.depth) {
    throw new RangeError(`predictLayers: weightVariances has ${opts.weightVariances.length} entries, depth is ${arch.depth}`);
  }
  const residual = arch.kind === 'residual' || arch.kind === 'residual-bn';
  const bn = arch.kind === 'batchnorm' || arch.kind === 'residual-bn';
  const down = new Set(arch.downsample.at);
  const k = arch.kernel;
  const sb2 = arch.bias ? opts.biasVariance : 0;
  const moments = actMoments(activation);

  interface LayerState {
    inH: number;
    inW: number;
    cin: number;
    stride: number;
    /** per-position mean / variance of the pre-activation */
    mean: Map2;
    vari: Map2;
    /** variance of the conv output over the whole tensor (for BN and its backward scale) */
    convVar: number;
    pooled: boolean;
    noPad: number;
    /** correlation of the pre-activation between two different positions */
    rho: number;
    /** layer-mean E[φ′²], and E[δ_z²] per unit E[δ²] above the activation (and pool) */
    dBar: number;
    back: number;
  }
  const layers: LayerState[] = [];
  // Activation entering the next conv: per-position second moment and mean, and the cross-moment
  // E[a(p)a(p′)] between different positions (0 for the i.i.d. input). noPad* track the same scalars
  // with every tap counted (the unpadded reference).
  let aM = fill(input.height, input.width, opts.inputVariance);
  let aE = fill(input.height, input.width, 0);
  let aK = 0;
  let noPadM = opts.inputVariance;
  let noPadE = 0;
  let noPadK = 0;
  // Residual: the block input x (post-activation of the stem / previous block).
  let xE: Map2 | null = null;
  let xV: Map2 | null = null;
  let xCov = 0;
  let noPadXE = 0;
  let noPadXV = 0;
  let noPadXCov = 0;

  for (let i = 1; i <= arch.depth; i++) {
    const cin = i === 1 ? input.channels : arch.width;
    const stride = arch.downsample.mode === 'stride' && down.has(i) ? 2 : 1;
    const V = opts.weightVariances[i - 1]!;
    const sums = convForward(aM, k, stride, arch.padding);
    const conv = fill(sums.h, sums.w, 0);
    for (let p = 0; p < conv.v.length; p++) conv.v[p] = V * cin * sums.v[p]! + sb2;
    const convVar = meanOf(conv);
    const pf = paddingFactor(aM.h, aM.w, k, stride, arch.padding);
    let crossZ = V * cin * k * k * pf * aK + sb2;
    const noPadConv = V * cin * k * k * noPadM + sb2;
    let noPadCrossZ = V * cin * k * k * noPadK + sb2;
    let branch = conv;
    let noPadBranch = noPadConv;
    if (bn) {
      // BN divides by the channel's batch std and removes its batch mean — the component positions share.
      branch = fill(conv.h, conv.w, 0);
      for (let p = 0; p < conv.v.length; p++) branch.v[p] = conv.v[p]! / (convVar + BN_EPSILON);
      noPadBranch = noPadConv / (noPadConv + BN_EPSILON);
      crossZ = 0;
      noPadCrossZ = 0;
    }
    const secondOfBlock = residual && i > 1 && i % 2 === 1;
    let mean: Map2;
    let vari: Map2;
    let cov: number;
    let noPad: number;
    let noPadMean = 0;
    let noPadCov: number;
    if (secondOfBlock && xE !== null && xV !== null) {
      mean = xE;
      vari = fill(branch.h, branch.w, 0);
      for (let p = 0; p < vari.v.length; p++) vari.v[p] = xV.v[p]! + branch.v[p]!;
      cov = xCov + crossZ;
      noPad = noPadXV + noPadBranch;
      noPadMean = noPadXE;
      noPadCov = noPadXCov + noPadCrossZ;
    } else {
      mean = fill(branch.h, branch.w, 0);
      vari = branch;
      cov = crossZ;
      noPad = noPadBranch;
      noPadCov = noPadCrossZ;
    }
    const vBar = meanOf(vari);
    const muBar = meanOf(mean);
    const rho = vBar > 0 ? Math.min(1, Math.max(0, cov / vBar)) : 0;
    const noPadRho = noPad > 0 ? Math.min(1, Math.max(0, noPadCov / noPad)) : 0;
    // Activation, per position.
    let nextM = fill(vari.h, vari.w, 0);
    let nextE = fill(vari.h, vari.w, 0);
    const dMap = fill(vari.h, vari.w, 0);
    for (let p = 0; p < vari.v.length; p++) {
      const r = moments(mean.v[p]!, vari.v[p]!);
      nextM.v[p] = r.m;
      nextE.v[p] = r.e;
      dMap.v[p] = r.d;
    }
    const dBar = meanOf(dMap);
    let back = dBar;
    let nextK = crossMoment(activation, muBar, vBar, rho);
    let npM = secondMomentFactor(activation, noPad, noPadMean);
    let npE = firstMoment(activation, noPad, noPadMean);
    let npK = crossMoment(activation, noPadMean, noPad, noPadRho);
    const pooled = arch.downsample.mode !== 'stride' && down.has(i);
    if (pooled) {
      const mode = arch.downsample.mode as 'maxpool' | 'avgpool';
      const st = poolStats(activation, mode, muBar, vBar, rho);
      // Layer-level pooled moments, spread over windows in proportion to their un-pooled moments
      // (border windows, with smaller variance, keep their share).
      const mBar = meanOf(nextM);
      const eBar = meanOf(nextE);
      const P = pool2(vari);
      const pm = fill(P.h, P.w, 0);
      const pe = fill(P.h, P.w, 0);
      for (let py = 0; py < P.h; py++)
        for (let px = 0; px < P.w; px++) {
          const ids = P.idx(py, px);
          const wm = ids.reduce((a, j) => a + nextM.v[j]!, 0) / 4;
          const we = ids.reduce((a, j) => a + nextE.v[j]!, 0) / 4;
          pm.v[py * P.w + px] = mBar > 0 ? (st.m * wm) / mBar : st.m;
          pe.v[py * P.w + px] = Math.abs(eBar) > 1e-300 ? (st.e * we) / eBar : st.e;
        }
      nextM = pm;
      nextE = pe;
      nextK = st.cross;
      back = st.back;
      const r = poolStats(activation, mode, noPadMean, noPad, noPadRho);
      npM = r.m;
      npE = r.e;
      npK = r.cross;
    }
    layers.push({ inH: aM.h, inW: aM.w, cin, stride, mean, vari, convVar, pooled, noPad, rho, dBar, back });
    aM = nextM;
    aE = nextE;
    aK = nextK;
    noPadM = npM;
    noPadE = npE;
    noPadK = npK;
    // The stem's and each block's output become the next block's skip input.
    if (residual && (i === 1 || i % 2 === 1)) {
      xE = aE;
      xV = fill(aM.h, aM.w, 0);
      for (let p = 0; p < xV.v.length; p++) xV.v[p] = Math.max(0, aM.v[p]! - aE.v[p]! ** 2);
      xCov = aK - meanOf(aE) ** 2;
      noPadXE = noPadE;
      noPadXV = Math.max(0, noPadM - noPadE ** 2);
      noPadXCov = noPadK - noPadE ** 2;
    }
  }

  // Backward: G = E[δ²] per position of the gradient wrt each pre-activation.
  const G: Map2[] = new Array(arch.depth);
  const last = layers[arch.depth - 1]!;
  G[arch.depth - 1] = fill(last.vari.h, last.vari.w, 1);
  /** δ wrt the activation a_l (after its pool) → δ wrt the pre-activation z_l. */
  const throughAct = (l: number, gA: Map2): Map2 => {
    const L = layers[l]!;
    const out = fill(L.vari.h, L.vari.w, 0);
    if (L.pooled) {
      // Each window input gets `back` per unit gradient at the pooled output (see poolStats), shared
      // out by the position's own E[φ′²] where it differs from the layer mean (borders).
      const P = pool2(L.vari);
      for (let py = 0; py < P.h; py++)
        for (let px = 0; px < P.w; px++)
          for (const j of P.idx(py, px)) {
            const d = moments(L.mean.v[j]!, L.vari.v[j]!).d;
            out.v[j] = gA.v[py * P.w + px]! * (L.dBar > 0 ? (L.back * d) / L.dBar : L.back);
          }
      return out;
    }
    for (let p = 0; p < out.v.length; p++) out.v[p] = gA.v[p]! * moments(L.mean.v[p]!, L.vari.v[p]!).d;
    return out;
  };
  /** δ wrt conv_l's output → δ wrt its input activation (through BN when present). */
  const throughConv = (l: number, gOut: Map2): Map2 => {
    const L = layers[l]!;
    const V = opts.weightVariances[l]!;
    const scale = bn ? 1 / (L.convVar + BN_EPSILON) : 1;
    const back = convBackward(gOut, L.inH, L.inW, k, L.stride, arch.padding);
    // Each input feeds arch.width output channels, each through an independent weight of variance V.
    for (let p = 0; p < back.v.length; p++) back.v[p] = back.v[p]! * V * arch.width * scale;
    return back;
  };
  if (!residual) {
    for (let l = arch.depth - 2; l >= 0; l--) G[l] = throughAct(l, throughConv(l + 1, G[l + 1]!));
  } else {
    // Layer indices (0-based): stem 0; block b has first 2b−1, second 2b.
    for (let s = arch.depth - 1; s >= 2; s -= 2) {
      const first = s - 1;
      G[first] = throughAct(first, throughConv(s, G[s]!));
      const viaBranch = throughConv(first, G[first]!);
      const gx = fill(viaBranch.h, viaBranch.w, 0);
      for (let p = 0; p < gx.v.length; p++) gx.v[p] = G[s]!.v[p]! + viaBranch.v[p]!;
      G[s - 2] = throughAct(s - 2, gx);
    }
  }

  // Finite-width spread, accumulated forward.
  const out: LayerPredictionDetail[] = [];
  let logVarAcc = 0;
  for (let l = 0; l < arch.depth; l++) {
    const L = layers[l]!;
    const N = L.vari.v.length;
    let s1 = 0;
    let s2 = 0;
    let sv = 0;
    for (let p = 0; p < N; p++) {
      s1 += L.mean.v[p]!;
      s2 += L.mean.v[p]! ** 2;
      sv += L.vari.v[p]!;
    }
    // Variance over the whole tensor: E[z²] − E[(tensor mean)²]. Each channel has its own offset μ_c, shared
    // by all its positions (Var(μ_c) = the cross-position covariance ρ·v̄), and the tensor mean averages
    // `width` of them, so E[(tensor mean)²] carries ρ·v̄/width besides the deterministic mean.
    const preVariance = Math.max(0, sv / N + s2 / N - (s1 / N) ** 2 - (L.rho * (sv / N)) / arch.width);
    const gradPreVariance = meanOf(G[l]!);
    let logNormVariance: number | null = null;
    let band: [number, number] | null = null;
    if (!bn) {
      logNormVariance = logVarAcc + 2 / arch.width;
      const sd = Math.sqrt(logNormVariance);
      band = [preVariance * Math.exp(-2 * sd), preVariance * Math.exp(2 * sd)];
      const q = preVariance;
      const m2 = secondMomentFactor(activation, q);
      const kappa = m2 > 0 ? fourthMoment(activation, q) / (m2 * m2) - 1 : 0;
      logVarAcc += kappa / arch.width;
    }
    out.push({
      index: l + 1,
      preVariance,
      gradPreVariance,
      preVarianceBand: band,
      preMean: s1 / N,
      preSecondMoment: sv / N + s2 / N,
      spatial: [L.vari.h, L.vari.w],
      preVarianceNoPadding: L.noPad,
      logNormVariance,
      spatialCorrelation: L.rho,
      backFactor: L.back,
    });
  }
  return out;
}

/** LayerTheory per conv layer (core/types.ts): preVariance, gradPreVariance, preVarianceBand. */
export function predictLayers(opts: PredictOptions): LayerPrediction[] {
  return predictLayersDetailed(opts).map((d) => ({
    preVariance: d.preVariance,
    gradPreVariance: d.gradPreVariance,
    preVarianceBand: d.preVarianceBand,
  }));
}

/** Finite-width Var[ln ‖z_L‖²] for a ReLU net of the given hidden widths (Hanin & Rolnick 2018): 5·Σ 1/n. */
export function haninRolnickLogVariance(widths: number[]): number {
  return 5 * widths.reduce((a, n) => a + 1 / n, 0);
}

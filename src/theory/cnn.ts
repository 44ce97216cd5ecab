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
import { type Act, activationDeriv, activationFn, derivSecondMoment, expectUnder, firstMoment, fourthMoment, ruleUnder, secondMomentFactor } from './activations.ts';
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
/** The ArchSpec fields the predictions read; a test holds these lists to core's ArchSpec. */
export const THEORY_ARCH_FIELDS = ['kind', 'depth', 'width', 'kernel', 'padding', 'bias', 'downsample'] as const satisfies readonly (keyof TheoryArch)[];
/** Left to the caller: predictions stop at the last conv layer (src/probe anchors the gradient under a head). */
export const THEORY_ARCH_IGNORED = ['head', 'classes'] as const;

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

/** Mean fraction of a k-tap window inside n positions, over the outputs along one axis (tfjs's padding offsets). */
export function tapFraction(n: number, kernel: number, stride = 1, padding: 'same' | 'valid' = 'same'): number {
  const counts = tapCounts(axis(n, kernel, stride, padding), kernel);
  return counts.reduce((a, b) => a + b, 0) / (counts.length * kernel);
}

/**
 * Mean fraction of in-bounds taps of a k×k conv over its output positions: 1 for 'valid', < 1 for
 * 'same' zero padding (separable, so the product of the two axes' factors).
 */
export function paddingFactor(height: number, width: number, kernel: number, stride = 1, padding: 'same' | 'valid' = 'same'): number {
  return tapFraction(height, kernel, stride, padding) * tapFraction(width, kernel, stride, padding);
}

/** A map over positions (row-major h×w). */
interface Map2 {
  h: number;
  w: number;
  v: Float64Array;
}

const fill = (h: number, w: number, x: number): Map2 => ({ h, w, v: new Float64Array(h * w).fill(x) });
const meanOf = (m: Map2): number => m.v.reduce((a, b) => a + b, 0) / m.v.length;
/** f applied position by position to maps of one size. */
function zipMap(a: Map2, f: (x: number, p: number) => number): Map2 {
  const out = fill(a.h, a.w, 0);
  for (let p = 0; p < out.v.length; p++) out.v[p] = f(a.v[p]!, p);
  return out;
}

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

interface ActMoments {
  e: number;
  m: number;
  d: number;
}

/** Moments of φ(x), x ~ N(mean, q), memoised (interior positions repeat exactly). */
function actMoments(act: Act): (mean: number, q: number) => ActMoments {
  const memo = new Map<string, ActMoments>();
  return (mean, q) => {
    const key = `${mean}|${q}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const r = { e: firstMoment(act, q, mean), m: secondMomentFactor(act, q, mean), d: derivSecondMoment(act, q, mean) };
    memo.set(key, r);
    return r;
  };
}

/** A 2×2 stride-2 pool's output size and, per output, the positions of its window. */
interface Windows {
  h: number;
  w: number;
  idx: (py: number, px: number) => number[];
}

function pool2(m: Map2): Windows {
  const h = Math.floor(m.h / 2);
  const w = Math.floor(m.w / 2);
  return {
    h,
    w,
    idx: (py, px) => [2 * py * m.w + 2 * px, 2 * py * m.w + 2 * px + 1, (2 * py + 1) * m.w + 2 * px, (2 * py + 1) * m.w + 2 * px + 1],
  };
}

/** How conv layer i is wired (1-based i). */
interface ConvPlan {
  cin: number;
  stride: number;
  /** a 2×2 pool follows the activation */
  pooled: boolean;
  /** the second conv of a residual block: its output is added to the block input */
  addsSkip: boolean;
  /** the stem or a block output: its activation is the next block's input */
  savesSkip: boolean;
}

function planConvs(arch: TheoryArch, input: TheoryInput): ConvPlan[] {
  const residual = arch.kind === 'residual' || arch.kind === 'residual-bn';
  const down = new Set(arch.downsample.at);
  return Array.from({ length: arch.depth }, (_, j) => {
    const i = j + 1;
    return {
      cin: i === 1 ? input.channels : arch.width,
      stride: arch.downsample.mode === 'stride' && down.has(i) ? 2 : 1,
      pooled: arch.downsample.mode !== 'stride' && down.has(i),
      addsSkip: residual && i > 1 && i % 2 === 1,
      savesSkip: residual && i % 2 === 1,
    };
  });
}

/**
 * paddingFactor of each conv layer on its own input: the image, then each layer's output after its
 * stride and pool. What zero padding alone costs each layer's variance, before correlations.
 */
export function convPaddingFactors(arch: TheoryArch, input: TheoryInput): number[] {
  let h = input.height;
  let w = input.width;
  return planConvs(arch, input).map((plan) => {
    const f = paddingFactor(h, w, arch.kernel, plan.stride, arch.padding);
    h = axis(h, arch.kernel, plan.stride, arch.padding).out;
    w = axis(w, arch.kernel, plan.stride, arch.padding).out;
    if (plan.pooled) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    return f;
  });
}

/**
 * Where the forward pass runs: the image with its zero-padded borders, position by position, or an
 * unbounded one (every tap in bounds), where all positions are alike and one stands for all — the
 * "no padding" reference each layer reports beside its prediction.
 */
interface Geometry {
  input(x: number): Map2;
  /** per output position, the sum of the input map over the conv's in-bounds taps */
  convSums(m: Map2, stride: number): Map2;
  /** mean fraction of the conv's taps in bounds (scales the cross-position moment) */
  tapsInBounds(m: Map2, stride: number): number;
  poolWindows(m: Map2): Windows;
}

function paddedGeometry(arch: TheoryArch, input: TheoryInput): Geometry {
  const k = arch.kernel;
  return {
    input: (x) => fill(input.height, input.width, x),
    convSums: (m, stride) => convForward(m, k, stride, arch.padding),
    tapsInBounds: (m, stride) => paddingFactor(m.h, m.w, k, stride, arch.padding),
    poolWindows: pool2,
  };
}

function unboundedGeometry(arch: TheoryArch): Geometry {
  const k = arch.kernel;
  return {
    input: (x) => fill(1, 1, x),
    convSums: (m) => fill(1, 1, k * k * m.v[0]!),
    tapsInBounds: () => 1,
    poolWindows: () => ({ h: 1, w: 1, idx: () => [0] }),
  };
}

/**
 * The activation entering a conv: per-position second moment m and mean e, and the cross-moment
 * k = E[a(p)a(p′)] between different positions (0 for the i.i.d. input).
 */
interface Signal {
  m: Map2;
  e: Map2;
  k: number;
}

/** A residual block's input x: per-position mean and variance, covariance between positions. */
interface Skip {
  e: Map2;
  v: Map2;
  cov: number;
}

/** What the forward pass keeps of layer l for the backward pass and the report. */
interface LayerState {
  inH: number;
  inW: number;
  stride: number;
  pooled: boolean;
  /** per-position mean / variance of the pre-activation, and E[φ′²] there */
  mean: Map2;
  vari: Map2;
  d: Map2;
  /** variance of the conv output over the whole tensor (for BN and its backward scale) */
  convVar: number;
  /** correlation of the pre-activation between two different positions */
  rho: number;
  /** layer-mean E[φ′²], and E[δ_z²] per unit E[δ²] above the activation (and pool) */
  dBar: number;
  back: number;
}

/** conv_l: per-position variance of its output (+ bias) and its covariance between positions. */
function convolve(g: Geometry, a: Signal, plan: ConvPlan, V: number, k: number, sb2: number): { conv: Map2; cross: number } {
  const sums = g.convSums(a.m, plan.stride);
  const conv = zipMap(sums, (s) => V * plan.cin * s + sb2);
  const cross = V * plan.cin * k * k * g.tapsInBounds(a.m, plan.stride) * a.k + sb2;
  return { conv, cross };
}

/** BN divides by the channel's batch std and removes its batch mean — the component positions share. */
function batchNorm(conv: Map2, convVar: number): { conv: Map2; cross: number } {
  return { conv: zipMap(conv, (c) => c / (convVar + BN_EPSILON)), cross: 0 };
}

/** The pre-activation: the branch alone, or the block input x plus it (x + y, treated as Gaussian). */
function preActivation(branch: Map2, cross: number, skip: Skip | null): { mean: Map2; vari: Map2; cov: number } {
  if (skip === null) return { mean: fill(branch.h, branch.w, 0), vari: branch, cov: cross };
  return { mean: skip.e, vari: zipMap(branch, (b, p) => skip.v.v[p]! + b), cov: skip.cov + cross };
}

/** φ position by position: the next signal, E[φ′²] per position, and the layer-level Gaussian (μ̄, v̄, ρ). */
function activate(act: Act, moments: (mean: number, q: number) => ActMoments, mean: Map2, vari: Map2, cov: number) {
  const vBar = meanOf(vari);
  const muBar = meanOf(mean);
  const rho = vBar > 0 ? Math.min(1, Math.max(0, cov / vBar)) : 0;
  const at = (p: number): ActMoments => moments(mean.v[p]!, vari.v[p]!);
  const m = zipMap(vari, (_, p) => at(p).m);
  const e = zipMap(vari, (_, p) => at(p).e);
  const d = zipMap(vari, (_, p) => at(p).d);
  return { next: { m, e, k: crossMoment(act, muBar, vBar, rho) }, d, muBar, vBar, rho };
}

/**
 * A 2×2 pool of the activation. Layer-level pooled moments (poolStats), spread over windows in
 * proportion to their un-pooled moments (border windows, with smaller variance, keep their share).
 */
function pool(act: Act, mode: 'maxpool' | 'avgpool', a: Signal, windows: Windows, muBar: number, vBar: number, rho: number): { next: Signal; back: number } {
  const st = poolStats(act, mode, muBar, vBar, rho);
  const mBar = meanOf(a.m);
  const eBar = meanOf(a.e);
  const m = fill(windows.h, windows.w, 0);
  const e = fill(windows.h, windows.w, 0);
  for (let py = 0; py < windows.h; py++)
    for (let px = 0; px < windows.w; px++) {
      const ids = windows.idx(py, px);
      const wm = ids.reduce((s, j) => s + a.m.v[j]!, 0) / ids.length;
      const we = ids.reduce((s, j) => s + a.e.v[j]!, 0) / ids.length;
      m.v[py * windows.w + px] = mBar > 0 ? (st.m * wm) / mBar : st.m;
      e.v[py * windows.w + px] = Math.abs(eBar) > 1e-300 ? (st.e * we) / eBar : st.e;
    }
  return { next: { m, e, k: st.cross }, back: st.back };
}

/** The block input x = a: its variance per position and covariance between positions. */
function skipOf(a: Signal): Skip {
  return { e: a.e, v: zipMap(a.m, (m, p) => Math.max(0, m - a.e.v[p]! ** 2)), cov: a.k - meanOf(a.e) ** 2 };
}

/** Forward pass over every conv layer: conv → (BN) → (+ skip) → φ → (pool). */
function forward(opts: PredictOptions, plans: ConvPlan[], g: Geometry): LayerState[] {
  const { arch, activation } = opts;
  const bn = arch.kind === 'batchnorm' || arch.kind === 'residual-bn';
  const sb2 = arch.bias ? opts.biasVariance : 0;
  const moments = actMoments(activation);
  const layers: LayerState[] = [];
  let a: Signal = { m: g.input(opts.inputVariance), e: g.input(0), k: 0 };
  let skip: Skip | null = null;
  plans.forEach((plan, j) => {
    const conv = convolve(g, a, plan, opts.weightVariances[j]!, arch.kernel, sb2);
    const convVar = meanOf(conv.conv);
    const branch = bn ? batchNorm(conv.conv, convVar) : conv;
    const pre = preActivation(branch.conv, branch.cross, plan.addsSkip ? skip : null);
    const z = activate(activation, moments, pre.mean, pre.vari, pre.cov);
    const pooled = plan.pooled
      ? pool(activation, arch.downsample.mode as 'maxpool' | 'avgpool', z.next, g.poolWindows(pre.vari), z.muBar, z.vBar, z.rho)
      : null;
    const dBar = meanOf(z.d);
    layers.push({
      inH: a.m.h,
      inW: a.m.w,
      stride: plan.stride,
      pooled: plan.pooled,
      mean: pre.mean,
      vari: pre.vari,
      d: z.d,
      convVar,
      rho: z.rho,
      dBar,
      back: pooled?.back ?? dBar,
    });
    a = pooled?.next ?? z.next;
    if (plan.savesSkip) skip = skipOf(a);
  });
  return layers;
}

/**
 * Backward pass: G[l] = E[δ²] per position of the gradient wrt pre-activation l, from a unit E[δ²] at
 * the last layer's.
 */
function backward(opts: PredictOptions, layers: LayerState[]): Map2[] {
  const { arch } = opts;
  const bn = arch.kind === 'batchnorm' || arch.kind === 'residual-bn';
  /** δ wrt the activation a_l (after its pool) → δ wrt the pre-activation z_l. */
  const throughAct = (l: number, gA: Map2): Map2 => {
    const L = layers[l]!;
    if (!L.pooled) return zipMap(gA, (g, p) => g * L.d.v[p]!);
    // Each window input gets `back` per unit gradient at the pooled output (see poolStats), shared
    // out by the position's own E[φ′²] where it differs from the layer mean (borders).
    const out = fill(L.vari.h, L.vari.w, 0);
    const P = pool2(L.vari);
    for (let py = 0; py < P.h; py++)
      for (let px = 0; px < P.w; px++)
        for (const j of P.idx(py, px)) out.v[j] = gA.v[py * P.w + px]! * (L.dBar > 0 ? (L.back * L.d.v[j]!) / L.dBar : L.back);
    return out;
  };
  /** δ wrt conv_l's output → δ wrt its input activation (through BN when present). */
  const throughConv = (l: number, gOut: Map2): Map2 => {
    const L = layers[l]!;
    const V = opts.weightVariances[l]!;
    const scale = bn ? 1 / (L.convVar + BN_EPSILON) : 1;
    const back = convBackward(gOut, L.inH, L.inW, arch.kernel, L.stride, arch.padding);
    // Each input feeds arch.width output channels, each through an independent weight of variance V.
    return zipMap(back, (b) => b * V * arch.width * scale);
  };
  const G: Map2[] = new Array(arch.depth);
  const last = layers[arch.depth - 1]!;
  G[arch.depth - 1] = fill(last.vari.h, last.vari.w, 1);
  if (arch.kind === 'plain' || arch.kind === 'batchnorm') {
    for (let l = arch.depth - 2; l >= 0; l--) G[l] = throughAct(l, throughConv(l + 1, G[l + 1]!));
    return G;
  }
  // Layer indices (0-based): stem 0; block b has first 2b−1, second 2b; the skip adds the block
  // output's gradient to what comes back through the branch.
  for (let s = arch.depth - 1; s >= 2; s -= 2) {
    const first = s - 1;
    G[first] = throughAct(first, throughConv(s, G[s]!));
    const viaBranch = throughConv(first, G[first]!);
    G[s - 2] = throughAct(s - 2, zipMap(viaBranch, (b, p) => G[s]!.v[p]! + b));
  }
  return G;
}

/**
 * Variance over the whole tensor: E[z²] − E[(tensor mean)²]. Each channel has its own offset μ_c, shared
 * by all its positions (Var(μ_c) = the cross-position covariance ρ·v̄), and the tensor mean averages
 * `width` of them, so E[(tensor mean)²] carries ρ·v̄/width besides the deterministic mean.
 */
function tensorMoments(L: LayerState, width: number): { preMean: number; preSecondMoment: number; preVariance: number } {
  const N = L.vari.v.length;
  let s1 = 0;
  let s2 = 0;
  let sv = 0;
  for (let p = 0; p < N; p++) {
    s1 += L.mean.v[p]!;
    s2 += L.mean.v[p]! ** 2;
    sv += L.vari.v[p]!;
  }
  return {
    preMean: s1 / N,
    preSecondMoment: sv / N + s2 / N,
    preVariance: Math.max(0, sv / N + s2 / N - (s1 / N) ** 2 - (L.rho * (sv / N)) / width),
  };
}

/**
 * Cov(φ(u)², φ(u′)²)/E[φ(u)²]² for u, u′ ~ N(0, q) with correlation r ≥ 0: the share of κ = E[φ⁴]/E[φ²]² − 1
 * two correlated samples of one channel have in common (κ at r = 1, 0 at r = 0). relu: the degree-2
 * arc-cosine kernel (Cho & Saul 2009), E[relu(u)²relu(u′)²] = q²(3 sin θ cos θ + (π − θ)(1 + 2cos²θ))/(2π).
 * Otherwise Mehler's expansion Σ_{k≥1} r^k b_k, b_k = E[φ(u)² h_k(u/√q)]²/E[φ²]² (h_k the normalised Hermite
 * polynomials), from one 1-D rule, to k = 100; the b_k are ≥ 0 and sum to κ, so the rest is at most
 * r^101·(κ − Σ b_k), counted as half that (a band width does not need more).
 */
function sharedKappa(act: Act, q: number, r: number): number {
  const m2 = secondMomentFactor(act, q);
  if (r <= 0 || !(m2 > 0)) return 0;
  if (act.name === 'linear') return 2 * r * r;
  if (act.name === 'relu') {
    const th = Math.acos(Math.min(1, r));
    return (2 * (3 * Math.sin(th) * Math.cos(th) + (Math.PI - th) * (1 + 2 * Math.cos(th) ** 2))) / Math.PI - 1;
  }
  const K = 100;
  const phi = activationFn(act);
  const { x, w } = ruleUnder(act, q);
  const a = new Float64Array(K + 1);
  let e4 = 0;
  const sq = Math.sqrt(q);
  for (let i = 0; i < x.length; i++) {
    const f2 = phi(x[i]!) ** 2;
    e4 += w[i]! * f2 * f2;
    const z = x[i]! / sq;
    let hPrev = 1;
    let h = z;
    a[1] += w[i]! * f2 * h;
    for (let k = 1; k < K; k++) {
      const next = (z * h - Math.sqrt(k) * hPrev) / Math.sqrt(k + 1);
      hPrev = h;
      h = next;
      a[k + 1] += w[i]! * f2 * h;
    }
  }
  let sum = 0;
  let mass = 0;
  for (let k = K; k >= 1; k--) {
    const b = (a[k]! / m2) ** 2;
    sum = sum * r + b;
    mass += b;
  }
  const kappa = e4 / (m2 * m2) - 1;
  return r * sum + 0.5 * r ** (K + 1) * Math.max(0, kappa - mass);
}

/**
 * For one output position of a k×k conv with this stride: Σ o and Σ o² over the other positions whose
 * windows overlap its own, o the fraction of taps two windows share (per axis (k − stride·|d|)/k, d the
 * offset in outputs; the product of the two axes).
 */
function windowOverlap(k: number, stride: number): { g1: number; g2: number } {
  let s1 = 0;
  let s2 = 0;
  for (let d = -k; d <= k; d++) {
    const o = Math.max(0, k - stride * Math.abs(d)) / k;
    s1 += o;
    s2 += o * o;
  }
  return { g1: s1 * s1 - 1, g2: s2 * s2 - 1 };
}

/** d ln E[φ(√q z)²]/d ln q = E[φ(u)φ′(u)u]/E[φ(u)²], u ~ N(0, q) (Stein); 1 for relu and linear (homogeneous). */
function logSlope(act: Act, q: number): number {
  if (act.name === 'relu' || act.name === 'leaky_relu' || act.name === 'linear') return 1;
  const m2 = secondMomentFactor(act, q);
  if (!(q > 0) || !(m2 > 0)) return 1;
  const phi = activationFn(act);
  const d = activationDeriv(act);
  return expectUnder(act, (u) => phi(u) * d(u) * u, q) / m2;
}

/**
 * Finite-width Var[ln v̂_l] per layer (v̂_l the measured variance of pre-activation l) and the ±2σ band around
 * each variance (null with batch norm). See predictLayersDetailed for the model.
 */
function finiteWidth(opts: PredictOptions, layers: LayerState[], variances: number[]): { logNormVariance: number | null; band: [number, number] | null }[] {
  const { arch, activation } = opts;
  if (arch.kind === 'batchnorm' || arch.kind === 'residual-bn') return variances.map(() => ({ logNormVariance: null, band: null }));
  const n = arch.width;
  const sb2 = arch.bias ? opts.biasVariance : 0;
  let V = 0;
  return variances.map((q, l) => {
    const L = layers[l]!;
    const P = (opts.batch ?? 1) * L.vari.h * L.vari.w;
    // the in-bounds fan-in: the dimension of the patches whose empirical correlation scatters around ρ
    const F = (l === 0 ? opts.input.channels : n) * arch.kernel ** 2 * paddingFactor(L.inH, L.inW, arch.kernel, L.stride, arch.padding);
    // overlapping windows of one example share taps: r = ρ + (1 − ρ)·o, o the shared fraction of the window
    const { g1, g2 } = windowOverlap(arch.kernel, L.stride);
    const rho = L.rho;
    const r2 = rho ** 2 + (1 - rho ** 2) ** 2 / F + (2 * rho * (1 - rho) * g1 + (1 - rho) ** 2 * g2) / P;
    // this layer's own draw: one channel's mean of z² over P samples whose pairwise correlation has E[r²] = r2
    const logNormVariance = V + (2 / n) * (1 / P + (1 - 1 / P) * r2);
    const sd = Math.sqrt(logNormVariance);
    const m2 = secondMomentFactor(activation, q);
    const kappa = m2 > 0 ? fourthMoment(activation, q) / (m2 * m2) - 1 : 0;
    const qNext = variances[l + 1];
    // the fraction of the next layer's variance that its weights carry (the bias's share does not fluctuate)
    const b = qNext !== undefined && qNext > 0 ? Math.max(0, 1 - sb2 / qNext) : 1;
    const shared = sharedKappa(activation, q, Math.sqrt(r2));
    V = (logSlope(activation, q) * b) ** 2 * V + ((b * b) / n) * (kappa / P + (1 - 1 / P) * shared);
    return { logNormVariance, band: [q * Math.exp(-2 * sd), q * Math.exp(2 * sd)] };
  });
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
  /** examples in the batch the variances are measured on (the finite-width band; absent: 1) */
  batch?: number;
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
 * Finite-width band (Hanin & Rolnick 2018, made conv- and slope-aware). The units independent given a
 * layer's input are its n = `width` output channels (positions share a filter); each channel's statistic is
 * a mean over P = batch·h·w samples whose pairwise correlation r is the layer's ρ (the correlation map from
 * the independent input: spatialCorrelation) plus the scatter of an empirical correlation of F-dimensional
 * patches (F the in-bounds fan-in) and the taps overlapping windows of one example share (a share o of
 * the window: r = ρ + (1 − ρ)o, summed over the overlapping positions, 1/P of all pairs each):
 * E[r²] = ρ² + (1 − ρ²)²/F + (2ρ(1 − ρ)Σo + (1 − ρ)²Σo²)/P. A channel's mean of z² then has relative
 * variance (2/n)(1/P + (1 − 1/P)E[r²]), its mean of φ(z)² (κ/P + (1 − 1/P)κ_r)/n with κ = E[φ⁴]/E[φ²]² − 1
 * (5 for relu) and κ_r = Cov(φ(u)², φ(u′)²)/E[φ²]² at r = √E[r²] (κ at r = 1, 0 at r = 0), and that noise
 * reaches later layers through each layer's log-slope s = d ln q_{l+1}/d ln q_l = E[φφ′u]/E[φ²]·b,
 * b = 1 − σ_b²/q_{l+1} (s = 1 for relu; < 1 where the length map contracts, e.g. tanh):
 *   Var[ln v̂_l] = V_l + (2/n)(1/P + (1 − 1/P)E[r_l²]),   V_{l+1} = s_l² V_l + (b²/n)(κ_l/P + (1 − 1/P)κ_r,l).
 * With P = 1 this is Hanin & Rolnick's 5·Σ 1/n + 2/n for relu. Approximations: pairs of samples are
 * exchangeable (overlapping windows and same-example pairs correlate a little more), κ_r is taken at the rms
 * correlation, pools and skips are not in the slopes, pre-activations are zero-mean. The band is ±2σ in log
 * space, [v·e^{−2σ}, v·e^{2σ}].
 * Batch-norm nets get null: BN rescales every channel to unit variance on the batch.
 */
export function predictLayersDetailed(opts: PredictOptions): LayerPredictionDetail[] {
  const { arch, input } = opts;
  if (opts.weightVariances.length !== arch.depth) {
    throw new RangeError(`predictLayers: weightVariances has ${opts.weightVariances.length} entries, depth is ${arch.depth}`);
  }
  const plans = planConvs(arch, input);
  const layers = forward(opts, plans, paddedGeometry(arch, input));
  const unpadded = forward(opts, plans, unboundedGeometry(arch));
  const G = backward(opts, layers);
  const moments = layers.map((L) => tensorMoments(L, arch.width));
  const spread = finiteWidth(opts, layers, moments.map((m) => m.preVariance));
  return layers.map((L, l) => ({
    index: l + 1,
    preVariance: moments[l]!.preVariance,
    gradPreVariance: meanOf(G[l]!),
    preVarianceBand: spread[l]!.band,
    preMean: moments[l]!.preMean,
    preSecondMoment: moments[l]!.preSecondMoment,
    spatial: [L.vari.h, L.vari.w],
    preVarianceNoPadding: unpadded[l]!.vari.v[0]!,
    logNormVariance: spread[l]!.logNormVariance,
    spatialCorrelation: L.rho,
    backFactor: L.back,
  }));
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

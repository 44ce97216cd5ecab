/**
 * The probe's signal-propagation statistics (core/types.ts SignalStats; Brock et al. 2021) against
 * independent truth, on wasm.
 *
 * Exact truth for nets of 1×1 convs with linear activations: every tensor is x·A for the N(0, 1) probe
 * input x (one row of `cin` per example and position, i.i.d. over the M = N·H·W rows) and a matrix A
 * (cin × C) made from the kernels, read back from the model. Then per channel c the entries are i.i.d.
 * N(0, Σ_cc) with Σ = AᵀA, and for the channel means μ̂ = x̄·A (x̄ ~ N(0, I/M)) and biased variances:
 *   E[avg channel squared mean] = tr Σ/(C·M),         sd = √(2 tr Σ²)/(C·M)
 *   E[avg channel variance]    = tr Σ·(M − 1)/(C·M),  sd = √(2 (M − 1) tr Σ²)/(C·M)
 * (quadratic forms in Gaussians: E = tr, Var = 2 tr of the square; the M − 1 centred rows are
 * independent directions). Bounds are 5 sd.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readyBackend } from '../src/backend/index.ts';
import { buildRunModel, getWeightMap } from '../src/model/index.ts';
import { aggregateProbes, makeProbeBatch, probeRun, probeTensors } from '../src/probe/index.ts';
import { normalizeInitSpec } from '../src/init/index.ts';
import type { ActivationName, ArchKind, ChannelStats, ProbeResult, RunSpec } from '../src/core/types.ts';
import type { BuiltinRunSpec } from '../src/core/types.ts';

beforeAll(async () => {
  await readyBackend('wasm');
});

interface Opts {
  kind: ArchKind;
  init: string;
  act: ActivationName;
  depth: number;
  width: number;
  kernel: number;
  channels: number;
  size: number;
  batch: number;
  seed: number;
  head?: 'none' | 'gap-dense';
}

function runSpec(o: Opts): BuiltinRunSpec {
  return {
    id: `s-${o.kind}-${o.init}-${o.act}-${o.seed}`,
    suite: 'test',
    seed: o.seed,
    repeat: 0,
    init: normalizeInitSpec(o.init),
    activation: { name: o.act },
    arch: {
      kind: o.kind,
      depth: o.depth,
      width: o.width,
      kernel: o.kernel,
      padding: 'same',
      bias: false,
      downsample: { at: [], mode: 'maxpool' },
      head: o.head ?? 'none',
      classes: 10,
    },
    input: { height: o.size, width: o.size, channels: o.channels },
    probe: { batch: o.batch, source: 'gaussian', inputStd: 1, atSteps: [] },
    data: null,
    train: null,
  };
}

type Mat = number[][];

/** The 1×1 kernels as cin × cout matrices, by layer name. */
async function probeAndKernels(spec: BuiltinRunSpec): Promise<{ r: ProbeResult; k: (name: string) => Mat }> {
  const built = await buildRunModel(spec);
  const batch = makeProbeBatch(spec);
  try {
    const r = await probeRun(spec, built, batch, 0);
    const w = getWeightMap(built.model);
    const k = (name: string): Mat => {
      const { shape, data } = w.get(`${name}/kernel`)!;
      const [, , cin, cout] = shape as [number, number, number, number];
      return Array.from({ length: cin }, (_, i) => Array.from({ length: cout }, (_, j) => data[i * cout + j]!));
    };
    return { r, k };
  } finally {
    batch.dispose();
    built.dispose();
  }
}

function matmul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}
const eye = (n: number): Mat => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const addM = (a: Mat, b: Mat): Mat => a.map((r, i) => r.map((v, j) => v + b[i]![j]!));
const transpose = (a: Mat): Mat => a[0]!.map((_, j) => a.map((r) => r[j]!));

/** tr Σ and tr Σ² for Σ = AᵀA. */
function traces(A: Mat): { t1: number; t2: number } {
  const S = matmul(transpose(A), A);
  return { t1: S.reduce((s, r, i) => s + r[i]!, 0), t2: S.reduce((s, r) => s + r.reduce((u, v) => u + v * v, 0), 0) };
}

/** The channel statistics of x·A against their exact means, within 5 sd (see the file comment). */
function expectLinear(got: ChannelStats, A: Mat, M: number, what: string): void {
  const C = A[0]!.length;
  const { t1, t2 } = traces(A);
  const sqMean = t1 / (C * M);
  const sqSd = Math.sqrt(2 * t2) / (C * M);
  const variance = (t1 * (M - 1)) / (C * M);
  const varSd = Math.sqrt(2 * (M - 1) * t2) / (C * M);
  expect(Math.abs(got.sqMean! - sqMean), `${what} sqMean ${got.sqMean} vs ${sqMean}`).toBeLessThan(5 * sqSd);
  expect(Math.abs(got.variance! - variance), `${what} variance ${got.variance} vs ${variance}`).toBeLessThan(5 * varSd);
}

describe('one 1×1 conv on N(0,1) input (cin 3 → 32 channels, M = 16·32·32): exact per-draw truth', () => {
  const M = 16 * 32 * 32;
  const base = { kind: 'plain' as const, depth: 1, width: 32, kernel: 1, channels: 3, size: 32, batch: 16, seed: 5 };

  it('linear, zero-mean weights: channel squared mean ≈ tr Σ/(C·M) ≈ 0, channel variance ≈ tr Σ/C (the per-draw predicted variance)', async () => {
    const { r, k } = await probeAndKernels(runSpec({ ...base, init: 'he-normal', act: 'linear' }));
    const s = r.layers[0]!.signal!;
    expectLinear(s.pre, k('conv1'), M, 'pre');
    expect(s.post).toEqual(s.pre);
    expect(s.branch).toBeNull();
    // "≈ 0": the squared channel mean is the sampling floor, 1/M of the variance
    expect(s.pre.sqMean! / s.pre.variance!).toBeLessThan(5 / M);
  });

  it('relu: channel squared mean of the post-activation ≈ Var(pre)/(2π), as E[relu(z)] = σ/√(2π)', async () => {
    const { r, k } = await probeAndKernels(runSpec({ ...base, init: 'he-normal', act: 'relu' }));
    const W = k('conv1');
    const C = 32;
    // channel c is i.i.d. N(0, q_c) over its M entries, q_c = Σ_cc
    const q = transpose(W).map((col) => col.reduce((a, v) => a + v * v, 0));
    const half = 0.5 - 1 / (2 * Math.PI); // Var(relu(z))/q
    // E[μ̂_c²] = q_c/(2π) + Var(μ̂_c), Var(μ̂_c) = q_c·half/M; sd(μ̂_c²) = √(4μ_c²v_c + 2v_c²) for a
    // Gaussian μ̂_c (M ≥ 16k: the CLT), and the sd of an average is at most the average of the sds
    // (however the channels correlate through the shared input)
    let want = 0;
    let sd = 0;
    for (const qc of q) {
      const v = (qc * half) / M;
      want += (qc / (2 * Math.PI) + v) / C;
      sd += Math.sqrt((4 * qc * v) / (2 * Math.PI) + 2 * v * v) / C;
    }
    const s = r.layers[0]!.signal!;
    expect(Math.abs(s.post.sqMean! - want)).toBeLessThan(5 * sd);
    // the constant itself, against the measured pre-activation variance: 1/(2π) = 0.159, not 1/4 or 1/π
    expect(Math.abs((s.post.sqMean! / s.pre.variance!) * 2 * Math.PI - 1)).toBeLessThan(0.1);
    expectLinear(s.pre, W, M, 'pre');
  });
});

describe('residual branch variance: 1×1 linear residual net (depth 7 = stem + 3 blocks, width 32)', () => {
  const M = 16 * 16 * 16;
  it('each block b: branch y_b = x·W1·P_b·W_2b·W_2b+1 with P_{b+1} = P_b(I + W_2b·W_2b+1); its channel stats and layer 2b+1’s pre-activation x_b + y_b match exactly', async () => {
    const spec = runSpec({ kind: 'residual', init: 'lecun-normal', act: 'linear', depth: 7, width: 32, kernel: 1, channels: 3, size: 16, batch: 16, seed: 6 });
    const { r, k } = await probeAndKernels(spec);
    let P = eye(32);
    const branches: number[] = [];
    for (let b = 1; b <= 3; b++) {
      const inner = matmul(k(`conv${2 * b}`), k(`conv${2 * b + 1}`));
      const A = matmul(matmul(k('conv1'), P), inner);
      const layer = r.layers[2 * b]!;
      expect(layer.name).toBe(`conv${2 * b + 1}`);
      expectLinear(layer.signal!.branch!, A, M, `block ${b} branch`);
      P = matmul(P, addM(eye(32), inner));
      expectLinear(layer.signal!.pre, matmul(k('conv1'), P), M, `conv${2 * b + 1} pre`);
      branches.push(layer.signal!.branch!.variance!);
    }
    // the stem and each block's first conv add nothing: no branch there
    for (const i of [0, 1, 3, 5]) expect(r.layers[i]!.signal!.branch, r.layers[i]!.name).toBeNull();
    // LeCun (Var(W) = 1/fan_in), linear: E‖y_b‖² = E‖x_b‖² and x doubles per block, so the branch
    // variance grows ×2 per block over weight draws; one draw at width 32 lands within a factor 2 of it
    for (let b = 1; b < 3; b++) {
      const ratio = branches[b]! / branches[b - 1]!;
      expect(ratio).toBeGreaterThan(1);
      expect(ratio).toBeLessThan(4);
    }
  });

  it('residual-bn: the branch is a BatchNorm output in training mode, so every channel has mean 0 and variance σ²/(σ² + ε)', async () => {
    const spec = runSpec({ kind: 'residual-bn', init: 'he-normal', act: 'relu', depth: 5, width: 16, kernel: 3, channels: 3, size: 8, batch: 8, seed: 7 });
    const { r } = await probeAndKernels(spec);
    for (const i of [2, 4]) {
      const br = r.layers[i]!.signal!.branch!;
      expect(br.sqMean!).toBeLessThan(1e-9);
      // σ² of a He conv's output on BN'd ReLU inputs is ≈ 1 ≫ ε = 10⁻³ (and it cannot exceed 1)
      expect(br.variance!).toBeGreaterThan(0.99);
      expect(br.variance!).toBeLessThanOrEqual(1 + 1e-6);
    }
  });
});

describe('against a float64 recomputation from the probe tensors (residual ReLU 3×3 net with a head)', () => {
  it('every layer’s pre/post channel stats and moments, and each branch, within float32 rounding', async () => {
    const spec = runSpec({ kind: 'residual', init: 'he-normal', act: 'relu', depth: 5, width: 8, kernel: 3, channels: 3, size: 8, batch: 4, seed: 8, head: 'gap-dense' });
    const built = await buildRunModel(spec);
    const batch = makeProbeBatch(spec);
    const r = await probeRun(spec, built, batch, 0);
    const pt = probeTensors({ net: built.net, layers: built.layers, activation: 'relu', batch, cotangentSeed: 1 });
    const stats = (t: tf.Tensor): { ch: ChannelStats; mean: number; variance: number; second: number } => {
      const d = t.dataSync();
      const C = t.shape.at(-1)!;
      const n = d.length / C;
      let sq = 0;
      let vr = 0;
      let s1 = 0;
      let s2 = 0;
      for (let c = 0; c < C; c++) {
        let m = 0;
        for (let i = c; i < d.length; i += C) m += d[i]!;
        m /= n;
        let v = 0;
        for (let i = c; i < d.length; i += C) v += (d[i]! - m) ** 2;
        sq += (m * m) / C;
        vr += v / n / C;
      }
      for (const x of d) {
        s1 += x;
        s2 += x * x;
      }
      const mean = s1 / d.length;
      return { ch: { sqMean: sq, variance: vr }, mean, variance: s2 / d.length - mean * mean, second: s2 / d.length };
    };
    const close = (a: number | null, b: number, what: string, scale: number): void => {
      expect(Math.abs(a! - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-5 * scale);
    };
    try {
      r.layers.forEach((l, j) => {
        for (const [part, t] of [['pre', pt.pre[j]!], ['post', pt.post[j]!]] as const) {
          const s = stats(t);
          const what = `${l.name} ${part}`;
          close(l.signal![part].sqMean, s.ch.sqMean!, `${what} sqMean`, s.second);
          close(l.signal![part].variance, s.ch.variance!, `${what} variance`, s.second);
          close(l[part].mean, s.mean, `${what} mean`, Math.sqrt(s.second));
          close(l[part].variance, s.variance, `${what} moments variance`, s.second);
          close(l[part].secondMoment, s.second, `${what} secondMoment`, s.second);
        }
        const br = pt.branch[j];
        expect(br === null, l.name).toBe(l.signal!.branch === null);
        if (br !== null) {
          const s = stats(br!);
          close(l.signal!.branch!.sqMean, s.ch.sqMean!, `${l.name} branch sqMean`, s.second);
          close(l.signal!.branch!.variance, s.ch.variance!, `${l.name} branch variance`, s.second);
        }
      });
    } finally {
      pt.dispose();
      batch.dispose();
      built.dispose();
    }
    expect(r.layers.filter((l) => l.signal!.branch !== null).map((l) => l.name)).toEqual(['conv3', 'conv5']);
  });

  it('aggregateProbes carries the signal statistics: the mean over seeds, and n = 0 where there is no branch', async () => {
    const rs: ProbeResult[] = [];
    for (const seed of [1, 2]) rs.push((await probeAndKernels(runSpec({ kind: 'residual', init: 'he-normal', act: 'relu', depth: 3, width: 8, kernel: 3, channels: 3, size: 8, batch: 4, seed }))).r);
    const agg = aggregateProbes(rs);
    const v = rs.map((r) => r.layers[2]!.signal!.branch!.variance!);
    expect(agg.layers[2]!.stats['signal.branch.variance'].mean).toBeCloseTo((v[0]! + v[1]!) / 2, 12);
    expect(agg.layers[2]!.stats['signal.post.sqMean'].n).toBe(2);
    expect(agg.layers[0]!.stats['signal.branch.variance'].n).toBe(0);
  });
});

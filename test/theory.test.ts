import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import {
  type Act,
  activationFn,
  activationGain,
  chi2Quantile,
  convPaddingFactors,
  derivSecondMoment,
  erf,
  firstMoment,
  gaussHermite,
  gaussianExpectation,
  haninRolnickLogVariance,
  meanField,
  normCdf,
  normQuantile,
  paddingFactor,
  predictLayersDetailed,
  reluMomentsShifted,
  reluVarianceClosedForm,
  secondMomentFactor,
  variancePreservingGain,
} from '../src/theory/index.ts';

/** Monte Carlo mean of f(√q z + μ) with its standard error, seeded. */
function monteCarlo(f: (x: number) => number, q: number, mean: number, n: number, seed: number): { mean: number; se: number } {
  const rng = new Rng(seed);
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const y = f(mean + Math.sqrt(q) * rng.normal());
    s += y;
    s2 += y * y;
  }
  const m = s / n;
  return { mean: m, se: Math.sqrt((s2 / n - m * m) / n) };
}

/**
 * Plain conv net in tfjs (cpu backend), He-normal weights: per layer, the pre-activation variance and the
 * E[δ²] of the gradient wrt it from a unit Gaussian cotangent at the last pre-activation (tf.grad),
 * each as [mean over nets, standard error].
 */
function measureNet(o: { depth: number; H: number; width: number; nets: number; act: 'relu' | 'tanh'; pool?: { at: number; mode: 'maxpool' | 'avgpool' } }): { fwd: [number, number][]; grad: [number, number][] } {
  const wv = Array.from({ length: o.depth }, (_, l) => 2 / (9 * (l === 0 ? 3 : o.width)));
  const phi = (z: tf.Tensor): tf.Tensor4D => (o.act === 'relu' ? tf.relu(z) : tf.tanh(z)) as tf.Tensor4D;
  const post = (l: number, z: tf.Tensor): tf.Tensor4D => {
    const a = phi(z);
    if (o.pool === undefined || o.pool.at !== l + 1) return a;
    return o.pool.mode === 'maxpool' ? tf.maxPool(a, 2, 2, 'valid') : tf.avgPool(a, 2, 2, 'valid');
  };
  const fwd: number[][] = [];
  const grad: number[][] = [];
  for (let s = 0; s < o.nets; s++) {
    const [v, g] = tf.tidy(() => {
      let x: tf.Tensor4D = tf.randomNormal([8, o.H, o.H, 3], 0, 1, 'float32', 1000 + s);
      const ws: tf.Tensor4D[] = [];
      const zs: tf.Tensor4D[] = [];
      for (let l = 0; l < o.depth; l++) {
        const w = tf.randomNormal([3, 3, l === 0 ? 3 : o.width, o.width], 0, Math.sqrt(wv[l]!), 'float32', 1 + s * 100 + l) as tf.Tensor4D;
        const z = tf.conv2d(x, w, 1, 'same');
        ws.push(w);
        zs.push(z);
        x = post(l, z);
      }
      const c = tf.randomNormal(zs[o.depth - 1]!.shape, 0, 1, 'float32', 5000 + s);
      const from = (l: number) => (z: tf.Tensor): tf.Tensor => {
        let h = z as tf.Tensor4D;
        for (let j = l + 1; j < o.depth; j++) h = tf.conv2d(post(j - 1, h), ws[j]!, 1, 'same');
        return tf.sum(tf.mul(c, h));
      };
      return [zs.map((z) => tf.moments(z).variance.dataSync()[0]!), zs.map((z, l) => tf.mean(tf.square(tf.grad(from(l))(z))).dataSync()[0]!)];
    });
    fwd.push(v);
    grad.push(g);
  }
  const meanSe = (xs: number[]): [number, number] => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return [m, Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) / xs.length)];
  };
  return {
    fwd: Array.from({ length: o.depth }, (_, l) => meanSe(fwd.map((v) => v[l]!))),
    grad: Array.from({ length: o.depth }, (_, l) => meanSe(grad.map((v) => v[l]!))),
  };
}

describe('special functions against tabulated values', () => {
  it.each([
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [3, 0.9999779095030014],
  ])('erf(%f) = %f', (x, v) => {
    expect(erf(x)).toBeCloseTo(v, 14);
  });
  it.each([
    [0.975, 1.959963984540054],
    [0.999, 3.090232306167813],
    [0.0005, -3.290526731491926],
  ])('Φ⁻¹(%f) = %f', (p, v) => {
    expect(normQuantile(p)).toBeCloseTo(v, 10);
    expect(normCdf(v)).toBeCloseTo(p, 12);
  });
  it.each([
    [0.975, 10, 20.48317735080739],
    [0.025, 10, 3.246972780236841],
    [0.95, 1, 3.841458820694124],
    [0.0005, 100, 59.895657986564274],
  ])('χ² quantile p=%f k=%i is %f', (p, k, v) => {
    expect(chi2Quantile(p, k)).toBeCloseTo(v, 4);
  });
});

describe('Gauss–Hermite quadrature', () => {
  it('integrates Gaussian moments exactly (E z² = 1, E z⁴ = 3, E z⁶ = 15)', () => {
    expect(gaussianExpectation((x) => x * x)).toBeCloseTo(1, 13);
    expect(gaussianExpectation((x) => x ** 4)).toBeCloseTo(3, 12);
    expect(gaussianExpectation((x) => x ** 6)).toBeCloseTo(15, 11);
  });
  it('weights sum to √π for n = 80', () => {
    const { weights } = gaussHermite(80);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(Math.sqrt(Math.PI), 13);
  });
});

describe('quadrature vs closed forms', () => {
  const relu = (x: number): number => Math.max(x, 0);
  it.each([0.3, 1, 2, 7.5])('relu: E[relu(√q z)²] = q/2 at q=%f (quadrature with the kink split)', (q) => {
    const quad = gaussianExpectation((x) => relu(x) ** 2, 0, q, { kink: 0 });
    expect(quad).toBeCloseTo(q / 2, 12);
    expect(secondMomentFactor({ name: 'relu' }, q)).toBe(q / 2);
  });
  it.each([
    [-1, 2],
    [0.7, 0.5],
  ])('relu shifted N(μ=%f, q=%f): quadrature = rectified-Gaussian closed form', (mu, q) => {
    const cf = reluMomentsShifted(mu, q);
    expect(gaussianExpectation((x) => relu(x) ** 2, mu, q, { kink: 0 })).toBeCloseTo(cf.second, 12);
    expect(gaussianExpectation(relu, mu, q, { kink: 0 })).toBeCloseTo(cf.first, 12);
  });
  it.each([0.5, 1, 3])('linear: E[(√q z)²] = q and E[φ′²] = 1 at q=%f', (q) => {
    expect(gaussianExpectation((x) => x * x, 0, q)).toBeCloseTo(q, 12);
    expect(derivSecondMoment({ name: 'linear' }, q)).toBe(1);
  });
  it('relu: E[φ′(z)²] = 1/2 by quadrature', () => {
    expect(gaussianExpectation((x) => (x > 0 ? 1 : 0), 0, 1.7, { kink: 0 })).toBeCloseTo(0.5, 12);
  });
  it('leaky_relu(0.2): E[φ²] = (1+a²)q/2 by quadrature', () => {
    const f = activationFn({ name: 'leaky_relu', alpha: 0.2 });
    expect(gaussianExpectation((x) => f(x) ** 2, 0, 2, { kink: 0 })).toBeCloseTo(((1 + 0.04) * 2) / 2, 12);
  });
});

describe('quadrature vs Monte Carlo (seeded, 400 000 draws, |Δ| < 5 standard errors)', () => {
  const cases: [Act, number, number][] = [
    [{ name: 'tanh' }, 1, 0],
    [{ name: 'tanh' }, 4, 0.5],
    [{ name: 'selu' }, 1, 0],
    [{ name: 'selu' }, 2.5, -0.3],
    [{ name: 'gelu' }, 1, 0],
    [{ name: 'gelu' }, 3, 0.2],
    [{ name: 'swish' }, 1, 0],
    [{ name: 'elu', alpha: 1 }, 1.5, 0],
    [{ name: 'sigmoid' }, 2, 0],
  ];
  it.each(cases)('%o: E[φ²] and E[φ] at q=%f, μ=%f', (act, q, mu) => {
    const f = activationFn(act);
    const mc2 = monteCarlo((x) => f(x) ** 2, q, mu, 400_000, 11);
    const mc1 = monteCarlo(f, q, mu, 400_000, 12);
    expect(Math.abs(secondMomentFactor(act, q, mu) - mc2.mean)).toBeLessThan(5 * mc2.se);
    expect(Math.abs(firstMoment(act, q, mu) - mc1.mean)).toBeLessThan(5 * mc1.se);
  });
  it('selu at q = 1 is self-normalising: E[φ] = 0, E[φ²] = 1 (Klambauer et al.)', () => {
    expect(firstMoment({ name: 'selu' }, 1)).toBeCloseTo(0, 6);
    expect(secondMomentFactor({ name: 'selu' }, 1)).toBeCloseTo(1, 6);
  });
});

describe('gain table', () => {
  it.each([
    [{ name: 'linear' }, 1],
    [{ name: 'relu' }, Math.SQRT2],
    [{ name: 'leaky_relu', alpha: 0.2 }, Math.sqrt(2 / 1.04)],
    [{ name: 'tanh' }, 5 / 3],
    [{ name: 'sigmoid' }, 1],
    [{ name: 'selu' }, 1],
  ] as [Act, number][])('%o → %f', (act, g) => {
    expect(activationGain(act)).toBeCloseTo(g, 14);
  });
  it.each(['elu', 'gelu', 'swish'] as const)('%s gain keeps q = 1 fixed: g²·E[φ(z)²] = 1', (name) => {
    const g = activationGain({ name });
    expect(g * g * secondMomentFactor({ name }, 1)).toBeCloseTo(1, 10);
  });
  it('relu gain is the variance-preserving one (the seed: the 2 cancels the ½)', () => {
    expect(variancePreservingGain({ name: 'relu' })).toBeCloseTo(Math.SQRT2, 14);
  });
});

describe('mean field', () => {
  it('relu at σ_w² = 2, σ_b = 0 is critical: χ₁ = 1, infinite depth scale', () => {
    const mf = meanField({ name: 'relu' }, 2, 0);
    expect(mf.chi1).toBeCloseTo(1, 12);
    expect(mf.depthScale).toBe(Infinity);
  });
  it('relu at σ_w² = 1 (Xavier-like): q* = 0, χ₁ = 1/2, ξ = 1/ln 2', () => {
    const mf = meanField({ name: 'relu' }, 1, 0);
    expect(mf.qStar).toBe(0);
    expect(mf.chi1).toBeCloseTo(0.5, 12);
    expect(mf.depthScale).toBeCloseTo(1 / Math.LN2, 12);
  });
  it('relu with bias: q* = σ_b²/(1 − σ_w²/2)', () => {
    expect(meanField({ name: 'relu' }, 1.5, 0.1).qStar).toBeCloseTo(0.1 / 0.25, 9);
  });
  it('tanh (σ_w² = 1.5, σ_b² = 0.05): q* is a fixed point of the Monte Carlo length map', () => {
    const mf = meanField({ name: 'tanh' }, 1.5, 0.05);
    const f = activationFn({ name: 'tanh' });
    const mc = monteCarlo((x) => f(x) ** 2, mf.qStar!, 0, 400_000, 5);
    expect(Math.abs(1.5 * mc.mean + 0.05 - mf.qStar!)).toBeLessThan(5 * 1.5 * mc.se);
    expect(mf.chi1!).toBeLessThan(1);
  });
  it('relu above criticality has no fixed point', () => {
    expect(meanField({ name: 'relu' }, 3, 0).qStar).toBeNull();
  });
  it("the seed's closed form: Xavier on ReLU halves the variance per layer, He keeps it", () => {
    expect(reluVarianceClosedForm(1, 1 / 576, 576, 10)).toBeCloseTo(2 ** -10, 15);
    expect(reluVarianceClosedForm(1, 2 / 576, 576, 10)).toBeCloseTo(1, 12);
  });
});

describe('padding factor', () => {
  it.each([
    // per axis, a 3-tap 'same' conv on n positions misses one tap at each border: (3n − 2)/(3n)
    [4, 3, ((3 * 4 - 2) / 12) ** 2],
    [32, 3, ((3 * 32 - 2) / 96) ** 2],
    [8, 5, ((5 * 8 - 6) / 40) ** 2],
  ])('%i×%i image, k=%i', (n, k, f) => {
    expect(paddingFactor(n, n, k)).toBeCloseTo(f, 14);
  });
  it("'valid' loses no taps", () => {
    expect(paddingFactor(8, 8, 3, 1, 'valid')).toBe(1);
  });
});

describe('per-layer padding factors follow tfjs through strides and pools', () => {
  // readied through backend/ (as every tfjs test is), which keeps tfjs's install-tfjs-node banner out of npm test
  beforeAll(async () => {
    const { readyBackend } = await import('../src/backend/index.ts');
    await readyBackend('cpu');
  });
  const cases: { padding: 'same' | 'valid'; mode: 'stride' | 'maxpool' | 'avgpool'; at: number[]; h: number; w: number; k: number; depth: number }[] = [
    { padding: 'same', mode: 'stride', at: [1, 3], h: 11, w: 9, k: 3, depth: 4 },
    { padding: 'same', mode: 'stride', at: [2], h: 16, w: 16, k: 3, depth: 3 },
    { padding: 'same', mode: 'maxpool', at: [1, 2], h: 13, w: 10, k: 5, depth: 3 },
    { padding: 'same', mode: 'avgpool', at: [1], h: 7, w: 7, k: 3, depth: 2 },
    { padding: 'valid', mode: 'stride', at: [2], h: 17, w: 15, k: 3, depth: 3 },
  ];
  it.each(cases.map((c) => [`${c.padding}, ${c.mode} at ${c.at.join(',')}, ${c.h}×${c.w} input, k=${c.k}, depth ${c.depth}`, c] as const))('%s', (_, c) => {
    const arch = { kind: 'plain', depth: c.depth, width: 4, kernel: c.k, padding: c.padding, bias: false, downsample: { at: c.at, mode: c.mode } } as const;
    const theory = convPaddingFactors(arch, { height: c.h, width: c.w, channels: 1 });
    // tfjs's own tap counts: a ones kernel over a ones image, per layer, through its strides and pools
    const measured = tf.tidy(() => {
      let x: tf.Tensor4D = tf.ones([1, c.h, c.w, 1]);
      const out: number[] = [];
      for (let i = 1; i <= c.depth; i++) {
        const stride = c.mode === 'stride' && c.at.includes(i) ? 2 : 1;
        const taps = tf.conv2d(x, tf.ones([c.k, c.k, 1, 1]) as tf.Tensor4D, stride, c.padding);
        out.push(tf.mean(taps).dataSync()[0]! / (c.k * c.k));
        x = tf.onesLike(taps);
        if (c.mode !== 'stride' && c.at.includes(i)) x = tf.maxPool(x, 2, 2, 'valid');
      }
      return out;
    });
    expect(theory).toHaveLength(c.depth);
    theory.forEach((f, i) => expect(f).toBeCloseTo(measured[i]!, 6));
  });
});

describe('per-layer predictions', () => {
  const base = { kind: 'plain' as const, width: 32, kernel: 3, bias: false, downsample: { at: [] as number[], mode: 'maxpool' as const } };
  it("valid padding, relu: He keeps q = 2, LeCun halves it per layer — the seed's closed form", () => {
    const arch = { ...base, depth: 5, padding: 'valid' as const };
    const fan = (l: number): number => 9 * (l === 0 ? 3 : 32);
    const he = predictLayersDetailed({ arch, input: { height: 16, width: 16, channels: 3 }, activation: { name: 'relu' }, weightVariances: [0, 1, 2, 3, 4].map((l) => 2 / fan(l)), inputVariance: 1, biasVariance: 0 });
    const lecun = predictLayersDetailed({ arch, input: { height: 16, width: 16, channels: 3 }, activation: { name: 'relu' }, weightVariances: [0, 1, 2, 3, 4].map((l) => 1 / fan(l)), inputVariance: 1, biasVariance: 0 });
    he.forEach((l) => expect(l.preSecondMoment).toBeCloseTo(2, 12));
    lecun.forEach((l, i) => expect(l.preSecondMoment).toBeCloseTo(reluVarianceClosedForm(1, 1 / 288, 288, i), 12));
    // positions share each channel's filter: correlation 0 at layer 1 (i.i.d. input), then the ReLU mean
    // correlates them (1/π at layer 2), and the tensor variance loses ρ·q/width to the channel offsets
    expect(he[0]!.spatialCorrelation).toBe(0);
    expect(he[1]!.spatialCorrelation).toBeCloseTo(1 / Math.PI, 12);
    he.forEach((l) => expect(l.preVariance).toBeCloseTo(2 - (l.spatialCorrelation * 2) / 32, 12));
    // backward at criticality: the gradient's total energy E[δ²]·h·w is the same at every layer
    // ('valid' convs grow the map going down, so the per-entry variance falls as 36/64, 64/100, …)
    const energy = he.map((l) => l.gradPreVariance! * l.spatial[0] * l.spatial[1]);
    energy.forEach((e) => expect(e).toBeCloseTo(energy[energy.length - 1]!, 10));
    expect(he[4]!.gradPreVariance).toBe(1);
  });
  it("'same' padding on a small image loses variance per layer, as a real tfjs conv net does", async () => {
    const { readyBackend } = await import('../src/backend/index.ts');
    await readyBackend('cpu');
    const depth = 5;
    const H = 6;
    const width = 16;
    const arch = { ...base, depth, width, padding: 'same' as const };
    const fan = (l: number): number => 9 * (l === 0 ? 3 : width);
    const wv = Array.from({ length: depth }, (_, l) => 2 / fan(l));
    const pred = predictLayersDetailed({ arch, input: { height: H, width: H, channels: 3 }, activation: { name: 'relu' }, weightVariances: wv, inputVariance: 1, biasVariance: 0 });
    const { fwd, grad } = measureNet({ depth, H, width, nets: 30, act: 'relu' });
    const last = depth - 1;
    for (let l = 0; l < depth; l++) {
      const [m, se] = fwd[l]!;
      // The padded prediction is within 4 standard errors of the measurement ...
      expect(Math.abs(m - pred[l]!.preVariance!)).toBeLessThan(4 * se);
      // ... and from layer 2 on, the unpadded one (q = 2 for ever) is not.
      if (l >= 1) expect(Math.abs(m - pred[l]!.preVarianceNoPadding!)).toBeGreaterThan(4 * se);
      const [gm, gse] = grad[l]!;
      // 5% allowance: the theory assumes backward weights independent of forward ones (they are not).
      expect(Math.abs(gm - pred[l]!.gradPreVariance!)).toBeLessThan(4 * gse + 0.05 * gm);
    }
    expect(pred[last]!.preVariance!).toBeLessThan(0.6 * pred[last]!.preVarianceNoPadding!);
  });
  it.each([
    ['relu', 'maxpool', 0.05],
    ['relu', 'avgpool', 0.05],
    ['tanh', 'maxpool', 0.15],
  ] as const)('%s + 2×2 %s: correlated positions (max of correlated values, avg cross terms, argmax routing)', async (act, mode, gradTol) => {
    const { readyBackend } = await import('../src/backend/index.ts');
    // cpu: tfjs-backend-wasm 4.22's MaxPoolGrad misroutes windows whose values are all negative
    await readyBackend('cpu');
    const depth = 4;
    const width = 16;
    const arch = { ...base, depth, width, padding: 'same' as const, downsample: { at: [2], mode } };
    const wv = Array.from({ length: depth }, (_, l) => 2 / (9 * (l === 0 ? 3 : width)));
    const pred = predictLayersDetailed({ arch, input: { height: 8, width: 8, channels: 3 }, activation: { name: act }, weightVariances: wv, inputVariance: 1, biasVariance: 0 });
    const { fwd, grad } = measureNet({ depth, H: 8, width, nets: 20, act, pool: { at: 2, mode } });
    for (let l = 0; l < depth; l++) {
      const [m, se] = fwd[l]!;
      // after the pool the exchangeable-correlation model over-predicts by up to ~12% on a 4×4 map
      expect(Math.abs(m - pred[l]!.preVariance!)).toBeLessThan(4 * se + 0.15 * m);
      const [gm, gse] = grad[l]!;
      expect(Math.abs(gm - pred[l]!.gradPreVariance!)).toBeLessThan(4 * gse + gradTol * gm);
    }
    if (mode === 'maxpool' && act === 'relu') {
      // the max routes δ to its argmax, where relu′ = 1 unless all 4 are ≤ 0: far more than E[relu′²] = 1/2
      // (1/4)·E[φ′(u_max)²] vs (1/4)·E[φ′(u)²] = 1/8 if any position's φ′ were taken
      expect(pred[1]!.backFactor).toBeGreaterThan(1.5 / 8);
    }
  });
  it('batch norm pins the pre-activation variance to v/(v+ε) and drops the finite-width band', () => {
    const arch = { ...base, kind: 'batchnorm' as const, depth: 3, padding: 'same' as const };
    const p = predictLayersDetailed({ arch, input: { height: 8, width: 8, channels: 3 }, activation: { name: 'relu' }, weightVariances: [0.1, 0.1, 0.1], inputVariance: 1, biasVariance: 0 });
    for (const l of p) {
      expect(l.preVariance!).toBeGreaterThan(0.98);
      expect(l.preVariance!).toBeLessThan(1);
      expect(l.preVarianceBand).toBeNull();
    }
  });
  it('residual sums add the skip variance: Var(x + y) = Var(x) + Var(y)', () => {
    const arch = { ...base, kind: 'residual' as const, depth: 3, padding: 'valid' as const, kernel: 1 };
    const wv = [2 / 3, 2 / 32, 2 / 32];
    const [stem, first, second] = predictLayersDetailed({ arch, input: { height: 4, width: 4, channels: 3 }, activation: { name: 'relu' }, weightVariances: wv, inputVariance: 1, biasVariance: 0 });
    expect(stem!.preSecondMoment).toBeCloseTo(2, 12);
    // x = relu(stem): E[x²] = 1, E[x] = √(2/2π)·… ; Var(x) = 1 − E[x]²
    const ex = Math.sqrt(2) / Math.sqrt(2 * Math.PI);
    expect(first!.preSecondMoment).toBeCloseTo(2 * 1, 12);
    const y = 2 * secondMomentFactor({ name: 'relu' }, 2);
    expect(second!.preSecondMoment - second!.preMean ** 2).toBeCloseTo(1 - ex * ex + y, 12);
    expect(second!.preMean).toBeCloseTo(ex, 12);
  });
});

describe('finite-width spread (Hanin & Rolnick 2018)', () => {
  it('Var[ln ‖z_L‖²] of a width-32 fully-connected ReLU net matches 5·Σ1/n + 2/n (Monte Carlo, 600 nets)', () => {
    const n = 32;
    const L = 6;
    const rng = new Rng(77);
    const logs: number[] = [];
    const x0 = new Float64Array(n).map(() => rng.normal());
    for (let t = 0; t < 600; t++) {
      let a = x0;
      let z = new Float64Array(n);
      for (let l = 0; l < L; l++) {
        z = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += rng.normal() * Math.sqrt(2 / n) * a[j]!;
          z[i] = s;
        }
        a = z.map((v) => Math.max(v, 0));
      }
      logs.push(Math.log(z.reduce((s, v) => s + v * v, 0)));
    }
    const m = logs.reduce((a, b) => a + b, 0) / logs.length;
    const v = logs.reduce((a, b) => a + (b - m) ** 2, 0) / (logs.length - 1);
    const predicted = haninRolnickLogVariance(new Array(L - 1).fill(n)) + 2 / n;
    // theirs is first order in 1/n; the sample variance of 600 draws has ~6% relative error
    expect(v / predicted).toBeGreaterThan(0.75);
    expect(v / predicted).toBeLessThan(1.3);
    const arch = { kind: 'plain' as const, bias: false, downsample: { at: [] as number[], mode: 'maxpool' as const }, depth: L, width: n, kernel: 1, padding: 'valid' as const };
    const pred = predictLayersDetailed({ arch, input: { height: 1, width: 1, channels: n }, activation: { name: 'relu' }, weightVariances: new Array(L).fill(2 / n), inputVariance: 1, biasVariance: 0 });
    expect(pred[L - 1]!.logNormVariance).toBeCloseTo(predicted, 12);
  });
});

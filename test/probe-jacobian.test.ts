/**
 * The Jacobian probe (src/probe/jacobian.ts): the exact spectrum of linear orthogonal nets (every singular
 * value is gain^(L−1)), the double-vjp products against the exact J in float64, the projection moments
 * against the exact ones within their standard errors, and no leaked tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readyBackend } from '../src/backend/index.ts';
import { deriveSeed } from '../src/core/rng.ts';
import { buildRunModel, type RunModel } from '../src/model/index.ts';
import { exactJacobian, exactSpectrum, firstActivation, makeProbeBatch, probeRun, projectionMoments, projectionSamples } from '../src/probe/index.ts';
import { planSuiteText } from '../src/suite/index.ts';
import type { BuiltinRunSpec } from '../src/core/types.ts';
import { builtinRun } from '../src/arch/index.ts';

function spec(point: Record<string, unknown>): BuiltinRunSpec {
  const suite = { name: 'j', description: 'jacobian', seed: 11, defaults: { probe: { batch: 2 }, ...point }, matrix: { depth: [point.depth ?? 4] } };
  return builtinRun(planSuiteText(JSON.stringify(suite), 'j.json').plan.runs[0]!);
}

async function withModel<T>(s: BuiltinRunSpec, f: (m: RunModel, x: tf.Tensor4D) => T | Promise<T>): Promise<T> {
  const batch = makeProbeBatch(s);
  const m = await buildRunModel(s);
  try {
    const x = tf.slice(batch, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    try {
      return await f(m, x);
    } finally {
      x.dispose();
    }
  } finally {
    m.dispose();
    batch.dispose();
  }
}

beforeAll(async () => {
  await readyBackend('cpu');
});

describe('exact spectrum of linear orthogonal nets', () => {
  it.each([
    ['delta-orthogonal', 3],
    ['orthogonal', 1],
  ])('linear %s kernel %i gain 1.5 depth 4 width 8 on 4×4: all 128 singular values = 1.5³ (|s − 3.375| ≤ 1e-5·3.375), through the probe', async (init, kernel) => {
    const s = spec({
      init: { name: init, gain: 1.5 },
      activation: 'linear',
      kernel,
      width: 8,
      depth: 4,
      input: { height: 4, width: 4, channels: 3 },
      probe: { batch: 2, jacobian: { method: 'exact' } },
    });
    const before = tf.memory().numTensors;
    const batch = makeProbeBatch(s);
    const m = await buildRunModel(s);
    const r = await probeRun(s, m, batch, 0);
    m.dispose();
    batch.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const j = r.jacobian!;
    expect(j.method).toBe('exact');
    expect(j.singularValues).toHaveLength(128);
    for (const sv of j.singularValues!) expect(Math.abs(sv - 3.375)).toBeLessThanOrEqual(1e-5 * 3.375);
    expect(Math.abs(j.meanS2 - 3.375 ** 2)).toBeLessThanOrEqual(1e-5 * 3.375 ** 2);
    expect(j.varS2).toBeLessThanOrEqual(1e-8);
    // theory: linear orthogonal, σ_w² = 2.25 per layer, 3 layers: E[s²] = 2.25³, Var 0
    expect(Math.abs(j.theory!.meanS2 - 2.25 ** 3)).toBeLessThanOrEqual(1e-12);
    expect(j.theory!.varS2).toBe(0);
  });
});

describe('double-vjp projections', () => {
  const tanh = () =>
    spec({ init: 'he-normal', activation: 'tanh', kernel: 3, width: 8, depth: 5, input: { height: 4, width: 4, channels: 3 } });

  it('tanh he-normal depth 5 width 8 on 4×4: ‖Jᵀv‖² and ‖JJᵀv‖² from tfjs equal the float64 products with the exact J (rel 1e-4)', async () => {
    await withModel(tanh(), (m, x) => {
      const a1 = firstActivation(m.net, x);
      try {
        const n = 128;
        const J = exactJacobian(m.net, a1);
        const seed = 99;
        const { a, b } = projectionSamples(m.net, a1, 4, seed);
        // the same v the probe drew
        const v = tf.randomNormal([4, 4, 4, 8], 0, 1, 'float32', deriveSeed(seed, 'jacobian-projection', 0));
        const vs = v.dataSync();
        v.dispose();
        for (let k = 0; k < 4; k++) {
          const vk = vs.subarray(k * n, (k + 1) * n);
          const u = new Float64Array(n);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) u[j]! += J[i * n + j]! * vk[i]!;
          const ju = new Float64Array(n);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) ju[i]! += J[i * n + j]! * u[j]!;
          const na = u.reduce((s, x2) => s + x2 * x2, 0) / n;
          const nb = ju.reduce((s, x2) => s + x2 * x2, 0) / n;
          expect(Math.abs(a[k]! - na)).toBeLessThanOrEqual(1e-4 * na);
          expect(Math.abs(b[k]! - nb)).toBeLessThanOrEqual(1e-4 * nb);
        }
      } finally {
        a1.dispose();
      }
    });
  });

  it('tanh he-normal depth 5: the projection moments (K = 96) match the exact ones within 4 standard errors', async () => {
    await withModel(tanh(), (m, x) => {
      const a1 = firstActivation(m.net, x);
      try {
        const exact = exactSpectrum(exactJacobian(m.net, a1), 128);
        const { a, b } = projectionSamples(m.net, a1, 96, 5);
        const p = projectionMoments(a, b);
        expect(Math.abs(p.meanS2 - exact.meanS2)).toBeLessThanOrEqual(4 * p.meanS2Stderr!);
        expect(Math.abs(p.varS2 - exact.varS2)).toBeLessThanOrEqual(4 * p.varS2Stderr!);
        // the errors are informative: a tenth of the value or less
        expect(p.meanS2Stderr!).toBeLessThan(0.1 * exact.meanS2);
      } finally {
        a1.dispose();
      }
    });
  });
});

describe('projectionMoments', () => {
  it('b̄ − (ā² − s_a²/K) on hand numbers; jackknife error 0 when every projection agrees', () => {
    const p = projectionMoments([1, 2, 3], [4, 6, 11]);
    // ā = 2, s_a² = 1, b̄ = 7: 7 − (4 − 1/3)
    expect(Math.abs(p.varS2 - (7 - 4 + 1 / 3))).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(p.meanS2Stderr! - 1 / Math.sqrt(3))).toBeLessThanOrEqual(1e-12);
    const flat = projectionMoments([2, 2, 2, 2], [5, 5, 5, 5]);
    expect(flat.varS2).toBe(1);
    expect(flat.varS2Stderr).toBe(0);
  });
});

describe("Pennington et al.'s claims, measured (projections, 1×1 convs of width 64 on 4×4×64 inputs)", () => {
  beforeAll(async () => {
    await readyBackend('wasm');
  });

  /** v = Var[s²]/E[s²]² (the spectrum's relative spread) and its standard error, from the probe. */
  async function spread(act: string, init: string, gain: number, sigmaB2: number, depth: number, projections = 48): Promise<{ v: number; se: number; theory: number }> {
    const s = spec({
      init: { name: init, gain },
      activation: act,
      kernel: 1,
      width: 64,
      depth,
      bias: { sigmaB2 },
      input: { height: 4, width: 4, channels: 64 },
      probe: { batch: 1, jacobian: { method: 'projection', projections } },
    });
    const batch = makeProbeBatch(s);
    const m = await buildRunModel(s);
    try {
      const j = (await probeRun(s, m, batch, 0)).jacobian!;
      const m2 = j.meanS2 ** 2;
      return { v: j.varS2 / m2, se: j.varS2Stderr! / m2 + (2 * j.varS2 * j.meanS2Stderr!) / (m2 * j.meanS2), theory: j.theory!.varS2 / j.theory!.meanS2 ** 2 };
    } finally {
      m.dispose();
      batch.dispose();
    }
  }

  it('tanh σ_w² = 1.761 σ_b² = 0.05: the Gaussian spread grows with depth (5 → 20 layers) and exceeds the orthogonal one at depth 20, each by > 4 SE, as the theory says', async () => {
    const g5 = await spread('tanh', 'he-normal', 1.3270097, 0.05, 5);
    const g20 = await spread('tanh', 'he-normal', 1.3270097, 0.05, 20);
    const o20 = await spread('tanh', 'orthogonal', 1.3270097, 0.05, 20);
    expect(g20.theory).toBeGreaterThan(g5.theory);
    expect(g20.v - g5.v).toBeGreaterThan(4 * Math.hypot(g20.se, g5.se));
    expect(g20.theory).toBeGreaterThan(o20.theory);
    expect(g20.v - o20.v).toBeGreaterThan(4 * Math.hypot(g20.se, o20.se));
  });

  it('relu: no isometry even with orthogonal weights at σ_w² = 2 (depth 20, 96 projections: relative spread > 5, 4 SE clear; theory L − 1 = 19)', async () => {
    const r = await spread('relu', 'orthogonal', Math.SQRT2, 0, 20, 96);
    expect(r.theory).toBe(19);
    expect(r.v - 5).toBeGreaterThan(4 * r.se);
  });
});

/**
 * The correlation-map probe (src/probe/correlation.ts) against the mean-field theory: c_l of wide dense-like
 * nets (1×1 kernels, 256 channels, 4×4 positions) averaged over seeds against src/theory's trajectory within
 * the seeds' standard error, ξ_c fitted from one net against −1/ln χ_c within the fit's error, the theory's
 * first steps against the ReLU arc-cosine kernel written here, the pair inputs' statistics, the fit on exact
 * exponentials, and the wiring through probeRun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readyBackend } from '../src/backend/index.ts';
import { buildRunModel } from '../src/model/index.ts';
import { correlationTheory, fitDepthScale, makePairBatch, makeProbeBatch, probeCorrelation, probeRun } from '../src/probe/index.ts';
import { planSuiteText } from '../src/suite/index.ts';
import type { ActivationName, BuiltinRunSpec } from '../src/core/types.ts';
import { builtinRun } from '../src/arch/index.ts';

beforeAll(async () => {
  await readyBackend('wasm');
});

const WIDTH = 256;

/** A plain net of 1×1 convs, WIDTH channels in and out (the input too), 4×4 positions: a dense net per position. */
function wide(act: ActivationName, sigmaW2: number, sigmaB2: number, depth: number, seeds: number, inputStd = 1): BuiltinRunSpec[] {
  const point = {
    init: { name: 'normal', std: Math.sqrt(sigmaW2 / WIDTH) },
    activation: act,
    kernel: 1,
    width: WIDTH,
    bias: { sigmaB2 },
    input: { height: 4, width: 4, channels: WIDTH },
    probe: { batch: 2, inputStd },
  };
  return planSuiteText(JSON.stringify({ name: 'c', description: 'c', seed: 3, seeds, defaults: point, matrix: { depth: [depth] } }), 'c.json').plan.runs.map(builtinRun);
}

async function correlationOf(spec: BuiltinRunSpec, pairs: number, c0: number) {
  const m = await buildRunModel(spec);
  try {
    return probeCorrelation({
      net: m.net,
      layers: m.layers,
      input: [spec.input.height, spec.input.width, spec.input.channels],
      pairs,
      inputCorrelation: c0,
      inputStd: spec.probe!.inputStd,
      seed: spec.seed,
      theory: {
        arch: spec.arch,
        activation: spec.activation,
        sigmaW2: m.layers.filter((l) => l.kind === 'conv').map((l, j) => l.fanIn * m.weightVariances[j]!),
        sigmaB2: spec.bias?.init === 'normal' ? spec.bias.std ** 2 : 0,
        inputVariance: spec.probe!.inputStd ** 2,
        inputCorrelation: c0,
      },
    });
  } finally {
    m.dispose();
  }
}

describe('measured c_l against the mean field, wide dense-like nets', () => {
  it.each([
    ['tanh', 1.5, 0.05],
    ['relu', 2, 0],
  ] as const)('%s σ_w² = %f σ_b² = %f, width 256, depth 6, c₀ = 0.5: the mean over 5 seeds within 4 of its standard errors of the theory at every layer', async (act, sw2, sb2) => {
    const runs = wide(act, sw2, sb2, 6, 5);
    const per = [];
    for (const r of runs) per.push(await correlationOf(r, 8, 0.5));
    for (let l = 0; l < 6; l++) {
      const xs = per.map((p) => p.layers[l]!.measured!);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const se = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) / xs.length);
      const theory = per[0]!.layers[l]!.theory!;
      // the estimator's own bias is at most 0.19/256 (module comment), far inside 4·SE here
      expect(Math.abs(mean - theory)).toBeLessThanOrEqual(4 * se);
    }
  });

  it('tanh σ_w² = 0.8 σ_b² = 0.05 at q* (inputStd 0.332), c₀ = 0.6, depth 12: ξ_c fitted within 4 fit errors of −1/ln χ_c = 2.295', async () => {
    const [spec] = wide('tanh', 0.8, 0.05, 12, 1, 0.332);
    const before = tf.memory().numTensors;
    const p = await correlationOf(spec!, 16, 0.6);
    expect(tf.memory().numTensors).toBe(before);
    const s = p.summary;
    expect(s.cStar).toBe(1);
    expect(Math.abs(s.xiTheory! - 2.2954)).toBeLessThanOrEqual(1e-3);
    expect(s.xiStderr!).toBeGreaterThan(0);
    expect(s.xiStderr!).toBeLessThan(0.2 * s.xiTheory!);
    expect(Math.abs(s.xiMeasured! - s.xiTheory!)).toBeLessThanOrEqual(4 * s.xiStderr!);
    expect(s.fit).toMatch(/layers 1–\d+ \(\d+\)/);
  });
});

describe('the theory beside it', () => {
  /** ReLU's c-map with σ_b = 0: the arc-cosine kernel of degree 1 (Cho & Saul 2009), written independently. */
  const arcCos = (c: number): number => (Math.sqrt(1 - c * c) + (Math.PI - Math.acos(c)) * c) / Math.PI;

  it('relu σ_b = 0: c₁ = c₀ (the first layer is linear in the input), then each layer the arc-cosine map (|Δ| ≤ 1e-12)', () => {
    const t = correlationTheory({
      arch: { kind: 'plain', depth: 5, width: 8, kernel: 1, padding: 'same', bias: false, downsample: { at: [], mode: 'stride' }, head: 'none', classes: 10 },
      activation: { name: 'relu' },
      sigmaW2: [2, 2, 2, 2, 2],
      sigmaB2: 0,
      inputVariance: 1,
      inputCorrelation: 0.3,
    })!;
    let c = 0.3;
    for (let l = 0; l < 5; l++) {
      expect(Math.abs(t.trajectory[l]! - c)).toBeLessThanOrEqual(1e-12);
      c = arcCos(c);
    }
  });

  it('σ_b² enters the first layer: c₁ = (σ_w² s² c₀ + σ_b²)/(σ_w² s² + σ_b²); no theory for residual nets, a constant bias, or layers 2..L at different σ_w²', () => {
    const arch = { kind: 'plain' as const, depth: 3, width: 8, kernel: 1, padding: 'same' as const, bias: true, downsample: { at: [], mode: 'stride' as const }, head: 'none' as const, classes: 10 };
    const base = { arch, activation: { name: 'tanh' as const }, sigmaW2: [1.5, 1.5, 1.5], sigmaB2: 0.1, inputVariance: 2, inputCorrelation: 0.4 };
    expect(Math.abs(correlationTheory(base)!.trajectory[0]! - (1.5 * 2 * 0.4 + 0.1) / (1.5 * 2 + 0.1))).toBeLessThanOrEqual(1e-15);
    expect(correlationTheory({ ...base, arch: { ...arch, kind: 'residual' } })).toBeNull();
    expect(correlationTheory({ ...base, sigmaB2: NaN })).toBeNull();
    expect(correlationTheory({ ...base, sigmaW2: [1, 1.5, 2] })).toBeNull();
    // a different first layer is fine (fan_avg inits)
    expect(correlationTheory({ ...base, sigmaW2: [0.5, 1.5, 1.5] })).not.toBeNull();
  });
});

describe('fitDepthScale', () => {
  it('exact |c_l − c*| = 0.4·e^(−l/3) on 10 layers: ξ = 3 to 1e-9 with a zero standard error (every rate −1/3)', () => {
    const m = Array.from({ length: 10 }, (_, j) => ({ mean: 1 - 0.4 * Math.exp(-(j + 1) / 3), stderr: 1e-6 }));
    const f = fitDepthScale(m, 1, 256);
    expect(Math.abs(f.xi! - 3)).toBeLessThanOrEqual(1e-9);
    expect(f.stderr!).toBeLessThanOrEqual(1e-9);
    expect(f.layers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('rates −0.5, −0.3 (ln d: 0, −0.5, −0.8): ξ = 1/0.4 = 2.5, SE = ξ²·sd/√2 = 6.25·0.1414/1.414 = 0.625', () => {
    const m = [0, -0.5, -0.8].map((y) => ({ mean: 1 - Math.exp(y) * 0.5, stderr: 1e-6 }));
    const f = fitDepthScale(m, 1, 256);
    expect(Math.abs(f.xi! - 2.5)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(f.stderr! - 0.625)).toBeLessThanOrEqual(1e-12);
  });

  it('stops at the first layer within 3·SE of c*; too few layers or no decay: no ξ', () => {
    const m = [0.5, 0.7, 0.8, 0.9, 0.995, 0.9, 0.95].map((mean) => ({ mean, stderr: 0.002 }));
    expect(fitDepthScale(m, 1, 256).layers).toEqual([1, 2, 3, 4]);
    const two = fitDepthScale(m.slice(0, 2), 1, 256);
    expect(two.xi).toBeNull();
    expect(two.fit).toContain('2 such layers, too few to fit');
    const rising = fitDepthScale([0.9, 0.8, 0.6, 0.3].map((mean) => ({ mean, stderr: 0.001 })), 1, 256);
    expect(rising.xi).toBeNull();
    expect(rising.fit).toContain('no decay');
  });
});

describe('pairs and wiring', () => {
  it.each(['batchnorm', 'residual-bn'] as const)('%s depth 5: measured on every conv layer, no theory (null c*, a fit that says so), batch norm\'s moving statistics untouched', async (arch) => {
    const spec = builtinRun(
      planSuiteText(
        JSON.stringify({ name: 'b', description: 'b', seed: 5, defaults: { arch, width: 8, bias: { sigmaB2: 0.1 }, input: { height: 4, width: 4, channels: 3 }, probe: { batch: 4 } }, matrix: { depth: [5] } }),
        'b.json',
      ).plan.runs[0]!,
    );
    const m = await buildRunModel(spec);
    try {
      const moving = () => m.model.layers.flatMap((l) => l.nonTrainableWeights.map((w) => Array.from(w.read().dataSync())));
      const before = moving();
      const tensors = tf.memory().numTensors;
      const p = probeCorrelation({ net: m.net, layers: m.layers, input: [4, 4, 3], pairs: 4, inputCorrelation: 0.5, inputStd: 1, seed: 8, theory: { arch: spec.arch, activation: spec.activation, sigmaW2: [2, 2, 2, 2, 2], sigmaB2: 0.1, inputVariance: 1, inputCorrelation: 0.5 } });
      expect(tf.memory().numTensors).toBe(tensors);
      expect(moving()).toEqual(before);
      expect(p.layers).toHaveLength(5);
      for (const l of p.layers) {
        expect(l.measured!).toBeGreaterThan(-1);
        expect(l.measured!).toBeLessThanOrEqual(1);
        expect(l.theory).toBeNull();
      }
      expect(p.summary.cStar).toBeNull();
      expect(p.summary.fit).toContain('no theory');
    } finally {
      m.dispose();
    }
  });

  it('makePairBatch: 4096 entry pairs per side; Var(x_a), Var(x_b) within 5% of s² = 4 and corr within 0.06 of c₀ = 0.7 (≈ 6σ at n = 16·256)', () => {
    const b = makePairBatch([4, 4, 16], 16, 0.7, 2, 9);
    const v = b.dataSync();
    b.dispose();
    const n = 16 * 4 * 4 * 16;
    let saa = 0;
    let sbb = 0;
    let sab = 0;
    for (let i = 0; i < n; i++) {
      saa += v[i]! ** 2;
      sbb += v[n + i]! ** 2;
      sab += v[i]! * v[n + i]!;
    }
    expect(Math.abs(saa / n - 4)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(sbb / n - 4)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(sab / Math.sqrt(saa * sbb) - 0.7)).toBeLessThanOrEqual(0.06);
  });

  it('probeRun: correlation on every conv layer and null on the head when asked, absent otherwise; no tensors left', async () => {
    const point = (probe: Record<string, unknown>) => ({
      init: 'he-normal', activation: 'relu', width: 8, input: { height: 4, width: 4, channels: 3 }, head: 'gap-dense', probe,
    });
    const plan = (probe: Record<string, unknown>) =>
      builtinRun(planSuiteText(JSON.stringify({ name: 'w', description: 'w', seed: 5, defaults: point(probe), matrix: { depth: [3] } }), 'w.json').plan.runs[0]!);
    for (const [probe, asked] of [[{ batch: 4, correlation: { pairs: 4 } }, true], [{ batch: 4 }, false]] as const) {
      const spec = plan(probe);
      const before = tf.memory().numTensors;
      const batch = makeProbeBatch(spec);
      const m = await buildRunModel(spec);
      const r = await probeRun(spec, m, batch, 0);
      m.dispose();
      batch.dispose();
      expect(tf.memory().numTensors).toBe(before);
      if (!asked) {
        expect('correlation' in r).toBe(false);
        expect(r.layers.every((l) => !('correlation' in l))).toBe(true);
        continue;
      }
      expect(r.layers.map((l) => l.correlation === null)).toEqual([false, false, false, true]);
      for (const l of r.layers.slice(0, 3)) {
        expect(l.correlation!.measured!).toBeGreaterThan(0);
        expect(l.correlation!.measured!).toBeLessThanOrEqual(1);
        expect(l.correlation!.stderr!).toBeGreaterThan(0);
      }
      expect(r.correlation!.chiC!).toBeCloseTo(1, 6);
    }
  });
});

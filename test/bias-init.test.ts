/**
 * Bias initializers and the probe's optional measurements, from the suite file to the built model: the
 * `bias` axis and `probe.correlation`/`probe.jacobian` plan as documented (absent = the old run ids), bad
 * values are one-line errors naming file and path, and the drawn biases have the promised variance.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readyBackend } from '../src/backend/index.ts';
import { InputError } from '../src/core/errors.ts';
import { buildRunModel, getWeightMap } from '../src/model/index.ts';
import { planSuiteText } from '../src/suite/index.ts';
import { chi2Quantile } from '../src/theory/index.ts';
import type { RunSpec } from '../src/core/types.ts';
import type { BuiltinRunSpec } from '../src/core/types.ts';
import { builtinRun } from '../src/arch/index.ts';

function plan(point: Record<string, unknown>, matrix: Record<string, unknown[]> = { depth: [3] }): BuiltinRunSpec[] {
  const suite = { name: 'b', description: 'bias', seed: 7, defaults: point, matrix };
  return planSuiteText(JSON.stringify(suite), 'b.json').plan.runs.map(builtinRun);
}

function planError(point: Record<string, unknown>, matrix: Record<string, unknown[]> = { depth: [3] }): string {
  try {
    plan(point, matrix);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('the bias axis', () => {
  it('true, "zeros", {init: zeros}, std 0, σ_b² 0 and value 0 are one run with the id of `"bias": true`', () => {
    const ids = [true, 'zeros', { init: 'zeros' }, { init: 'normal', std: 0 }, { sigmaB2: 0 }, { init: 'constant', value: 0 }].map(
      (bias) => plan({ bias })[0]!,
    );
    for (const r of ids) {
      expect(r.id).toBe(ids[0]!.id);
      expect(r.arch.bias).toBe(true);
      expect('bias' in r).toBe(false);
    }
    const off = plan({ bias: false })[0]!;
    expect(off.arch.bias).toBe(false);
    expect('bias' in off).toBe(false);
    expect(off.id).not.toBe(ids[0]!.id);
  });

  it('{sigmaB2: 0.09} is normal with std 0.3, the same run as {init: normal, std: 0.3}; a sweep plans one run per value', () => {
    const a = plan({ bias: { sigmaB2: 0.09 } })[0]!;
    const b = plan({ bias: { init: 'normal', std: 0.3 } })[0]!;
    expect(a.bias).toEqual({ init: 'normal', std: 0.3 });
    expect(a.id).toBe(b.id);
    expect(a.arch.bias).toBe(true);
    const swept = plan({}, { bias: [false, { sigmaB2: 0.01 }, { sigmaB2: 0.04 }, { init: 'constant', value: 0.1 }] });
    expect(swept.map((r) => r.bias)).toEqual([undefined, { init: 'normal', std: 0.1 }, { init: 'normal', std: 0.2 }, { init: 'constant', value: 0.1 }]);
    expect(new Set(swept.map((r) => r.id)).size).toBe(4);
  });

  it.each([
    [{ init: 'normal', std: -1 }, 'b.json: defaults.bias.std: expected number ≥ 0, got -1'],
    [{ sigmaB2: -0.1 }, 'b.json: defaults.bias.sigmaB2: expected number ≥ 0, got -0.1'],
    [{ init: 'normal' }, 'b.json: defaults.bias.std: expected number ≥ 0, got nothing'],
    [{ init: 'constant' }, 'b.json: defaults.bias.value: expected number, got nothing'],
    [{ init: 'normal', std: 0.1, value: 1 }, 'b.json: defaults.bias.value: unknown key "value"; known: init, std'],
    [
      { init: 'uniform', limit: 1 },
      'b.json: defaults.bias: expected true, false, "zeros", {"init": "normal", "std": σ_b ≥ 0}, {"sigmaB2": v ≥ 0} or {"init": "constant", "value": v}, got {"init":"uniform","limit":1}',
    ],
    ['ones', 'b.json: defaults.bias: expected "zeros", got "ones"'],
  ])('bad bias %j is one line: %s', (bias, line) => {
    expect(planError({ bias })).toBe(line);
  });
});

describe('probe.correlation and probe.jacobian', () => {
  it('absent or null: off, and the run ids of a probe without them', () => {
    const base = plan({ probe: { batch: 4 } })[0]!;
    const nulls = plan({ probe: { batch: 4, correlation: null, jacobian: null } })[0]!;
    expect(nulls.id).toBe(base.id);
    expect('correlation' in base.probe!).toBe(false);
    expect('jacobian' in base.probe!).toBe(false);
  });

  it('{} takes the defaults: 16 pairs at c₀ = 0.5; projection takes 32 projections, exact none', () => {
    const r = plan({ probe: { correlation: {}, jacobian: { method: 'projection' } }, input: { height: 4, width: 4, channels: 3 } })[0]!;
    expect(r.probe!.correlation).toEqual({ pairs: 16, inputCorrelation: 0.5 });
    expect(r.probe!.jacobian).toEqual({ method: 'projection', projections: 32 });
    const e = plan({ probe: { jacobian: { method: 'exact', projections: 8 } }, width: 8, input: { height: 4, width: 4, channels: 3 } })[0]!;
    expect(e.probe!.jacobian).toEqual({ method: 'exact' });
  });

  it.each([
    [{ correlation: { pairs: 1 } }, 'defaults.probe.correlation.pairs: expected integer ≥ 2, got 1'],
    [{ correlation: { inputCorrelation: 1.5 } }, 'defaults.probe.correlation.inputCorrelation: expected number ≥ -1 and ≤ 1, got 1.5'],
    [{ jacobian: { method: 'svd' } }, 'defaults.probe.jacobian.method: unknown Jacobian method "svd"'],
    [{ jacobian: { method: 'projection', projections: 1 } }, 'defaults.probe.jacobian.projections: expected integer ≥ 2, got 1'],
  ])('bad probe option %j: %s', (probe, text) => {
    expect(planError({ probe })).toContain(`b.json: ${text}`);
  });

  it('the Jacobian needs the square map a₁ → a_L: a residual net, downsampling, or an exact map past the limit are planning errors', () => {
    expect(planError({ probe: { jacobian: { method: 'projection' } }, arch: 'residual' })).toContain(
      'b.json: defaults.probe.jacobian: expected arch "plain" for the Jacobian probe, got "residual"',
    );
    expect(planError({ probe: { jacobian: { method: 'projection' } }, downsample: { at: [2] } })).toContain('expected no downsampling for the Jacobian probe');
    // 32·32·64 = 65536 entries
    expect(planError({ probe: { jacobian: { method: 'exact' } } })).toContain(
      'b.json: defaults.probe.jacobian.method: expected a map of at most 1024 entries for "exact" (use "projection"), got H·W·width = 32·32·64 = 65536',
    );
  });
});

describe('bias draws', () => {
  beforeAll(async () => {
    await readyBackend('cpu');
  });

  async function drawn(point: Record<string, unknown>, seedIndex = 0): Promise<Float32Array[]> {
    const spec = plan({ width: 256, kernel: 1, input: { height: 2, width: 2, channels: 4 }, probe: { batch: 2 }, ...point }, { depth: [4] })[seedIndex]!;
    const before = tf.memory().numTensors;
    const built = await buildRunModel(spec);
    try {
      const map = getWeightMap(built.model);
      return [1, 2, 3, 4].map((i) => map.get(`conv${i}/bias`)!.data);
    } finally {
      built.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  }

  it('normal std 0.3, 4 layers × 256: Σb²/σ² within the χ²₁₀₂₄ 1e-6 and 1 − 1e-6 quantiles; the layers draw differently; the same spec draws the same', async () => {
    const layers = await drawn({ bias: { init: 'normal', std: 0.3 } });
    const all = layers.flatMap((b) => Array.from(b));
    const n = all.length;
    expect(n).toBe(1024);
    // known mean 0: Σb²/σ² ~ χ²_n exactly for normal draws
    const stat = all.reduce((s, b) => s + b * b, 0) / 0.09;
    expect(stat).toBeGreaterThan(chi2Quantile(1e-6, n));
    expect(stat).toBeLessThan(chi2Quantile(1 - 1e-6, n));
    expect(layers[0]![0]).not.toBe(layers[1]![0]);
    expect(Array.from(layers[0]!.slice(0, 8))).not.toEqual(Array.from(layers[1]!.slice(0, 8)));
    const again = await drawn({ bias: { init: 'normal', std: 0.3 } });
    expect(Array.from(again[2]!)).toEqual(Array.from(layers[2]!));
  });

  it('constant 0.1: every conv bias is float32(0.1); zeros: every conv bias is 0', async () => {
    for (const b of await drawn({ bias: { init: 'constant', value: 0.1 } })) expect(b.every((x) => x === Math.fround(0.1))).toBe(true);
    for (const b of await drawn({ bias: true })) expect(b.every((x) => x === 0)).toBe(true);
  });
});

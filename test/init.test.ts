import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import { InputError } from '../src/core/errors.ts';
import type { ActivationSpec, InitSpec, LayerInit } from '../src/core/types.ts';
import {
  INITIALIZER_NAMES,
  SEED_FOR_ZERO,
  TRUNCATED_VARIANCE_FACTOR,
  fans,
  fixupVarianceFactor,
  initializerFamily,
  isDataDependent,
  nominalMoments,
  normalizeInitSpec,
  orthogonalityError,
  resolveInitName,
  trueMoments,
} from '../src/init/index.ts';
import { OrthogonalInit, VarianceScalingInit, applyLsuv, createInitializer } from '../src/init/tfjs.ts';
import { INITIALIZERS } from '../src/init/registry.ts';
import { auditInitializer, quietTfjsWarnings, sampleStats, varianceCi } from '../src/init/audit.ts';

const relu: ActivationSpec = { name: 'relu' };

function layer(shape: number[], seed = 7, role: LayerInit['role'] = 'plain', residualBlocks = 0): LayerInit {
  return { index: 1, name: 'conv1', kind: shape.length === 2 ? 'dense' : 'conv', shape, role, residualBlocks, seed };
}

function draw(spec: InitSpec | string, shape: number[], seed = 7, role: LayerInit['role'] = 'plain', act: ActivationSpec = relu, blocks = 0): Float32Array {
  const s = typeof spec === 'string' ? normalizeInitSpec(spec) : spec;
  return quietTfjsWarnings(() => {
    const t = createInitializer(s, layer(shape, seed, role, blocks), act).apply(shape, 'float32');
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  });
}

beforeAll(async () => {
  await readyBackend('cpu');
});

describe('names and specs', () => {
  it.each([
    ['kaiming-normal', 'he-normal'],
    ['kaiming_uniform', 'he-uniform'],
    ['glorot-normal', 'xavier-normal'],
    ['Glorot_Uniform', 'xavier-uniform'],
    ['HeNormal', 'he-normal'],
    ['tfjs:henormal', 'tfjs:heNormal'],
    ['tfjs:glorot-uniform', 'tfjs:glorotUniform'],
    ['zero', 'zeros'],
  ])('alias %s → %s', (alias, canonical) => {
    expect(resolveInitName(alias)).toBe(canonical);
  });
  it('unknown name suggests the nearest and lists the known ones', () => {
    expect(() => resolveInitName('he-nromal')).toThrow(/unknown initializer "he-nromal" \(did you mean "he-normal"\?\); known: he-normal, .*tfjs:default/);
  });
  it.each([
    ['he-normal', { name: 'he-normal', mode: 'fan_in', activation: 'relu' }],
    ['xavier-uniform', { name: 'xavier-uniform', mode: 'fan_avg', activation: 'linear' }],
    ['lecun-normal', { name: 'lecun-normal', mode: 'fan_in', activation: 'linear' }],
    ['orthogonal', { name: 'orthogonal' }],
    ['lsuv', { name: 'lsuv', tol: 0.1, maxIter: 10 }],
    ['normal', { name: 'normal', std: 0.01 }],
    ['tfjs:randomUniform', { name: 'tfjs:randomUniform', limit: 0.05 }],
  ])('defaults for %s', (raw, spec) => {
    expect(normalizeInitSpec(raw)).toEqual(spec);
  });
  it('an explicit gain replaces the default activation; leaky_relu gets its default slope', () => {
    expect(normalizeInitSpec({ name: 'he-normal', gain: 1.2 })).toEqual({ name: 'he-normal', mode: 'fan_in', gain: 1.2 });
    expect(normalizeInitSpec({ name: 'kaiming-uniform', activation: 'leaky_relu', mode: 'fan_out' })).toEqual({
      name: 'he-uniform',
      mode: 'fan_out',
      activation: 'leaky_relu',
      alpha: 0.01,
    });
  });
  it.each([
    [{ name: 'he-normal', gain: 0 }, 'suites/a.json: matrix.init[1].gain: expected a gain > 0, got 0'],
    [{ name: 'he-normal', gain: -2 }, 'suites/a.json: matrix.init[1].gain: expected a gain > 0, got -2'],
    [{ name: 'he-normal', mode: 'fan_sum' }, 'suites/a.json: matrix.init[1].mode: expected one of fan_in, fan_out, fan_avg, got "fan_sum"'],
    [{ name: 'orthogonal', std: 1 }, 'suites/a.json: matrix.init[1].std: expected no "std" for orthogonal, which reads only gain, activation, alpha, got 1'],
    [{ name: 'he-normal', activation: 'rleu' }, 'matrix.init[1].activation: expected one of linear'],
    [{ name: 'he-normal', alpha: 0.1 }, 'matrix.init[1].alpha: expected alpha only with activation leaky_relu or elu'],
    [{ name: 'lsuv', tol: 2 }, 'matrix.init[1].tol: expected tol in (0, 1), got 2'],
    [{ name: 'he-nromal' }, 'suites/a.json: matrix.init[1].name: unknown initializer "he-nromal" (did you mean "he-normal"?)'],
    [{ name: 'he-normal', gian: 2 }, 'matrix.init[1].gian: expected one of the initializer options'],
    [42, 'suites/a.json: matrix.init[1]: expected an initializer name or { name, ...options }, got 42'],
  ])('bad spec %j names file, path and what was expected', (raw, msg) => {
    let err: unknown;
    try {
      normalizeInitSpec(raw, { file: 'suites/a.json', path: 'matrix.init[1]' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(msg);
  });
  it.each(INITIALIZER_NAMES)('normalizing %s is idempotent, and a run ActivationSpec may stand for `where`', (name) => {
    const once = normalizeInitSpec(name);
    expect(normalizeInitSpec(once)).toEqual(once);
    expect(normalizeInitSpec(name, { name: 'tanh' })).toEqual(once);
  });
  it('every name normalizes, and only lsuv is data-dependent', () => {
    for (const n of INITIALIZER_NAMES) expect(isDataDependent(normalizeInitSpec(n))).toBe(n === 'lsuv');
  });
});

describe('the registry: one entry per initializer', () => {
  const aliases = INITIALIZERS.flatMap((e) => e.aliases.map((a) => [a, e.name] as const));
  it.each(aliases)('alias %s resolves to %s', (alias, name) => {
    expect(resolveInitName(alias)).toBe(name);
  });
  it('no alias is listed twice or shadows a name', () => {
    const spellings = [...INITIALIZER_NAMES, ...aliases.map(([a]) => a)];
    expect(new Set(spellings).size).toBe(spellings.length);
  });
  it.each(INITIALIZERS.map((e) => [e.name, e.options] as const))('%s: normalizing fills every option it reads but the gain ones (%j)', (name, options) => {
    const spec = normalizeInitSpec(name);
    for (const k of options.filter((o) => !['gain', 'activation', 'alpha'].includes(o))) expect(spec[k]).toBeDefined();
  });
  it.each([
    ['he-normal', 'he'],
    ['fixup', 'fixup'],
    ['lecun-uniform', 'lecun'],
    ['tfjs:heUniform', 'he'],
    ['tfjs:glorotNormal', 'xavier'],
    ['tfjs:default', 'xavier'],
    ['tfjs:orthogonal', 'orthogonal'],
    ['tfjs:randomUniform', 'uniform'],
    ['he-nromal', null],
  ])('%s is of family %s', (name, family) => {
    expect(initializerFamily(name)).toBe(family);
  });
});

describe('fans (PyTorch/Keras conventions)', () => {
  it.each([
    [[3, 3, 64, 128], 576, 1152],
    [[64, 10], 64, 10],
    [[5, 16, 32], 80, 160],
    [[7], 7, 7],
  ])('%j → fan_in %i, fan_out %i', (shape, fi, fo) => {
    expect(fans(shape)).toEqual({ fanIn: fi, fanOut: fo });
  });
});

describe('each initializer draws what its math says (variance inside its 99.9% CI, mean, support)', () => {
  const shape = [3, 3, 32, 48];
  const names = INITIALIZER_NAMES.filter((n) => !['tfjs:heNormal', 'tfjs:glorotNormal', 'tfjs:leCunNormal', 'tfjs:default'].includes(n));
  // tfjs:orthogonal: 20 draws of [3,3,8,16] instead (its tf-op QR takes seconds on cpu for 288×48)
  it.each(names)('%s on [3,3,32,48]', (name) => {
    const slow = name === 'tfjs:orthogonal';
    const row = quietTfjsWarnings(() =>
      auditInitializer(normalizeInitSpec(name), slow ? [3, 3, 8, 16] : shape, { seed: 3, activation: relu, ...(slow ? { samples: 20 } : {}) }),
    );
    expect(row.verdict).toBe('ok');
    if (row.nominalVariance > 0) {
      expect(row.ci[0]).toBeLessThanOrEqual(row.nominalVariance);
      expect(row.ci[1]).toBeGreaterThanOrEqual(row.nominalVariance);
      // tight: the interval is within ±3% of the estimate
      expect(row.ci[1] / row.ci[0]).toBeLessThan(name.includes('orthogonal') || name === 'lsuv' ? 1.2 : 1.03);
    }
  });
  it.each([
    ['he-normal', 2 / 288],
    ['he-uniform', 2 / 288],
    ['he-truncated', 2 / 288],
    ['xavier-normal', 1 / ((288 + 432) / 2)],
    ['lecun-uniform', 1 / 288],
    ['orthogonal', 2 / 288],
    ['delta-orthogonal', 2 / (9 * 48)],
  ])('%s nominal variance on [3,3,32,48] is %f', (name, v) => {
    expect(nominalMoments(normalizeInitSpec(name), shape, relu).variance).toBeCloseTo(v, 15);
  });
});

describe("tfjs's initializers: known gotchas, measured", () => {
  const shape = [3, 3, 32, 48];
  it.each(['tfjs:heNormal', 'tfjs:glorotNormal', 'tfjs:leCunNormal', 'tfjs:default'])(
    "%s: VarianceScaling 'normal' draws a truncated normal without the 0.8796 correction → ≈0.774× nominal",
    (name) => {
      const row = auditInitializer(normalizeInitSpec(name), shape, { seed: 3, activation: relu });
      expect(row.verdict).toBe('deviates');
      expect(row.ratio).toBeGreaterThan(0.76);
      expect(row.ratio).toBeLessThan(0.79);
      const spec = normalizeInitSpec(name);
      expect(trueMoments(spec, shape, relu).variance / nominalMoments(spec, shape, relu).variance).toBeCloseTo(0.7737413, 6);
      expect(TRUNCATED_VARIANCE_FACTOR).toBeCloseTo(0.7737413, 6);
    },
  );
  it("seed: 0 is replaced by a random seed (two draws differ); ours map 0 to a fixed seed", () => {
    const a = tf.initializers.heNormal({ seed: 0 }).apply([64, 64]);
    const b = tf.initializers.heNormal({ seed: 0 }).apply([64, 64]);
    expect(tf.sub(a, b).abs().max().dataSync()[0]).toBeGreaterThan(0);
    const ours0 = draw('he-normal', [64, 64], 0);
    expect(Array.from(draw('he-normal', [64, 64], 0))).toEqual(Array.from(ours0));
    expect(Array.from(draw('he-normal', [64, 64], SEED_FOR_ZERO))).toEqual(Array.from(ours0));
    tf.dispose([a, b]);
  });
  it('RandomUniform turns minval: 0 into its default −0.05', () => {
    const t = tf.initializers.randomUniform({ minval: 0, maxval: 1, seed: 5 }).apply([10000]);
    expect(t.min().dataSync()[0]).toBeLessThan(0);
    expect(t.min().dataSync()[0]).toBeGreaterThanOrEqual(-0.05);
    t.dispose();
  });
  it("tfjs:default is what Conv2D and Dense get when given nothing: glorotNormal (VarianceScaling scale 1, fanAvg, normal)", () => {
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3 });
    const dense = tf.layers.dense({ units: 4 });
    const ours = createInitializer(normalizeInitSpec('tfjs:default'), layer([3, 3, 4, 4]), relu);
    for (const l of [conv, dense]) {
      const cfg = l.getConfig().kernelInitializer as { className: string; config: Record<string, unknown> };
      expect(cfg.className).toBe('VarianceScaling');
      expect(cfg.config).toMatchObject({ scale: 1, mode: 'fanAvg', distribution: 'normal' });
    }
    expect(ours.getClassName()).toBe('VarianceScaling');
    expect(ours.getConfig()).toMatchObject({ scale: 1, mode: 'fanAvg', distribution: 'normal' });
  });
});

describe('determinism', () => {
  it.each(INITIALIZER_NAMES.filter((n) => n !== 'tfjs:orthogonal'))('%s: same seed → identical draws; another seed → different', (name) => {
    const shape = [3, 3, 8, 16];
    const a = draw(name, shape, 1234);
    const b = draw(name, shape, 1234);
    expect(Array.from(a)).toEqual(Array.from(b));
    const constant = ['zeros', 'constant'].includes(name);
    if (!constant) expect(Array.from(draw(name, shape, 99))).not.toEqual(Array.from(a));
  });
  it('seed 0 is deterministic for every one of ours', () => {
    for (const name of INITIALIZER_NAMES.filter((n) => !n.startsWith('tfjs:'))) {
      expect(Array.from(draw(name, [3, 3, 4, 8], 0))).toEqual(Array.from(draw(name, [3, 3, 4, 8], 0)));
    }
  });
});

describe('orthogonality', () => {
  it.each([
    [[3, 3, 16, 32], 1.5],
    [[16, 64], 1],
    [[64, 16], Math.SQRT2],
    [[1, 1, 24, 24], 2],
  ])('orthogonal %j with gain %f: WᵀW = g²I on the smaller side', (shape, gain) => {
    const w = draw({ name: 'orthogonal', gain }, shape);
    const cols = shape[shape.length - 1]!;
    const rows = w.length / cols;
    expect(orthogonalityError(w, rows, cols, gain)).toBeLessThan(1e-6);
    // and not trivially: a Gaussian matrix is far from it
    const g = draw({ name: 'normal', std: gain / Math.sqrt(Math.max(rows, cols)) }, shape);
    expect(orthogonalityError(g, rows, cols, gain)).toBeGreaterThan(0.1);
  });
  it('the orthogonal gain defaults to the run activation (tanh: 5/3)', () => {
    const w = draw('orthogonal', [32, 32], 3, 'plain', { name: 'tanh' });
    expect(orthogonalityError(w, 32, 32, 5 / 3)).toBeLessThan(1e-6);
  });
});

describe('delta-orthogonal structure (Xiao et al. 2018)', () => {
  it.each([
    [[3, 3, 8, 8], 1],
    [[5, 5, 4, 12], Math.SQRT2],
    [[3, 6, 6], 1],
  ])('%j gain %f: zero off the centre tap, orthogonal centre', (shape, gain) => {
    const w = draw({ name: 'delta-orthogonal', gain }, shape);
    const cin = shape[shape.length - 2]!;
    const cout = shape[shape.length - 1]!;
    const taps = w.length / (cin * cout);
    const centre = (taps - 1) / 2;
    for (let t = 0; t < taps; t++) {
      const tap = w.subarray(t * cin * cout, (t + 1) * cin * cout);
      if (t === centre) expect(orthogonalityError(tap, cin, cout, gain)).toBeLessThan(1e-6);
      else expect(tap.every((x) => x === 0)).toBe(true);
    }
  });
  it.each([
    [[3, 3, 16, 8], /cin ≤ cout/],
    [[2, 2, 4, 4], /odd kernel/],
  ])('%j is refused', (shape, msg) => {
    expect(() => createInitializer(normalizeInitSpec('delta-orthogonal'), layer(shape), relu)).toThrow(msg);
  });
  it('orthogonal refuses a 1-D shape', () => {
    expect(() => nominalMoments(normalizeInitSpec('orthogonal'), [5], relu)).toThrow(InputError);
  });
});

describe('roles: fixup and the head', () => {
  const shape = [3, 3, 32, 32];
  it('fixup zeroes branch-last and head, scales branch-first by L^(−1/2), leaves the stem He', () => {
    const spec = normalizeInitSpec('fixup');
    expect(draw(spec, shape, 1, 'branch-last', relu, 4).every((x) => x === 0)).toBe(true);
    expect(draw(spec, [32, 10], 1, 'head', relu, 4).every((x) => x === 0)).toBe(true);
    expect(fixupVarianceFactor(4)).toBeCloseTo(1 / 4, 15);
    const first = sampleStats([draw(spec, [3, 3, 64, 256], 1, 'branch-first', relu, 4)]);
    const nominal = nominalMoments(spec, [3, 3, 64, 256], relu, { role: 'branch-first', residualBlocks: 4 }).variance;
    expect(nominal).toBeCloseTo(2 / 576 / 4, 15);
    const { ci } = varianceCi(first, 'normal');
    expect(nominal).toBeGreaterThan(ci[0]);
    expect(nominal).toBeLessThan(ci[1]);
  });
  it('a head layer gets the linear gain: he-normal on the head is 1/fan_in', () => {
    const spec = normalizeInitSpec('he-normal');
    expect(nominalMoments(spec, [64, 10], relu, { role: 'head' }).variance).toBeCloseTo(1 / 64, 15);
    const init = createInitializer(spec, layer([64, 10], 1, 'head'), relu) as VarianceScalingInit;
    expect(init.scale).toBe(1);
  });
});

describe('save/load round trip', () => {
  it('a model built with our initializers saves and loads with the same weights and initializer configs', async () => {
    const specs = ['he-truncated', 'orthogonal', 'delta-orthogonal', 'normal', 'uniform', 'constant', 'xavier-uniform'];
    const input = tf.input({ shape: [8, 8, 3] });
    let x: tf.SymbolicTensor = input;
    specs.forEach((name, i) => {
      x = tf.layers
        .conv2d({
          filters: 8,
          kernelSize: 3,
          padding: 'same',
          name: `conv${i + 1}`,
          kernelInitializer: createInitializer(normalizeInitSpec(name), layer([3, 3, i === 0 ? 3 : 8, 8], 10 + i), relu),
        })
        .apply(x) as tf.SymbolicTensor;
    });
    const model = tf.model({ inputs: input, outputs: x });
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(saved).not.toBeNull();
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const a = model.getWeights();
    const b = loaded.getWeights();
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => expect(Array.from(b[i]!.dataSync())).toEqual(Array.from(w.dataSync())));
    specs.forEach((_, i) => {
      const before = model.getLayer(`conv${i + 1}`).getConfig().kernelInitializer;
      const after = loaded.getLayer(`conv${i + 1}`).getConfig().kernelInitializer;
      expect(after).toEqual(before);
    });
    const orth = (loaded.getLayer('conv2') as unknown as { kernelInitializer: unknown }).kernelInitializer;
    expect(orth).toBeInstanceOf(OrthogonalInit);
    // The deserialised initializers draw the same kernels again (a saved 'fan_in' comes back as 'fanIn').
    const re = (orth as OrthogonalInit).apply([3, 3, 8, 8]);
    expect(Array.from(re.dataSync())).toEqual(Array.from(a[2]!.dataSync()));
    const vs = (loaded.getLayer('conv1') as unknown as { kernelInitializer: VarianceScalingInit }).kernelInitializer;
    expect(vs).toBeInstanceOf(VarianceScalingInit);
    const re1 = vs.apply([3, 3, 3, 8]);
    expect(Array.from(re1.dataSync())).toEqual(Array.from(a[0]!.dataSync()));
    tf.dispose([re, re1]);
  });
});

describe('LSUV (Mishkin & Matas 2016) on a real tfjs model', () => {
  it.each([0.1, 0.01])('every conv output reaches |std − 1| < %f', async (tol) => {
    const spec = normalizeInitSpec({ name: 'lsuv', tol });
    const input = tf.input({ shape: [8, 8, 3] });
    let x: tf.SymbolicTensor = input;
    const names: string[] = [];
    for (let i = 1; i <= 4; i++) {
      x = tf.layers
        .conv2d({ filters: 16, kernelSize: 3, padding: 'same', name: `conv${i}`, kernelInitializer: createInitializer(spec, layer([3, 3, i === 1 ? 3 : 16, 16], 40 + i), relu) })
        .apply(x) as tf.SymbolicTensor;
      x = tf.layers.activation({ activation: 'relu', name: `act${i}` }).apply(x) as tf.SymbolicTensor;
      names.push(`conv${i}`);
    }
    const model = tf.model({ inputs: input, outputs: x });
    const batch = tf.randomNormal([32, 8, 8, 3], 0, 3, 'float32', 9);
    const steps = await applyLsuv(model, batch, names, spec);
    expect(steps.map((s) => s.layer)).toEqual(names);
    for (const name of names) {
      const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer(name).output as tf.SymbolicTensor });
      const std = tf.tidy(() => tf.moments(probe.predict(batch) as tf.Tensor).variance.sqrt().dataSync()[0]!);
      expect(Math.abs(std - 1)).toBeLessThan(tol);
    }
    // orthonormal start: before rescaling, layer 1's output std was not 1 (input std 3)
    expect(steps[0]!.iterations).toBeGreaterThan(0);
    batch.dispose();
  });
});

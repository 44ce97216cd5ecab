/**
 * src/usermodel/probe.ts and diagnose.ts against independent truth:
 *  - a second engine: the suite probe (src/probe over src/model's ArchSpec net) on the same weights
 *    (copied with getWeightMap/setWeightMap into a net built by hand with tfjs, saved and loaded),
 *    the same batch and the same cotangent gives the same numbers;
 *  - closed forms: the theory's ReLU length map σ_w²/2 per layer for the chain;
 *  - a net built to fail (tfjs's default glorotNormal + ReLU, depth 20): the diagnosis names the
 *    shrinking layers, the uncorrected truncation, and recommends He, and the re-probe keeps the signal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readyBackend } from '../src/backend/index.ts';
import { buildRunModel, getWeightMap, setWeightMap } from '../src/model/index.ts';
import { cotangentSeed, makeProbeBatch, probeRun } from '../src/probe/index.ts';
import { planPoint } from '../src/suite/index.ts';
import { builtinRun } from '../src/arch/index.ts';
import type { Moments } from '../src/core/types.ts';
import { normalizeInitSpec } from '../src/init/index.ts';
import { readUserTopology } from '../src/usermodel/topology.ts';
import { loadUserModel } from '../src/usermodel/load.ts';
import { probeLoaded, probeUserModel } from '../src/usermodel/probe.ts';
import { runDiagnosis } from '../src/usermodel/diagnose.ts';
import { saveLayersModel } from './fixtures/save-model.ts';

beforeAll(async () => {
  await readyBackend('wasm');
});

const tmp = mkdtempSync(path.join(tmpdir(), 'initbench-usermodel-probe-'));

const save = (m: tf.LayersModel, name: string): Promise<string> => saveLayersModel(m, path.join(tmp, name));

/** |a − r| ≤ atol + rtol·|r|, with both null alike. */
function close(a: number | null, r: number | null, atol: number, rtol: number): boolean {
  if (a === null || r === null) return a === r;
  return Math.abs(a - r) <= atol + rtol * Math.abs(r);
}
const momentsClose = (a: Moments, r: Moments, atol: number, rtol: number): boolean =>
  close(a.mean, r.mean, atol, rtol) && close(a.variance, r.variance, atol, rtol) && close(a.secondMoment, r.secondMoment, atol, rtol);

/** A plain conv stack built layer by layer with tfjs, named as src/model names its layers (conv{i}, act{i}, gap, head). */
function handBuiltPlain(o: { depth: number; width: number; size: number; classes: number; activation: string; kernelInitializer?: 'glorotNormal' }): tf.LayersModel {
  // seeded per layer, so a test's numbers are the same on every run
  const init = (i: number) => (o.kernelInitializer !== undefined ? { kernelInitializer: tf.initializers.glorotNormal({ seed: 1000 + i }) } : {});
  const m = tf.sequential();
  for (let i = 1; i <= o.depth; i++) {
    m.add(
      tf.layers.conv2d({
        ...(i === 1 ? { inputShape: [o.size, o.size, 3] } : {}),
        filters: o.width,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        name: `conv${i}`,
        ...init(i),
      }),
    );
    m.add(tf.layers.activation({ activation: o.activation as never, name: `act${i}` }));
  }
  if (o.classes > 0) {
    m.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
    m.add(tf.layers.dense({ units: o.classes, name: 'head', ...init(0) }));
  }
  return m;
}

describe('usermodel probe: the same weights give the suite probe’s numbers', () => {
  for (const act of ['relu', 'tanh'] as const) {
    it(`plain depth 6 width 8, ${act}, gap-dense head: pre, post, gradPre, gradWeight, dead, saturated, signal equal (atol 1e-7, rtol 1e-4)`, async () => {
      const plan = planPoint(
        { init: 'he-normal', activation: act, depth: 6, width: 8, head: 'gap-dense', classes: 5, input: { height: 8, width: 8, channels: 3 }, probe: { batch: 8 } } as never,
        { name: 't', description: 't', seed: 3, seeds: 1, file: 'test' },
      );
      const spec = builtinRun(plan.runs[0]!);
      const batch = makeProbeBatch(spec);
      const built = await buildRunModel(spec, { lsuvBatch: batch });
      const ref = await probeRun(spec, built, batch, 0);
      const hand = handBuiltPlain({ depth: 6, width: 8, size: 8, classes: 5, activation: act });
      setWeightMap(hand, getWeightMap(built.model));
      const file = await save(hand, `plain-${act}`);
      const topo = readUserTopology(file);
      const loaded = await loadUserModel(topo);
      const before = tf.memory().numTensors;
      const got = probeLoaded({ model: loaded, topology: topo, x: batch, cotangentSeed: cotangentSeed(spec, 0), source: 'gaussian', inputM2: 1, seed: spec.seed });
      expect(tf.memory().numTensors).toBe(before);
      expect(got.layers.map((l) => [l.name, l.kind, l.fanIn, l.fanOut, l.spatial])).toEqual(ref.layers.map((l) => [l.name, l.kind, l.fanIn, l.fanOut, l.spatial]));
      got.layers.forEach((g, j) => {
        const r = ref.layers[j]!;
        const at = `${r.name}`;
        expect([at, 'pre', momentsClose(g.pre, r.pre, 1e-7, 1e-4)]).toEqual([at, 'pre', true]);
        expect([at, 'post', momentsClose(g.post, r.post, 1e-7, 1e-4)]).toEqual([at, 'post', true]);
        expect([at, 'gradPre', momentsClose(g.gradPre, r.gradPre, 1e-9, 1e-4)]).toEqual([at, 'gradPre', true]);
        expect([at, 'gradWeight', momentsClose(g.gradWeight, r.gradWeight, 1e-9, 1e-4)]).toEqual([at, 'gradWeight', true]);
        expect([at, close(g.deadFraction, r.deadFraction, 0, 0), close(g.saturatedFraction, r.saturatedFraction, 0, 0)]).toEqual([at, true, true]);
        expect([at, close(g.signal!.pre.variance, r.signal!.pre.variance, 1e-7, 1e-4), close(g.signal!.post.sqMean, r.signal!.post.sqMean, 1e-7, 1e-4)]).toEqual([at, true, true]);
      });
      expect(close(got.summary.perLayerRatio, ref.summary.perLayerRatio, 0, 1e-4)).toBe(true);
      tf.dispose([batch, hand, loaded] as never);
      built.dispose();
    });
  }

  it('relu chain theory is σ_w²/2 per layer times the border factor: layer 2 from layer 1 exactly as the length map says', async () => {
    const hand = handBuiltPlain({ depth: 3, width: 16, size: 6, classes: 0, activation: 'relu' });
    const topo = readUserTopology(await save(hand, 'relu-chain'));
    const { results } = await probeUserModel({ topology: topo, model: await loadUserModel(topo), seeds: [5], data: { source: 'gaussian', batch: 4, std: 2 } });
    const [l1, l2] = results[0]!.layers;
    const { paddingFactor } = await import('../src/theory/index.ts');
    const pad = paddingFactor(6, 6, 3, 1, 'same');
    // q₁ = σ_w²·pad·E[x²] (E[x²] = std² = 4); q₂ = σ_w²·pad·q₁/2
    expect(close(l1!.theory.preVariance, l1!.sigmaW2 * pad * 4, 0, 1e-12)).toBe(true);
    expect(close(l2!.theory.preVariance, (l2!.sigmaW2 * pad * l1!.theory.preVariance!) / 2, 0, 1e-12)).toBe(true);
    expect(l1!.theory.meanField?.chi1).toBeCloseTo(l1!.sigmaW2 / 2, 12);
    hand.dispose();
  });
});

describe('usermodel probe: the backward length map against measured gradients', () => {
  it('conv tanh same → conv stride 2 valid + relu → avg pool → flatten → dense relu 256 → dense tanh 256 → dense 10: gradPre variance within 4 SE + 5%', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [10, 10, 4], filters: 64, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'c1', kernelInitializer: tf.initializers.heNormal({ seed: 11 }) }));
    m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'valid', strides: 2, name: 'c2', kernelInitializer: tf.initializers.heNormal({ seed: 12 }) }));
    m.add(tf.layers.reLU({ name: 'r2' }));
    m.add(tf.layers.averagePooling2d({ poolSize: 2, name: 'ap' }));
    m.add(tf.layers.flatten({ name: 'f' }));
    m.add(tf.layers.dense({ units: 256, activation: 'relu', name: 'd1', kernelInitializer: tf.initializers.heNormal({ seed: 13 }) }));
    m.add(tf.layers.dense({ units: 256, activation: 'tanh', name: 'd2', kernelInitializer: tf.initializers.glorotUniform({ seed: 14 }) }));
    m.add(tf.layers.dense({ units: 10, name: 'd3', kernelInitializer: tf.initializers.glorotUniform({ seed: 15 }) }));
    const topo = readUserTopology(await save(m, 'backward'));
    m.dispose();
    const seeds = [1, 2, 3, 4, 5, 6];
    const { aggregate, results } = await probeUserModel({ topology: topo, seeds, data: { source: 'gaussian', batch: 64, std: 1 } });
    expect(aggregate.layers.map((l) => l.name)).toEqual(['c1', 'c2', 'd1', 'd2', 'd3']);
    for (const l of aggregate.layers) {
      const s = l.stats['gradPre.variance'];
      const t = l.theory.gradPreVariance!;
      // SE over seeds (batch and cotangent vary; the weights are the file's); 5% for finite width and batch
      const tol = (4 * s.sd!) / Math.sqrt(s.n) + 0.05 * t;
      expect([l.name, s.mean, t, Math.abs(s.mean! - t) <= tol]).toEqual([l.name, s.mean, t, true]);
    }
    // the forward map stops at the average pool (spatial correlations); the backward map passes it exactly
    expect(aggregate.layers.map((l) => l.theory.preVariance === null)).toEqual([false, false, true, true, true]);
    expect(results[0]!.layers[0]!.theoryNote).toMatch(/E\[φ′²\] at the measured Var\(pre\) of d2/);
  });
});

describe('usermodel diagnosis: a net built to fail', () => {
  it('xavier (tfjs default glorotNormal) + relu, depth 20: names conv1–conv20, the truncation, recommends he-normal, and He keeps the signal', async () => {
    const hand = handBuiltPlain({ depth: 20, width: 16, size: 8, classes: 10, activation: 'relu', kernelInitializer: 'glorotNormal' });
    const topo = readUserTopology(await save(hand, 'fail'));
    hand.dispose();
    const before = tf.memory().numTensors;
    const { diagnosis: d } = await runDiagnosis({ topology: topo, seeds: [1, 2], data: { source: 'gaussian', batch: 8, std: 1 } });
    expect(tf.memory().numTensors).toBe(before);
    const fwd = d.ranges.filter((r) => r.direction === 'forward');
    expect(fwd).toHaveLength(1);
    expect(fwd[0]).toMatchObject({ change: 'shrinks', first: 'conv1', last: 'conv20' });
    // theory: σ_w² = 0.774·2·9·16/(9·16 + 9·16) = 0.774 → × 0.387 per layer; conv1 (fan-in 27) draws less.
    // finite width 16 scatters each layer's ratio, so the geometric mean is checked within [0.25, 0.5]
    expect(fwd[0]!.perLayer).toBeGreaterThan(0.25);
    expect(fwd[0]!.perLayer).toBeLessThan(0.5);
    expect(d.ranges.some((r) => r.direction === 'backward' && r.change === 'shrinks')).toBe(true);
    const convs = d.advice.filter((a) => a.className === 'Conv2D');
    expect(convs.map((a) => a.recommended)).toEqual(Array(20).fill('he-normal'));
    expect(convs.every((a) => a.truncated && a.gainMismatch && a.declared === 'glorotNormal')).toBe(true);
    // E[W²]/nominal of an uncorrected ±2σ truncated normal is 0.774; a hidden kernel has 2304 draws and the truncated
    // normal's kurtosis is < 3, so sd(mean W²)/nominal ≤ 0.774·√(2/2304) = 0.0228: 5 sd = 0.114
    for (const a of convs.slice(1)) expect(Math.abs(a.drawnOverNominal! - 0.774)).toBeLessThanOrEqual(0.114);
    // every conv (gain and truncation) and the head (truncated glorotNormal, gain 1 ≈ its σ_w² 0.95) are redrawn
    expect(d.applied.map((x) => x.name)).toEqual([...convs.map((a) => a.name), 'head']);
    expect(d.advice.find((a) => a.name === 'head')).toMatchObject({ recommended: 'lecun-normal', gainMismatch: false, truncated: true });
    expect(d.after).not.toBeNull();
    // after He: no range of 5 layers changes by 2×, and the per-layer ratio is near 1
    const after = d.after!;
    const v = after.layers.filter((l) => l.name.startsWith('conv')).map((l) => l.preVariance!);
    const perLayer = Math.pow(v[v.length - 1]! / v[0]!, 1 / (v.length - 1));
    expect(perLayer).toBeGreaterThan(0.8);
    expect(perLayer).toBeLessThan(1.25);
    expect(after.gradFirstOverLast!).toBeGreaterThan(1e3 * d.before.gradFirstOverLast!);
    expect(d.sentences[0]).toMatch(/^conv1–conv20: the signal \(Var of pre-activations\) shrinks × 0\.\d+ per layer .* init glorotNormal, theory × 0\.\d+ per layer → he-normal: × [01]\.\d+ per layer/);
    expect(d.sentences.some((s) => /glorotNormal draws from a normal truncated at ±2σ without correcting σ: 0\.774×/.test(s))).toBe(true);
  });

  it('--init he-normal over the same kind of net: the diagnosis judges he-normal (untruncated, gain fits) and changes nothing; --init tfjs:heNormal is truncated', async () => {
    const hand = handBuiltPlain({ depth: 6, width: 16, size: 8, classes: 10, activation: 'relu', kernelInitializer: 'glorotNormal' });
    const topo = readUserTopology(await save(hand, 'override'));
    hand.dispose();
    const data = { source: 'gaussian' as const, batch: 8, std: 1 };
    const he = await runDiagnosis({ topology: topo, seeds: [1], data, init: { all: normalizeInitSpec('he-normal') } });
    expect(he.after).toBeNull();
    expect(he.diagnosis.advice.map((a) => [a.declared, a.truncated, a.gainMismatch])).toEqual(Array(7).fill(['he-normal', false, false]));
    const tfjsHe = await runDiagnosis({ topology: topo, seeds: [1], data, init: { all: normalizeInitSpec('tfjs:heNormal') } });
    const convs = tfjsHe.diagnosis.advice.filter((a) => a.className === 'Conv2D');
    // tfjs's heNormal: σ_w² = 2·0.774 = 1.55 < 2/1.25, and truncated
    expect(convs.every((a) => a.declared === 'tfjs:heNormal' && a.truncated && a.gainMismatch)).toBe(true);
    expect(tfjsHe.diagnosis.applied.map((x) => x.recommended)).toEqual([...Array(6).fill('he-normal'), 'lecun-normal']);
  });
});

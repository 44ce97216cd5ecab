/** The probe's theory rows: the mean-field fixed point, χ₁ and depth scale of each conv layer's σ_w². */
import { describe, expect, it } from 'vitest';
import type { ActivationSpec, ArchSpec } from '../src/core/types.ts';
import type { ModelLayerInfo } from '../src/model/index.ts';
import { biasVarianceOf, theoryForLayers } from '../src/probe/index.ts';

const K = 3;
const WIDTH = 4;

function convLayers(depth: number, head: boolean): ModelLayerInfo[] {
  const layers: ModelLayerInfo[] = Array.from({ length: depth }, (_, j) => {
    const cin = j === 0 ? 3 : WIDTH;
    return {
      index: j + 1, name: `conv${j + 1}`, kind: 'conv', role: 'plain', fanIn: K * K * cin, fanOut: K * K * WIDTH,
      kernelShape: [K, K, cin, WIDTH], spatial: [8, 8], stride: 1, pooled: false,
    };
  });
  if (head) {
    layers.push({ index: depth + 1, name: 'head', kind: 'dense', role: 'head', fanIn: WIDTH, fanOut: 10, kernelShape: [WIDTH, 10], spatial: [1, 1], stride: 1, pooled: false });
  }
  return layers;
}

/** theoryForLayers for a depth-3 net on 8×8×3 whose conv layer j has Var(W) = sigmaW2s[j]/fan_in. */
function theory(kind: ArchSpec['kind'], activation: ActivationSpec, sigmaW2s: number[], head = false, biasVariance = 0) {
  const arch: ArchSpec = {
    kind, depth: 3, width: WIDTH, kernel: K, padding: 'same', bias: biasVariance !== 0,
    downsample: { at: [], mode: 'maxpool' }, head: head ? 'gap-dense' : 'none', classes: 10,
  };
  const layers = convLayers(3, head);
  const weightVariances = layers.map((l, j) => (l.kind === 'dense' ? 1 / WIDTH : sigmaW2s[j]! / l.fanIn));
  return theoryForLayers({ arch, input: { height: 8, width: 8, channels: 3 }, activation, layers, weightVariances, inputVariance: 1, biasVariance });
}

describe('bias variance in the theory', () => {
  const arch = (bias: boolean) => ({ bias });
  it('σ_b² is Var(b): 0 without a bias or with zeros, std² for normal, NaN (no theory) for a constant', () => {
    expect(biasVarianceOf({ arch: arch(false), bias: { init: 'normal', std: 0.3 } })).toBe(0);
    expect(biasVarianceOf({ arch: arch(true) })).toBe(0);
    expect(biasVarianceOf({ arch: arch(true), bias: { init: 'zeros' } })).toBe(0);
    expect(biasVarianceOf({ arch: arch(true), bias: { init: 'normal', std: 0.3 } })).toBeCloseTo(0.09, 15);
    expect(biasVarianceOf({ arch: arch(true), bias: { init: 'constant', value: 0.1 } })).toBeNaN();
  });

  it('relu σ_w² = 1 σ_b² = 0.05: q* = σ_b²/(1 − σ_w²/2) = 0.1 (the length map q ↦ σ_w² q/2 + σ_b² solved), χ₁ = ½', () => {
    const mf = theory('plain', { name: 'relu' }, [1, 1, 1], false, 0.05)[1]!.meanField!;
    expect(Math.abs(mf.qStar! - 0.1)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(mf.chi1! - 0.5)).toBeLessThanOrEqual(1e-9);
  });

  it('relu σ_w² = 2 σ_b² = 0.05: the bias reaches the variance prediction at every layer', () => {
    const zero = theory('plain', { name: 'relu' }, [2, 2, 2]);
    const biased = theory('plain', { name: 'relu' }, [2, 2, 2], false, 0.05);
    // more than half of σ_b² at every layer (src/theory's finite-width variance estimator takes some back: the
    // bias is a per-channel offset, shared by positions and examples)
    for (let j = 0; j < 3; j++) expect(biased[j]!.preVariance! - zero[j]!.preVariance!).toBeGreaterThan(0.025);
  });

  it('a constant bias (σ_b² NaN) leaves every theory number null', () => {
    for (const l of theory('plain', { name: 'relu' }, [2, 2, 2], false, NaN)) {
      expect(l).toEqual({ preVariance: null, gradPreVariance: null, preVarianceBand: null, meanField: null });
    }
  });
});

describe('mean field per conv layer', () => {
  it('relu at σ_w² = 2 (He): critical, q* = 1, χ₁ = 1, infinite depth scale (null)', () => {
    for (const l of theory('plain', { name: 'relu' }, [2, 2, 2])) {
      expect(l.meanField).toEqual({ sigmaW2: 2, qStar: 1, chi1: 1, depthScale: null, converged: true, slope: 1, stable: null, perturbed: [0.999, 1.001] });
    }
  });

  it('relu at σ_w² = 1 (Xavier, fan_in = fan_out): q* = 0, χ₁ = ½, depth scale 1/ln 2', () => {
    const mf = theory('plain', { name: 'relu' }, [1, 1, 1])[1]!.meanField!;
    expect(mf.qStar).toBe(0);
    expect(mf.chi1).toBeCloseTo(0.5, 12);
    expect(mf.depthScale).toBeCloseTo(1 / Math.LN2, 12);
  });

  it('tanh at σ_w² = 2: a non-zero fixed point in the chaotic phase (χ₁ > 1), finite depth scale', () => {
    const mf = theory('plain', { name: 'tanh' }, [2, 2, 2])[2]!.meanField!;
    expect(mf.converged).toBe(true);
    expect(mf.qStar!).toBeGreaterThan(0.5);
    expect(mf.qStar!).toBeLessThan(0.7);
    expect(mf.chi1!).toBeGreaterThan(1);
    expect(mf.depthScale).toBeCloseTo(1 / Math.log(mf.chi1!), 12);
  });

  it('each layer at its own σ_w² (fan_avg differs on the first layer)', () => {
    const rows = theory('plain', { name: 'relu' }, [0.5, 1, 1]);
    expect(rows.map((l) => l.meanField!.sigmaW2)).toEqual([0.5, 1, 1]);
    expect(rows[0]!.meanField!.chi1).toBeCloseTo(0.25, 12);
  });

  it('relu at σ_w² = 3: no fixed point, so q*, χ₁ and depth scale are null', () => {
    expect(theory('plain', { name: 'relu' }, [3, 3, 3])[1]!.meanField).toEqual({ sigmaW2: 3, qStar: null, chi1: null, depthScale: null, converged: false, slope: null, stable: null, perturbed: null });
  });

  it.each(['batchnorm', 'residual', 'residual-bn'] as const)('%s: null (the length map is not a plain net’s)', (kind) => {
    for (const l of theory(kind, { name: 'relu' }, [2, 2, 2])) expect(l.meanField).toBeNull();
  });

  it('the head: null', () => {
    expect(theory('plain', { name: 'relu' }, [2, 2, 2], true)[3]!.meanField).toBeNull();
  });
});

/**
 * The per-op case table, each case named by its parameters, with deterministic float32-representable
 * inputs (so tfjs and the reference see identical numbers) and the reference's outputs.
 * Output keys: 'forward', and 'grad.<input>' for every differentiable input, given the cotangent `dy`.
 */
import * as ref from '../reference/index.ts';
import type { ActivationName, Padding, Tensor } from '../reference/index.ts';
import { Rng, hash32 } from '../core/rng.ts';
import type { Tolerance } from './compare.ts';

export type OpCase =
  | { kind: 'conv2d'; op: 'conv2d'; name: string; x: number[]; w: number[]; stride: number; padding: Padding; dilation: number }
  | { kind: 'dense'; op: 'dense'; name: string; x: number[]; units: number }
  | { kind: 'activation'; op: ActivationName; name: string; x: number[]; alpha?: number; scale: number }
  | { kind: 'pool'; op: 'max-pool' | 'avg-pool'; name: string; x: number[]; size: number; stride: number; padding: 'same' | 'valid' }
  | { kind: 'global-avg-pool'; op: 'global-avg-pool'; name: string; x: number[] }
  | { kind: 'batch-norm'; op: 'batch-norm'; name: string; x: number[] }
  | { kind: 'add'; op: 'add'; name: string; x: number[] }
  | { kind: 'softmax-ce'; op: 'softmax-ce'; name: string; x: number[] };


/** A case without its name: the name is made from these fields (caseName), so the two cannot disagree. */
type Unnamed<C> = C extends unknown ? Omit<C, 'name'> : never;
type CaseFields = Unnamed<OpCase>;

const shapeStr = (s: readonly number[]): string => `[${s.join(',')}]`;
const padStr = (p: Padding): string => (typeof p === 'string' ? p : `[[${p[0].join(',')}],[${p[1].join(',')}]]`);

/** A case's label, by its parameters: e.g. 'x=[1,8,8,3] w=[3,3,3,4] s=2 p=same' (rows and tests match on it). */
function caseName(c: CaseFields): string {
  switch (c.kind) {
    case 'conv2d':
      return `x=${shapeStr(c.x)} w=${shapeStr(c.w)} s=${c.stride} p=${padStr(c.padding)}${c.dilation > 1 ? ` d=${c.dilation}` : ''}`;
    case 'dense':
      return `x=${shapeStr(c.x)} units=${c.units}`;
    case 'activation':
      return `x=${shapeStr(c.x)}${c.alpha !== undefined ? ` alpha=${c.alpha}` : ''}`;
    case 'pool':
      return `x=${shapeStr(c.x)} k=${c.size} s=${c.stride} p=${c.padding}`;
    case 'softmax-ce':
      return `logits=${shapeStr(c.x)}`;
    case 'global-avg-pool':
    case 'batch-norm':
    case 'add':
      return `x=${shapeStr(c.x)}`;
  }
}

function named(c: CaseFields): OpCase {
  return { ...c, name: caseName(c) };
}

function conv(x: number[], w: number[], stride: number, padding: Padding, dilation = 1): OpCase {
  return named({ kind: 'conv2d', op: 'conv2d', x, w, stride, padding, dilation });
}

/**
 * Conv cases: strides 1–3, same/valid/explicit padding, dilations 2–3 (tfjs allows dilation only at
 * stride 1), odd and even kernels (even 'same' pads put the extra row at the bottom), batch 1 and >1,
 * channels 1 and >1, non-square inputs.
 */
export const CONV_CASES: OpCase[] = [
  conv([1, 5, 5, 1], [3, 3, 1, 1], 1, 'valid'),
  conv([2, 8, 8, 3], [3, 3, 3, 4], 1, 'same'),
  conv([1, 8, 8, 3], [3, 3, 3, 4], 2, 'same'),
  conv([2, 7, 7, 2], [2, 2, 2, 3], 1, 'same'),
  conv([1, 7, 7, 1], [4, 4, 1, 1], 2, 'same'),
  conv([1, 9, 9, 2], [4, 4, 2, 2], 3, 'same'),
  conv([2, 9, 8, 3], [3, 3, 3, 2], 2, 'valid'),
  conv([1, 7, 7, 2], [3, 3, 2, 2], 3, 'valid'),
  conv([1, 10, 10, 2], [2, 2, 2, 2], 2, 'valid'),
  conv([1, 9, 9, 2], [3, 3, 2, 3], 1, 'same', 2),
  conv([2, 10, 10, 1], [2, 2, 1, 2], 1, 'valid', 3),
  conv([1, 6, 6, 2], [3, 3, 2, 2], 1, [[1, 0], [2, 1]]),
  conv([2, 8, 8, 2], [5, 5, 2, 3], 2, [[2, 2], [1, 2]]),
  conv([1, 6, 6, 4], [1, 1, 4, 2], 2, 'same'),
  conv([3, 4, 5, 3], [3, 2, 3, 2], 1, 'same'),
  // above 65536 multiply-adds, where wasm's Conv2DBackpropInput is ours on 'auto' too
  conv([2, 10, 10, 8], [3, 3, 8, 8], 1, 'same'),
  conv([2, 16, 16, 8], [3, 3, 8, 8], 2, 'same'),
];

export const DENSE_CASES: OpCase[] = (
  [
    [[1, 5], 3],
    [[4, 7], 1],
    [[3, 16], 10],
  ] as [number[], number][]
).map(([x, units]) => named({ kind: 'dense', op: 'dense', x, units }));

export const ACTIVATION_CASES: OpCase[] = (
  [
    ['linear', undefined],
    ['relu', undefined],
    ['leaky_relu', 0.01],
    ['leaky_relu', 0.2],
    ['tanh', undefined],
    ['sigmoid', undefined],
    ['selu', undefined],
    ['elu', 1],
    ['elu', 0.5],
    ['gelu', undefined],
    ['swish', undefined],
  ] as [ActivationName, number | undefined][]
).map(([op, alpha]) =>
  named({
    kind: 'activation',
    op,
    // x ~ N(0, 3²) reaches the saturated and negative regions of every activation
    x: [2, 4, 4, 3],
    scale: 3,
    ...(alpha !== undefined ? { alpha } : {}),
  }),
);

function pool(op: 'max-pool' | 'avg-pool', x: number[], size: number, stride: number, padding: 'same' | 'valid'): OpCase {
  return named({ kind: 'pool', op, x, size, stride, padding });
}

/**
 * Avg-pool with 'same' padding is only used where no padding happens: tfjs 4.22's forward pass divides
 * by the real cells of a padded window but its gradient divides by the full window, so the two disagree.
 */
export const POOL_CASES: OpCase[] = [
  pool('max-pool', [1, 4, 4, 1], 2, 2, 'valid'),
  pool('max-pool', [2, 7, 7, 3], 2, 2, 'valid'),
  pool('max-pool', [1, 5, 5, 2], 3, 2, 'same'),
  pool('max-pool', [2, 6, 6, 2], 3, 1, 'same'),
  pool('max-pool', [1, 9, 9, 1], 3, 3, 'valid'),
  pool('avg-pool', [1, 4, 4, 1], 2, 2, 'valid'),
  pool('avg-pool', [2, 7, 7, 3], 2, 2, 'valid'),
  pool('avg-pool', [1, 6, 6, 2], 3, 3, 'valid'),
  pool('avg-pool', [1, 8, 8, 2], 2, 2, 'same'),
  pool('avg-pool', [2, 7, 7, 1], 3, 2, 'valid'),
];

export const OTHER_CASES: OpCase[] = [
  named({ kind: 'global-avg-pool', op: 'global-avg-pool', x: [1, 4, 4, 3] }),
  named({ kind: 'global-avg-pool', op: 'global-avg-pool', x: [3, 5, 7, 2] }),
  named({ kind: 'batch-norm', op: 'batch-norm', x: [4, 3, 3, 2] }),
  named({ kind: 'batch-norm', op: 'batch-norm', x: [2, 5, 5, 3] }),
  named({ kind: 'batch-norm', op: 'batch-norm', x: [8, 4] }),
  named({ kind: 'add', op: 'add', x: [2, 4, 4, 3] }),
  named({ kind: 'softmax-ce', op: 'softmax-ce', x: [1, 3] }),
  named({ kind: 'softmax-ce', op: 'softmax-ce', x: [6, 10] }),
];

export const ALL_CASES: OpCase[] = [...CONV_CASES, ...DENSE_CASES, ...ACTIVATION_CASES, ...POOL_CASES, ...OTHER_CASES];

/** A tensor of N(0, std²) draws rounded to float32, so both sides start from the same numbers. */
function randn(rng: Rng, shape: number[], std: number, mean = 0): Tensor {
  const t = ref.zeros(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.fround(mean + std * rng.normal());
  return t;
}

/** Deterministic inputs of a case, seeded by its op and name; `dy` is the cotangent for the gradients. */
export function caseInputs(c: OpCase): Record<string, Tensor> {
  const rng = new Rng(hash32(`${c.op} ${c.name}`)); // splitmix32 takes any seed, 0 included
  switch (c.kind) {
    case 'conv2d': {
      const x = randn(rng, c.x, 1);
      const w = randn(rng, c.w, 1 / Math.sqrt(c.w[0]! * c.w[1]! * c.w[2]!));
      const b = randn(rng, [c.w[3]!], 0.1);
      const g = ref.convGeometry(c.x, c.w, { stride: c.stride, padding: c.padding, dilation: c.dilation });
      return { x, w, b, dy: randn(rng, [g.N, g.OH, g.OW, g.Cout], 1) };
    }
    case 'dense': {
      const x = randn(rng, c.x, 1);
      const w = randn(rng, [c.x[1]!, c.units], 1 / Math.sqrt(c.x[1]!));
      return { x, w, b: randn(rng, [c.units], 0.1), dy: randn(rng, [c.x[0]!, c.units], 1) };
    }
    case 'activation':
      return { x: randn(rng, c.x, c.scale), dy: randn(rng, c.x, 1) };
    case 'pool': {
      const x = randn(rng, c.x, 1);
      const C = c.x[3]!;
      const g = ref.convGeometry(c.x, [c.size, c.size, C, C], { stride: c.stride, padding: c.padding });
      return { x, dy: randn(rng, [g.N, g.OH, g.OW, C], 1) };
    }
    case 'global-avg-pool':
      return { x: randn(rng, c.x, 1), dy: randn(rng, [c.x[0]!, c.x[3]!], 1) };
    case 'batch-norm': {
      const C = c.x[c.x.length - 1]!;
      // a shifted, scaled input so the mean and variance matter
      return { x: randn(rng, c.x, 2, 0.5), gamma: randn(rng, [C], 0.3, 1), beta: randn(rng, [C], 0.2), dy: randn(rng, c.x, 1) };
    }
    case 'add':
      return { x: randn(rng, c.x, 1), y: randn(rng, c.x, 1), dy: randn(rng, c.x, 1) };
    case 'softmax-ce': {
      const [N, K] = c.x as [number, number];
      const labels = ref.zeros([N]);
      for (let n = 0; n < N; n++) labels.data[n] = rng.int(K);
      return { logits: randn(rng, c.x, 2), labels };
    }
  }
}

/** The inputs each case differentiates with respect to (gradient keys 'grad.<name>'). */
export function gradInputs(c: OpCase): string[] {
  switch (c.kind) {
    case 'conv2d':
    case 'dense':
      return ['x', 'w', 'b'];
    case 'batch-norm':
      return ['x', 'gamma', 'beta'];
    case 'add':
      return ['x', 'y'];
    case 'softmax-ce':
      return ['logits'];
    default:
      return ['x'];
  }
}

export function convOptions(c: Extract<OpCase, { kind: 'conv2d' }>): ref.Conv2dOptions {
  return { stride: c.stride, padding: c.padding, dilation: c.dilation };
}

/** The forward output only (what finite differences differentiate). */
export function referenceForward(c: OpCase, i: Record<string, Tensor>): Tensor {
  switch (c.kind) {
    case 'conv2d': return ref.conv2d(i.x!, i.w!, i.b!, convOptions(c));
    case 'dense': return ref.dense(i.x!, i.w!, i.b!);
    case 'activation': return ref.activation(c.op, i.x!, c.alpha);
    case 'pool': return c.op === 'max-pool' ? ref.maxPool(i.x!, c) : ref.avgPool(i.x!, c);
    case 'global-avg-pool': return ref.globalAvgPool(i.x!);
    case 'batch-norm': return ref.batchNorm(i.x!, i.gamma!, i.beta!);
    case 'add': return ref.add(i.x!, i.y!);
    case 'softmax-ce': return ref.tensor([], [ref.softmaxCrossEntropy(i.logits!, i.labels!.data)]);
  }
}

/** Forward and every gradient (wrt the inputs of gradInputs, for cotangent dy) by the reference's backward code. */
export function referenceOutputs(c: OpCase, i: Record<string, Tensor>): Record<string, Tensor> {
  const forward = referenceForward(c, i);
  switch (c.kind) {
    case 'conv2d': {
      const g = ref.conv2dBackward(i.x!, i.w!, i.dy!, convOptions(c));
      return { forward, 'grad.x': g.dx, 'grad.w': g.dw, 'grad.b': g.db };
    }
    case 'dense': {
      const g = ref.denseBackward(i.x!, i.w!, i.dy!);
      return { forward, 'grad.x': g.dx, 'grad.w': g.dw, 'grad.b': g.db };
    }
    case 'activation':
      return { forward, 'grad.x': ref.activationBackward(c.op, i.x!, i.dy!, c.alpha) };
    case 'pool':
      return { forward, 'grad.x': c.op === 'max-pool' ? ref.maxPoolBackward(i.x!, i.dy!, c) : ref.avgPoolBackward(i.x!, i.dy!, c) };
    case 'global-avg-pool':
      return { forward, 'grad.x': ref.globalAvgPoolBackward(i.x!, i.dy!) };
    case 'batch-norm': {
      const g = ref.batchNormBackward(i.x!, i.gamma!, i.dy!);
      return { forward, 'grad.x': g.dx, 'grad.gamma': g.dgamma, 'grad.beta': g.dbeta };
    }
    case 'add': {
      const g = ref.addBackward(i.dy!);
      return { forward, 'grad.x': g.da, 'grad.y': g.db };
    }
    case 'softmax-ce':
      return { forward, 'grad.logits': ref.softmaxCrossEntropyBackward(i.logits!, i.labels!.data) };
  }
}

/**
 * float32 tfjs vs float64 reference, on O(1) values: a float32 sum of n terms is off by ~n·6e-8 relative,
 * so sums over ≤ 150 terms (conv, dense) get atol 1e-5 + rtol 1e-4; element-wise ops 2e-6 + 1e-5
 * (tfjs's erf, used by gelu, is a 1.5e-7 approximation); batch-norm, whose gradient subtracts means, 1e-4 + 1e-4.
 */
export function tfjsTolerance(c: OpCase): Tolerance {
  switch (c.kind) {
    case 'conv2d':
    case 'dense':
      return { atol: 1e-5, rtol: 1e-4 };
    case 'batch-norm':
      return { atol: 1e-4, rtol: 1e-4 };
    default:
      return { atol: 2e-6, rtol: 1e-5 };
  }
}

// The reference engine against independent truths: finite differences in float64 for every op's
// gradients, closed-form values, and the whole reference model's gradients by finite differences.
import { describe, expect, it } from 'vitest';
import * as ref from '../src/reference/index.ts';
import { ALL_CASES, caseInputs, referenceOutputs } from '../src/check/cases.ts';
import { gradInputs } from '../src/check/cases.ts';
import { FD_RTOL, checkFiniteDifferences, finiteDifferenceGradient } from '../src/check/ops.ts';
import { Rng } from '../src/core/rng.ts';

describe('reference gradients vs central finite differences (rel err < 1e-6)', () => {
  const rows = checkFiniteDifferences();
  it.each(ALL_CASES.flatMap((c) => gradInputs(c).map((n) => [`${c.op}.grad.${n} ${c.name}`, c.op, n, c.name] as const)))(
    '%s',
    (_label, op, n, name) => {
      const row = rows.find((r) => r.op === `${op}.grad.${n}` && r.case === name)!;
      expect(row.verdict, row.detail ?? '').toBe('pass');
      expect(row.rtol).toBe(FD_RTOL);
      expect(row.maxRel!).toBeLessThan(1e-6);
    },
  );
});

describe('reference values by hand', () => {
  it('conv2d x=[1,3,3,1] w=[2,2,1,1] s=1 p=same: extra pad at the bottom/right as tfjs', () => {
    const x = ref.tensor([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = ref.tensor([2, 2, 1, 1], [1, 10, 100, 1000]);
    const y = ref.conv2d(x, w, null, { padding: 'same' });
    // y[i,j] = x[i,j] + 10 x[i,j+1] + 100 x[i+1,j] + 1000 x[i+1,j+1], zeros past the bottom/right edge
    expect(Array.from(y.data)).toEqual([5421, 6532, 603, 8754, 9865, 906, 87, 98, 9]);
  });

  it('conv2d x=[1,5,5,1] w=[3,3,1,1] s=2 p=valid d=1 and x=[1,5,5,1] w=[2,2,1,1] d=2: geometry', () => {
    expect(ref.convGeometry([1, 5, 5, 1], [3, 3, 1, 1], { stride: 2, padding: 'valid' })).toMatchObject({ OH: 2, OW: 2, top: 0 });
    expect(ref.convGeometry([1, 5, 5, 1], [2, 2, 1, 1], { dilation: 2, padding: 'same' })).toMatchObject({ OH: 5, top: 1, bottom: 1 });
    expect(ref.convGeometry([1, 7, 7, 1], [4, 4, 1, 1], { stride: 2, padding: 'same' })).toMatchObject({ OH: 4, top: 1, bottom: 2 });
    expect(ref.convGeometry([1, 6, 6, 1], [3, 3, 1, 1], { padding: [[1, 0], [2, 1]] })).toMatchObject({ OH: 5, OW: 7 });
  });

  it('erf/erfc match tabulated values to 1e-15', () => {
    expect(ref.erf(0.5)).toBeCloseTo(0.5204998778130465, 15);
    expect(ref.erf(1)).toBeCloseTo(0.8427007929497149, 15);
    expect(ref.erf(2)).toBeCloseTo(0.9953222650189527, 15);
    expect(Math.abs(ref.erfc(3) / 2.209049699858544e-5 - 1)).toBeLessThan(1e-14);
    expect(ref.erf(-1.2)).toBeCloseTo(-0.9103139782296353, 15);
  });

  it('batch-norm x=[4,1]: biased variance and ε = 1e-3', () => {
    const y = ref.batchNorm(ref.tensor([4, 1], [1, 2, 3, 4]), ref.tensor([1], [1]), ref.tensor([1], [0]));
    const sd = Math.sqrt(1.25 + 1e-3);
    expect(Array.from(y.data)).toEqual([-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd].map((v) => expect.closeTo(v, 14)));
  });

  it('softmax-CE logits=[2,2] is the mean of −log p over the batch', () => {
    const l = ref.softmaxCrossEntropy(ref.tensor([2, 2], [0, 0, 1, 0]), [0, 1]);
    expect(l).toBeCloseTo((Math.log(2) + Math.log(1 + Math.E)) / 2, 14);
  });
});

/** Reference model gradients vs central differences of its own loss, a sample of entries per weight. */
function modelFdCheck(spec: ref.RefModelSpec, seed: number) {
  const rng = new Rng(seed);
  const weights: ref.WeightMap = {};
  for (const [name, shape] of ref.weightShapes(spec)) {
    const fanIn = shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : shape[0]!;
    weights[name] = rng.fillNormal(new Float64Array(ref.sizeOf(shape)), name.endsWith('gamma') ? 0.1 : Math.sqrt(2 / fanIn), name.endsWith('gamma') ? 1 : 0) as Float64Array;
  }
  const x = ref.zeros([3, 6, 6, spec.input.channels]);
  rng.fillNormal(x.data);
  const labels = [0, 2, 1];
  const { grads } = ref.modelLossAndGrads(spec, weights, x, labels);
  let worst = 0;
  const h = 1e-5;
  // one scale for all: a conv bias in front of batch-norm has an exactly-zero gradient
  let scale = 1e-12;
  for (const g of Object.values(grads)) for (const v of g) scale = Math.max(scale, Math.abs(v));
  for (const [name, w] of Object.entries(weights)) {
    for (let k = 0; k < Math.min(w.length, 6); k++) {
      const j = (k * 7919) % w.length;
      const keep = w[j]!;
      w[j] = keep + h;
      const up = ref.modelLossAndGrads(spec, weights, x, labels).loss;
      w[j] = keep - h;
      const down = ref.modelLossAndGrads(spec, weights, x, labels).loss;
      w[j] = keep;
      const fd = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - grads[name]![j]!) / scale);
    }
  }
  return worst;
}

describe('reference model gradients vs finite differences of its loss', () => {
  const arch = (kind: ref.RefArchSpec['kind'], depth: number, mode: 'stride' | 'maxpool' | 'avgpool', at: number[]): ref.RefArchSpec => ({
    kind, depth, width: 3, kernel: 3, padding: 'same', bias: true, downsample: { at, mode }, head: 'gap-dense', classes: 3,
  });
  it.each([
    ['plain d=4 tanh stride@2', arch('plain', 4, 'stride', [2]), 'tanh'],
    ['batchnorm d=3 gelu avgpool@1', arch('batchnorm', 3, 'avgpool', [1]), 'gelu'],
    ['residual-bn d=5 selu maxpool@3', arch('residual-bn', 5, 'maxpool', [3]), 'selu'],
    ['residual d=3 swish', arch('residual', 3, 'maxpool', []), 'swish'],
  ] as const)('%s', (_n, a, act) => {
    const worst = modelFdCheck({ arch: a, input: { height: 6, width: 6, channels: 2 }, activation: { name: act } }, 7);
    expect(worst).toBeLessThan(1e-6);
  });

  it('sgdStep moves every weight by −lr·grad', () => {
    const w = { a: Float64Array.of(1, 2) };
    expect(Array.from(ref.sgdStep(w, { a: Float64Array.of(0.5, -1) }, 0.1).a)).toEqual([0.95, 2.1]);
  });
});

describe('case inputs are float32-representable and deterministic', () => {
  it('conv2d x=[2,8,8,3] w=[3,3,3,4] s=1 p=same', () => {
    const c = ALL_CASES[1]!;
    const a = caseInputs(c);
    const b = caseInputs(c);
    expect(Array.from(a.x!.data)).toEqual(Array.from(b.x!.data));
    for (const v of a.w!.data) expect(Math.fround(v)).toBe(v);
    expect(Object.keys(referenceOutputs(c, a))).toEqual(['forward', 'grad.x', 'grad.w', 'grad.b']);
  });
  it('finiteDifferenceGradient of dense x=[1,5] units=3 wrt b is Σ dy over the batch', () => {
    const c = ALL_CASES.find((k) => k.op === 'dense')!;
    const i = caseInputs(c);
    const g = finiteDifferenceGradient(c, i, 'b');
    Array.from(g).forEach((v, j) => expect(v).toBeCloseTo(i.dy!.data[j]!, 9));
  });
});

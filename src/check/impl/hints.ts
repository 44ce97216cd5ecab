/**
 * Hints for a failing user function: evaluate candidate *mutations* of the reference — the mistakes
 * people make writing these ops by hand — and name the one whose output matches the user's.
 */
import * as ref from '../../reference/index.ts';
import type { ConvGeometry, Tensor } from '../../reference/index.ts';
import type { OpCase } from '../cases.ts';
import { type Tolerance, compare } from '../compare.ts';

interface Candidate {
  hint: string;
  /** the mutated output, same key as the failing one; null when the mutation does not apply */
  value: () => Tensor | null;
}

/** How a hand-written conv can go wrong in its index arithmetic. */
interface ConvVariant {
  top: number;
  left: number;
  /** extra offset added to every input row/column an output reads */
  off: number;
  /** false: the input index ignores the stride (oh + kh instead of oh·s + kh) */
  strideInInput: boolean;
}

// x (N,H,W,Cin), w (KH,KW,Cin,Cout), dy (N,OH,OW,Cout) → y, dx, dw, db of a conv with variant index arithmetic
function variantConv(x: Tensor, w: Tensor, b: Tensor, dy: Tensor, g: ConvGeometry, v: ConvVariant) {
  const y = ref.zeros([g.N, g.OH, g.OW, g.Cout]);
  const dx = ref.zeros(x.shape);
  const dw = ref.zeros(w.shape);
  const db = ref.zeros([g.Cout]);
  const sh = v.strideInInput ? g.sh : 1;
  const sw = v.strideInInput ? g.sw : 1;
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let co = 0; co < g.Cout; co++) {
          const yi = ((n * g.OH + oh) * g.OW + ow) * g.Cout + co;
          let sum = b.data[co]!;
          const d = dy.data[yi]!;
          db.data[co]! += d;
          for (let kh = 0; kh < g.KH; kh++) {
            const ih = oh * sh + v.off + kh * g.dh - v.top;
            if (ih < 0 || ih >= g.H) continue;
            for (let kw = 0; kw < g.KW; kw++) {
              const iw = ow * sw + v.off + kw * g.dw - v.left;
              if (iw < 0 || iw >= g.W) continue;
              for (let ci = 0; ci < g.Cin; ci++) {
                const xi = ((n * g.H + ih) * g.W + iw) * g.Cin + ci;
                const wi = ((kh * g.KW + kw) * g.Cin + ci) * g.Cout + co;
                sum += x.data[xi]! * w.data[wi]!;
                dx.data[xi]! += d * w.data[wi]!;
                dw.data[wi]! += d * x.data[xi]!;
              }
            }
          }
          y.data[yi] = sum;
        }
  return { forward: y, 'grad.x': dx, 'grad.w': dw, 'grad.b': db } as Record<string, Tensor>;
}

// w (KH,KW,Cin,Cout) → the kernel rotated 180° in space
function flipKernel(w: Tensor): Tensor {
  const [KH, KW, Ci, Co] = w.shape as [number, number, number, number];
  const out = ref.zeros(w.shape);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++)
      for (let c = 0; c < Ci * Co; c++) out.data[(kh * KW + kw) * Ci * Co + c] = w.data[((KH - 1 - kh) * KW + (KW - 1 - kw)) * Ci * Co + c]!;
  return out;
}

// w (K,K,Cin,Cout) → w with kh and kw swapped (square kernels only)
function transposeSpatial(w: Tensor): Tensor | null {
  const [KH, KW, Ci, Co] = w.shape as [number, number, number, number];
  if (KH !== KW) return null;
  const out = ref.zeros(w.shape);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++)
      for (let c = 0; c < Ci * Co; c++) out.data[(kh * KW + kw) * Ci * Co + c] = w.data[(kw * KW + kh) * Ci * Co + c]!;
  return out;
}

// w (KH,KW,C,C) → w with its two channel axes swapped (Cin = Cout only)
function transposeChannels(w: Tensor): Tensor | null {
  const [KH, KW, Ci, Co] = w.shape as [number, number, number, number];
  if (Ci !== Co) return null;
  const out = ref.zeros(w.shape);
  for (let k = 0; k < KH * KW; k++)
    for (let ci = 0; ci < Ci; ci++) for (let co = 0; co < Co; co++) out.data[(k * Ci + ci) * Co + co] = w.data[(k * Ci + co) * Co + ci]!;
  return out;
}

function convCandidates(c: Extract<OpCase, { kind: 'conv2d' }>, i: Record<string, Tensor>, key: string): Candidate[] {
  const g = ref.convGeometry(c.x, c.w, { stride: c.stride, padding: c.padding, dilation: c.dilation });
  const base: ConvVariant = { top: g.top, left: g.left, off: 0, strideInInput: true };
  const run = (v: Partial<ConvVariant>, w: Tensor | null = i.w!, b: Tensor = i.b!): Tensor | null =>
    w === null ? null : variantConv(i.x!, w, b, i.dy!, g, { ...base, ...v })[key]!;
  const out: Candidate[] = [];
  const same = c.padding === 'same';
  const padH = g.top + g.bottom;
  const padW = g.left + g.right;
  if (same && (padH % 2 === 1 || padW % 2 === 1)) {
    out.push({
      hint: `padding off by one: 'same' padding here is ${padH} row(s) and ${padW} column(s) in total, and tfjs puts the odd extra one at the bottom/right (top ${g.top}, left ${g.left}); yours puts it at the top/left`,
      value: () => run({ top: Math.ceil(padH / 2), left: Math.ceil(padW / 2) }),
    });
  }
  if (c.stride > 1) {
    for (let o = 1; o < c.stride; o++) {
      out.push({
        hint: `wrong stride offset: output row oh should read input rows starting at oh·${c.stride} − ${g.top} (pad); yours start ${o} later, at oh·${c.stride} + ${o} − ${g.top}`,
        value: () => run({ off: o }),
      });
    }
    out.push({
      hint: `stride not applied to the input index: output row oh reads input row oh + kh − pad instead of oh·${c.stride} + kh − pad`,
      value: () => run({ strideInInput: false }),
    });
  }
  for (const [dt, dl] of [[1, 1], [-1, -1], [1, 0], [0, 1], [-1, 0], [0, -1]] as const) {
    out.push({
      hint: `padding off by one: your output matches a top pad of ${g.top + dt} and left pad of ${g.left + dl}, where tfjs uses ${g.top} and ${g.left} (${same ? "'same' = total max((out−1)·s + (k−1)·d + 1 − in, 0), floor half at the top/left" : 'given padding'})`,
      value: () => run({ top: g.top + dt, left: g.left + dl }),
    });
  }
  if (key === 'forward') {
    out.push(
      { hint: 'kernel flipped: you compute a true convolution (kernel rotated 180°); tfjs conv2d is cross-correlation, y[oh,ow] = Σ x[oh·s+kh−pad, ow·s+kw−pad]·w[kh,kw] with no flip', value: () => run({}, flipKernel(i.w!)) },
      { hint: 'kernel transposed: you read w[kw][kh] where tfjs reads w[kh][kw] (kernel axes are KH, KW, Cin, Cout)', value: () => run({}, transposeSpatial(i.w!)) },
      { hint: 'kernel channels transposed: you read the kernel as (KH, KW, Cout, Cin); tfjs stores (KH, KW, Cin, Cout)', value: () => run({}, transposeChannels(i.w!)) },
      { hint: 'bias not added', value: () => run({}, i.w!, ref.zeros(i.b!.shape)) },
    );
  }
  if (key === 'grad.x') {
    const flipped = flipKernel(i.w!);
    out.push(
      { hint: 'kernel not flipped: written as a full convolution of dy, dx needs the kernel rotated 180° (and its channels transposed); yours uses it unflipped', value: () => run({}, flipped) },
      { hint: 'kernel not transposed: dx needs the kernel with its channel axes swapped (Cout → Cin); yours uses it as in the forward pass', value: () => run({}, transposeChannels(i.w!)) },
      { hint: 'kernel neither flipped nor transposed: dx needs the kernel rotated 180° with Cin/Cout swapped', value: () => run({}, transposeChannels(flipped)) },
      { hint: 'kernel transposed in space: you read w[kw][kh] where tfjs reads w[kh][kw]', value: () => run({}, transposeSpatial(i.w!)) },
    );
  }
  if (key === 'grad.w') {
    out.push(
      { hint: 'dw flipped: dw[kh,kw] pairs dy[oh,ow] with x[oh·s+kh−pad, ow·s+kw−pad]; yours comes out rotated 180°', value: () => flipKernel(run({})!) },
      { hint: 'dw transposed: your dw has kh and kw swapped', value: () => transposeSpatial(run({})!) },
      { hint: 'dw channels transposed: dw must be (KH, KW, Cin, Cout) like w', value: () => transposeChannels(run({})!) },
    );
  }
  if (key === 'grad.b') {
    out.push({ hint: 'db should be the sum of dy over batch, rows and columns; yours is the mean', value: () => {
      const db = run({})!;
      return { shape: db.shape, data: db.data.map((v) => v / (g.N * g.OH * g.OW)) };
    } });
  }
  return out;
}

function scale(t: Tensor, s: number): Tensor {
  return { shape: t.shape, data: t.data.map((v) => v * s) };
}

function otherCandidates(c: OpCase, i: Record<string, Tensor>, key: string): Candidate[] {
  switch (c.kind) {
    case 'dense':
      if (key === 'forward') return [{ hint: 'bias not added', value: () => ref.dense(i.x!, i.w!, null) }];
      if (key === 'grad.b') return [{ hint: 'db should be the sum of dy over the batch; yours is the mean', value: () => scale(ref.denseBackward(i.x!, i.w!, i.dy!).db, 1 / c.x[0]!) }];
      return [];
    case 'activation': {
      if (key === 'forward') {
        const cands: Candidate[] = [];
        if (c.op === 'gelu') {
          cands.push({ hint: "gelu: you use the tanh approximation 0.5x(1+tanh(√(2/π)(x+0.044715x³))); tfjs-layers 'gelu' is exact, x·Φ(x) with erf", value: () => ({ shape: i.x!.shape, data: i.x!.data.map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))) }) });
        }
        if (c.op === 'selu') {
          cands.push({ hint: 'selu: scale and alpha swapped or missing; tfjs uses scale 1.0507009873554805, alpha 1.6732632423543772', value: () => ({ shape: i.x!.shape, data: i.x!.data.map((x) => (x > 0 ? x : ref.SELU_ALPHA * Math.expm1(x))) }) });
        }
        if (c.op === 'leaky_relu' || c.op === 'elu') {
          for (const a of [0.01, 0.1, 0.2, 0.3, 1].filter((a) => a !== c.alpha)) {
            cands.push({ hint: `${c.op}: your slope looks like α = ${a}, but the case passes alpha = ${c.alpha} — use the argument`, value: () => ref.activation(c.op, i.x!, a) });
          }
        }
        return cands;
      }
      return [
        {
          hint: `${c.op}'s derivative evaluated at the output f(x) instead of the input x (the backward function receives x, the pre-activation)`,
          value: () => ref.activationBackward(c.op, ref.activation(c.op, i.x!, c.alpha), i.dy!, c.alpha),
        },
        { hint: 'dx is f\'(x) alone: multiply by the incoming gradient dy', value: () => ref.activationBackward(c.op, i.x!, { shape: i.x!.shape, data: i.x!.data.map(() => 1) }, c.alpha) },
      ];
    }
    case 'pool':
      if (key === 'grad.x' && c.op === 'max-pool') {
        return [{ hint: 'max-pool backward: dy goes only to the max cell of each window; yours spreads it over the window', value: () => scale(ref.avgPoolBackward(i.x!, i.dy!, c), c.size * c.size) }];
      }
      if (key === 'grad.x' && c.op === 'avg-pool') {
        return [{ hint: 'avg-pool backward: each cell gets dy divided by the window size; yours is not divided', value: () => scale(ref.avgPoolBackward(i.x!, i.dy!, c), c.size * c.size) }];
      }
      return [];
    case 'batch-norm': {
      const M = i.x!.data.length / i.x!.shape[i.x!.shape.length - 1]!;
      if (key === 'forward') {
        return [
          { hint: 'batch-norm uses the biased batch variance (÷M) in training mode; yours is unbiased (÷(M−1))', value: () => {
            // the unbiased variance is the biased one times M/(M−1)
            const { mean, variance } = ref.batchStats(i.x!);
            const C = variance.length;
            const y = ref.zeros(i.x!.shape);
            for (let k = 0; k < y.data.length; k++) {
              const ch = k % C;
              y.data[k] = (i.gamma!.data[ch]! * (i.x!.data[k]! - mean[ch]!)) / Math.sqrt((variance[ch]! * M) / (M - 1) + ref.BN_EPSILON) + i.beta!.data[ch]!;
            }
            return y;
          } },
          { hint: 'batch-norm ε: tfjs uses 1e-3; yours looks like 1e-5 (the PyTorch default)', value: () => ref.batchNorm(i.x!, i.gamma!, i.beta!, 1e-5) },
          { hint: 'batch-norm ε missing: tfjs divides by √(var + 1e-3)', value: () => ref.batchNorm(i.x!, i.gamma!, i.beta!, 0) },
        ];
      }
      if (key === 'grad.x') {
        return [{ hint: 'batch-norm dx treats the batch mean and variance as constants; both depend on x: dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂))', value: () => {
          const { variance } = ref.batchStats(i.x!);
          const C = variance.length;
          return { shape: i.x!.shape, data: i.dy!.data.map((d, k) => (d * i.gamma!.data[k % C]!) / Math.sqrt(variance[k % C]! + ref.BN_EPSILON)) };
        } }];
      }
      return [];
    }
    case 'softmax-ce': {
      const N = c.x[0]!;
      if (key === 'forward') return [{ hint: 'the loss is the mean over the batch; yours is the sum', value: () => ref.tensor([], [ref.softmaxCrossEntropy(i.logits!, i.labels!.data) * N]) }];
      return [{ hint: 'dlogits = (softmax − onehot)/N for a mean loss; yours is not divided by the batch size', value: () => scale(ref.softmaxCrossEntropyBackward(i.logits!, i.labels!.data), N) }];
    }
    default:
      return [];
  }
}

/** The first mutation of the reference that reproduces the user's output (in our layout), if any. */
export function hintFor(c: OpCase, inputs: Record<string, Tensor>, key: string, got: Tensor, tol: Tolerance): string | null {
  const cands = c.kind === 'conv2d' ? convCandidates(c, inputs, key) : otherCandidates(c, inputs, key);
  for (const cand of cands) {
    let v: Tensor | null;
    try {
      v = cand.value();
    } catch {
      continue;
    }
    if (v === null || v.data.length !== got.data.length) continue;
    if (compare(got.data, v.data, v.shape, tol).ok) return cand.hint;
  }
  return null;
}

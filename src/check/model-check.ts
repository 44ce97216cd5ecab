/**
 * Whole-model check: the same architecture and the same weights in the reference model (float64) and
 * in the tfjs model of src/model (float32, active backend). Compares every layer's pre- and
 * post-activation, the loss, every parameter gradient, and the weights after 3 SGD steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationSpec, ArchSpec, CheckRow, InputSpec } from '../core/types.ts';
import { Rng, hash32 } from '../core/rng.ts';
import * as ref from '../reference/index.ts';
import { buildModel, getWeightMap, setWeightMap } from '../model/index.ts';
import { type Tolerance, compare, errorRow, rowOf } from './compare.ts';

export interface ModelCase {
  /** row op prefix: model.<name>.…; made from the fields (modelCaseName) */
  name: string;
  arch: ArchSpec;
  input: InputSpec;
  activation: ActivationSpec;
  batch: number;
  lr: number;
  steps: number;
}

/**
 * Kind and depth, then the activation unless relu and α's digits: 'plain12', 'residual5-tanh',
 * 'batchnorm4-elu-a05'. Weights are seeded by it too.
 */
function modelCaseName(m: Omit<ModelCase, 'name'>): string {
  const { name, alpha } = m.activation;
  return `${m.arch.kind}${m.arch.depth}${name === 'relu' ? '' : `-${name}`}${alpha !== undefined ? `-a${String(alpha).replace('.', '')}` : ''}`;
}

export const MODEL_CASES: ModelCase[] = (
  [
    {
      // a deep plain CNN: 12 convs with stride-2 downsampling at 4 and 8, relu
      arch: {
        kind: 'plain', depth: 12, width: 6, kernel: 3, padding: 'same', bias: true,
        downsample: { at: [4, 8], mode: 'stride' }, head: 'gap-dense', classes: 5,
      },
      input: { height: 8, width: 8, channels: 3 },
      activation: { name: 'relu' },
      batch: 4,
      lr: 0.1,
      steps: 3,
    },
    {
      // stem + 3 residual blocks with batch-norm (trained gamma/beta), max-pool after the first block
      arch: {
        kind: 'residual-bn', depth: 7, width: 6, kernel: 3, padding: 'same', bias: false,
        downsample: { at: [3], mode: 'maxpool' }, head: 'gap-dense', classes: 5,
      },
      input: { height: 8, width: 8, channels: 3 },
      activation: { name: 'relu' },
      batch: 4,
      lr: 0.1,
      steps: 3,
    },
    {
      // residual without batch-norm, tanh into max-pools: all-negative windows reach MaxPoolGrad
      arch: {
        kind: 'residual', depth: 5, width: 5, kernel: 3, padding: 'same', bias: true,
        downsample: { at: [1, 3], mode: 'maxpool' }, head: 'gap-dense', classes: 4,
      },
      input: { height: 8, width: 8, channels: 2 },
      activation: { name: 'tanh' },
      batch: 3,
      lr: 0.1,
      steps: 3,
    },
    {
      // batch-norm after biased convs (whose true gradient is 0), avg-pool, a smooth activation
      arch: {
        kind: 'batchnorm', depth: 5, width: 5, kernel: 3, padding: 'same', bias: true,
        downsample: { at: [2], mode: 'avgpool' }, head: 'gap-dense', classes: 4,
      },
      input: { height: 8, width: 8, channels: 2 },
      activation: { name: 'tanh' },
      batch: 3,
      lr: 0.1,
      steps: 3,
    },
    {
      // elu with α ≠ 1: tfjs's ELU layer only takes α = 1, so src/model builds its own layer
      arch: {
        kind: 'batchnorm', depth: 4, width: 4, kernel: 3, padding: 'same', bias: true,
        downsample: { at: [2], mode: 'maxpool' }, head: 'gap-dense', classes: 3,
      },
      input: { height: 6, width: 6, channels: 2 },
      activation: { name: 'elu', alpha: 0.5 },
      batch: 3,
      lr: 0.1,
      steps: 3,
    },
  ] satisfies Omit<ModelCase, 'name'>[]
).map((m) => ({ name: modelCaseName(m), ...m }));

/**
 * Scale-aware, since gradients here are O(1e-3) and activations O(1): each compared tensor gets
 * atol = 1e-4·max|r| (for gradients, max over all of the model's gradients) and rtol = 1e-3
 * (float32 through 12 layers stays ~1e-6 relative in practice).
 */
export const MODEL_RTOL = 1e-3;
export const MODEL_ATOL_SCALE = 1e-4;

function tolFor(r: ArrayLike<number>): Tolerance {
  let max = 0;
  for (let i = 0; i < r.length; i++) max = Math.max(max, Math.abs(r[i]!));
  return { atol: MODEL_ATOL_SCALE * max, rtol: MODEL_RTOL };
}

function row(op: string, label: string, backend: string, got: ArrayLike<number>, r: ArrayLike<number>, shape: readonly number[], scale?: ArrayLike<number>): CheckRow {
  const tol = tolFor(scale ?? r);
  return rowOf(op, label, backend, compare(got, r, shape, tol), tol);
}

function caseLabel(m: ModelCase): string {
  const a = m.arch;
  return `${a.kind} d=${a.depth} w=${a.width} k=${a.kernel} x=[${m.batch},${m.input.height},${m.input.width},${m.input.channels}] ${m.activation.name}`;
}

/** Deterministic float32-representable weights: He-normal kernels, small biases, BN gamma≈1, beta≈0. */
export function modelWeights(m: ModelCase): ref.WeightMap {
  const rng = new Rng(hash32(`weights ${m.name}`));
  const w: ref.WeightMap = {};
  for (const [name, shape] of ref.weightShapes(m)) {
    const data = new Float64Array(ref.sizeOf(shape));
    const fanIn = shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : shape[0]!;
    for (let i = 0; i < data.length; i++) {
      const z = rng.normal();
      data[i] = Math.fround(
        name.endsWith('/kernel') ? z * Math.sqrt(2 / fanIn) : name.endsWith('/gamma') ? 1 + 0.1 * z : 0.1 * z,
      );
    }
    w[name] = data;
  }
  return w;
}

function modelBatch(m: ModelCase): { x: ref.Tensor; labels: number[] } {
  const rng = new Rng(hash32(`batch ${m.name}`));
  const x = ref.zeros([m.batch, m.input.height, m.input.width, m.input.channels]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = Math.fround(rng.normal());
  const labels = Array.from({ length: m.batch }, () => rng.int(m.arch.classes));
  return { x, labels };
}

/** `conv3/kernel` of a LayerVariable (its original name, free of tfjs's `_1` suffixes). */
function weightKey(v: tf.LayerVariable): string {
  const parts = (v as unknown as { originalName: string }).originalName.split('/');
  return `${parts[parts.length - 2]}/${parts[parts.length - 1]}`;
}

/**
 * Rows of the whole-model check for one case on the active backend. `tamper` edits the weights given
 * to tfjs only (the reference keeps the true ones): a negative control showing the check has teeth.
 */
export function checkModel(m: ModelCase, backend: string, opts: { tamper?: (w: ref.WeightMap) => void } = {}): CheckRow[] {
  const rows: CheckRow[] = [];
  const label = caseLabel(m);
  const tol: Tolerance = { atol: 0, rtol: MODEL_RTOL };
  const weights = modelWeights(m);
  const { x, labels } = modelBatch(m);
  const op = (what: string): string => `model.${m.name}.${what}`;

  let built: ReturnType<typeof buildModel>;
  try {
    built = buildModel({ arch: m.arch, input: m.input, activation: m.activation, kernelInitializer: () => tf.initializers.zeros(), seed: 1 });
    const given: ref.WeightMap = Object.fromEntries(Object.entries(weights).map(([k, d]) => [k, d.slice()]));
    opts.tamper?.(given);
    setWeightMap(built.model, new Map(Object.entries(given).map(([k, d]) => [k, { shape: ref.weightShapes(m).find(([n]) => n === k)![1], data: d }])));
  } catch (e) {
    return [errorRow(op('build'), label, backend, tol, (e as Error).message)];
  }
  const { model, probeModel } = built;
  const trainable = model.trainableWeights;
  const xT = tf.tensor4d(Float32Array.from(x.data), x.shape as [number, number, number, number]);
  const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), m.arch.classes));
  const lossFn = (): tf.Scalar => tf.losses.softmaxCrossEntropy(onehot, model.apply(xT, { training: true }) as tf.Tensor) as tf.Scalar;
  try {
    // per-layer pre/post activations, training-mode batch-norm as in the reference
    const refModel = new ref.ReferenceModel(m, weights);
    const fwd = refModel.forward(x);
    tf.tidy(() => {
      const outs = probeModel.apply(xT, { training: true }) as tf.Tensor[];
      fwd.layers.forEach((t, i) => {
        for (const [what, r, a] of [['pre', t.pre, outs[2 * i]!], ['post', t.post, outs[2 * i + 1]!]] as const) {
          rows.push(row(op(what), `${label} ${t.name}`, backend, a.dataSync(), r.data, r.shape));
        }
      });
      // the probe model's last output is the top: the logits
      const logits = outs[outs.length - 1]!;
      rows.push(row(op('logits'), `${label} head`, backend, logits.dataSync(), fwd.logits!.data, fwd.logits!.shape));
    });

    // loss and every parameter gradient
    const r0 = refModel.lossAndGrads(x, labels);
    const { value, grads } = tf.variableGrads(lossFn, trainable.map((v) => v.read() as tf.Variable));
    // gradients share one scale: a conv bias in front of batch-norm has an exactly-zero true gradient,
    // which float32 meets only to round-off relative to the model's other gradients
    const gradScale = [Math.max(...Object.values(r0.grads).map((g) => g.reduce((a, v) => Math.max(a, Math.abs(v)), 0)))];
    rows.push(row(op('loss'), label, backend, [value.dataSync()[0]!], [r0.loss], []));
    for (const v of trainable) {
      const key = weightKey(v);
      const g = grads[(v.read() as tf.Variable).name]!;
      const rg = r0.grads[key]!;
      rows.push(row(op('grad'), `${label} ${key}`, backend, g.dataSync(), rg, g.shape, gradScale));
    }
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();

    // 3 plain SGD steps on both sides, then every trainable weight
    const opt = tf.train.sgd(m.lr);
    for (let s = 0; s < m.steps; s++) {
      refModel.trainStep(x, labels, m.lr);
      const step = tf.variableGrads(lossFn, trainable.map((v) => v.read() as tf.Variable));
      opt.applyGradients(step.grads);
      step.value.dispose();
      for (const g of Object.values(step.grads)) g.dispose();
    }
    opt.dispose();
    const after = getWeightMap(model);
    for (const v of trainable) {
      const key = weightKey(v);
      const a = after.get(key)!;
      rows.push(row(op(`sgd${m.steps}`), `${label} ${key}`, backend, a.data, refModel.weights[key]!, a.shape));
    }
  } catch (e) {
    rows.push(errorRow(op('run'), label, backend, tol, (e as Error).message.split('\n')[0] ?? String(e)));
  } finally {
    xT.dispose();
    onehot.dispose();
    model.dispose();
  }
  return rows;
}

export function checkModels(backend: string, cases: readonly ModelCase[] = MODEL_CASES): CheckRow[] {
  return cases.flatMap((m) => checkModel(m, backend));
}

/**
 * The training loop: a custom loop over tf.variableGrads with softmax cross-entropy on the logits,
 * our optimizers and schedules (optimizers.ts), held-out evaluation, probes at chosen steps, and the
 * run's outcome.
 *
 * Step convention: "step s" is the model after s updates. losses[s] is the loss of batch s at that
 * state (before update s); an eval at step s measures the same state, and its gradient norms are of
 * batch s at that state. Evals happen at 0, every evalEvery, and at the last step.
 *
 * Outcomes:
 *   diverged  the loss of a batch, or the global gradient norm, is NaN/±Inf, or the loss exceeds
 *             DIVERGE_FACTOR × max(loss at step 0, ln K). Checked inside the step, before the update;
 *             training stops there and atStep is that step.
 *   stalled   the best held-out accuracy at any eval after step 0 is ≤ chance + STALL_SIGMAS·√(p(1−p)/n),
 *             with p = chance = the frequency of the most common held-out class (what a constant
 *             predictor scores; 1/K on balanced data) and n the held-out size: no progress a binomial
 *             test at ≈3σ could tell from guessing.
 *   ok        otherwise. ('failed' belongs to the runner: an exception anywhere.)
 */
import * as tf from '@tensorflow/tfjs';
import type { ProbeResult, RunSpec, TrainResult, TrainSpec, EvalPoint, LossPoint } from '../core/types.ts';
import type { Dataset } from '../data/index.ts';
import { lrAt, makeOptimizer, type Param } from './optimizers.ts';

export const DIVERGE_FACTOR = 10;
export const STALL_SIGMAS = 3;
/** held-out examples per forward pass during evaluation */
export const EVAL_BATCH = 250;

export interface TrainHooks {
  /** called with the model at `step` for each step in spec.probe.atSteps with 0 < step ≤ steps */
  probeAt?: (step: number) => Promise<ProbeResult>;
  /** called after each step with its loss (progress display) */
  onStep?: (step: number, loss: number) => void;
}

export type TrainOutcome =
  | { status: 'ok' | 'stalled'; train: TrainResult; reason?: string }
  | { status: 'diverged'; train: TrainResult; atStep: number; reason: string };

/** Best held-out accuracy at or below this counts as no progress (see the module comment). */
export function stallThreshold(chance: number, testSize: number): number {
  return chance + STALL_SIGMAS * Math.sqrt((chance * (1 - chance)) / Math.max(1, testSize));
}

/** The most common class's share of the held-out labels. */
export function majorityRate(labels: Uint8Array, classes: number): number {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return labels.length === 0 ? 1 / classes : Math.max(...counts) / labels.length;
}

function paramsOf(model: tf.LayersModel): Param[] {
  return model.trainableWeights.map((w) => ({
    name: w.originalName,
    v: w.read() as tf.Variable,
    decay: /kernel$/.test(w.originalName),
  }));
}

function hasBatchNorm(model: tf.LayersModel): boolean {
  return model.layers.some((l) => l.getClassName() === 'BatchNormalization');
}

/**
 * Held-out accuracy and mean cross-entropy. BN layers use each eval batch's own statistics
 * (training mode): after a few hundred steps their moving averages (momentum 0.99) still lag the
 * weights, and batch statistics are what the network was trained with. That also nudges the moving
 * averages, which nothing of ours reads.
 */
export async function evaluate(model: tf.LayersModel, data: Dataset, training: boolean): Promise<{ accuracy: number; loss: number }> {
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  for (const b of data.testBatches(EVAL_BATCH)) {
    const out = tf.tidy(() => {
      const logits = model.apply(b.x, { training }) as tf.Tensor2D;
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(b.y, 1)), 'float32'));
      const loss = tf.sum(tf.mul(b.y, tf.neg(tf.logSoftmax(logits))));
      return tf.stack([hits, loss]);
    });
    const [h, l] = (await out.data()) as Float32Array;
    out.dispose();
    correct += h!;
    lossSum += l!;
    n += b.x.shape[0];
    b.x.dispose();
    b.y.dispose();
  }
  return { accuracy: correct / n, loss: lossSum / n };
}

export async function trainRun(
  spec: RunSpec,
  built: { model: tf.LayersModel },
  data: Dataset,
  hooks: TrainHooks = {},
): Promise<TrainOutcome> {
  if (spec.train === null) throw new Error(`run ${spec.id}: trainRun needs spec.train`);
  const t: TrainSpec = spec.train;
  const model = built.model;
  const params = paramsOf(model);
  const vars = params.map((p) => p.v);
  const opt = makeOptimizer(t);
  const bn = hasBatchNorm(model);
  const probeSteps = new Set((spec.probe?.atSteps ?? []).filter((s) => s > 0 && s <= t.steps));
  const evalEvery = Math.max(1, t.evalEvery);
  const chance = majorityRate(data.testLabels(), data.classes);
  const lnK = Math.log(data.classes);

  const losses: LossPoint[] = [];
  const evals: EvalPoint[] = [];
  const probes: ProbeResult[] = [];
  let trainMs = 0;
  let timeToTargetMs: number | null = null;
  let stepsToTarget: number | null = null;
  let refLoss = Infinity;
  let diverged: { atStep: number; reason: string } | null = null;
  const wall0 = performance.now();

  const lossFn = (x: tf.Tensor4D, y: tf.Tensor2D) => (): tf.Scalar => {
    const logits = model.apply(x, { training: true }) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  };

  try {
    for (let step = 0; step <= t.steps; step++) {
      if (probeSteps.has(step) && hooks.probeAt !== undefined) probes.push(await hooks.probeAt(step));
      const isEval = step % evalEvery === 0 || step === t.steps;
      // The last step only measures (its gradients feed the final eval's norms); it updates nothing.
      const last = step === t.steps;

      // training time spent reaching the state of `step` (this step's own compute comes after it)
      const msAtState = trainMs;
      const s0 = performance.now();
      const { x, y } = data.batch(step, t.batchSize);
      const { value, grads } = tf.variableGrads(lossFn(x, y), vars);
      const gradList = vars.map((v) => grads[v.name]!);
      const check = tf.tidy(() => tf.stack([value, tf.addN(gradList.map((g) => tf.sum(tf.square(g))))]));
      const [lossV, gsq] = (await check.data()) as Float32Array;
      check.dispose();
      const loss = lossV!;
      if (step === 0) refLoss = Math.max(loss, lnK);
      let bad: string | null = null;
      if (!Number.isFinite(loss)) bad = `loss is ${loss} at step ${step}`;
      else if (!Number.isFinite(gsq!)) bad = `gradient norm is ${Math.sqrt(gsq!)} at step ${step}`;
      else if (loss > DIVERGE_FACTOR * refLoss) {
        bad = `loss ${loss.toPrecision(4)} at step ${step} exceeds ${DIVERGE_FACTOR} × max(initial loss, ln K) = ${(DIVERGE_FACTOR * refLoss).toPrecision(4)}`;
      }
      if (!last && Number.isFinite(loss)) losses.push({ step, loss });

      // The eval measures the state of `step`, so it runs before this step's update; its time is not training time.
      let ev: EvalPoint | null = null;
      let evalMs = 0;
      if (isEval && bad === null) {
        const e0 = performance.now();
        const norms = tf.tidy(() => tf.stack([...gradList.map((g) => tf.norm(g)), ...vars.map((v) => tf.norm(v))]));
        const nv = Array.from((await norms.data()) as Float32Array);
        norms.dispose();
        const m = await evaluate(model, data, bn);
        ev = { step, accuracy: m.accuracy, loss: m.loss, gradNorms: nv.slice(0, vars.length), weightNorms: nv.slice(vars.length) };
        evalMs = performance.now() - e0;
      }
      if (bad === null && !last) opt.apply(params, gradList, lrAt(step, t), step);
      value.dispose();
      for (const g of gradList) g.dispose();
      x.dispose();
      y.dispose();
      if (!last) trainMs += performance.now() - s0 - evalMs;
      if (bad !== null) {
        diverged = { atStep: step, reason: `diverged: ${bad} (lr ${lrAt(step, t)}, ${t.optimizer})` };
        break;
      }
      hooks.onStep?.(step, loss);

      if (ev !== null) {
        evals.push(ev);
        if (stepsToTarget === null && ev.accuracy >= t.targetAccuracy) {
          stepsToTarget = step;
          timeToTargetMs = msAtState;
        }
      }
    }
  } finally {
    opt.dispose();
  }

  const stepsDone = diverged?.atStep ?? t.steps;
  const later = evals.filter((e) => e.step > 0);
  const lastEval = evals.at(-1);
  const train: TrainResult = {
    stepsDone,
    losses,
    evals,
    finalAccuracy: diverged === null ? lastEval?.accuracy ?? null : null,
    finalLoss: diverged === null ? lastEval?.loss ?? null : null,
    bestAccuracy: evals.length === 0 ? null : Math.max(...evals.map((e) => e.accuracy)),
    chance,
    wallMs: performance.now() - wall0,
    imagesPerSec: trainMs > 0 ? (stepsDone * t.batchSize) / (trainMs / 1000) : 0,
    timeToTargetMs,
    stepsToTarget,
    probes,
    // originalName is 'conv3/kernel' (the unique `name` may carry a '_1'); the last two parts, should a scope prefix it
    paramNames: params.map((p) => p.name.split('/').slice(-2).join('/')),
  };
  if (diverged !== null) return { status: 'diverged', train, atStep: diverged.atStep, reason: diverged.reason };
  const threshold = stallThreshold(chance, data.testSize);
  const best = later.length === 0 ? null : Math.max(...later.map((e) => e.accuracy));
  if (best !== null && best <= threshold) {
    return {
      status: 'stalled',
      train,
      reason:
        `stalled: best held-out accuracy ${best.toFixed(4)} after step 0 ≤ chance ${chance.toFixed(4)} + ` +
        `${STALL_SIGMAS}·√(p(1−p)/${data.testSize}) = ${threshold.toFixed(4)}`,
    };
  }
  return { status: 'ok', train };
}

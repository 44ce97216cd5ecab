/**
 * Learning-rate schedules and the three optimizers, written out on tf.Variables so the schedule,
 * weight decay and state are ours to state exactly (tfjs optimizers hide their lr and lack decay).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainSpec } from '../core/types.ts';

/**
 * Learning rate used for the update at `step` (0-based):
 *   warm-up   lr·(step+1)/warmupSteps               for step < warmupSteps
 *   then t = step − warmupSteps, T = steps − warmupSteps:
 *   constant  lr
 *   step      lr·factor^⌊t/every⌋
 *   cosine    lr·½(1 + cos(π·t/T))
 */
export function lrAt(step: number, t: TrainSpec): number {
  if (step < t.warmupSteps) return (t.lr * (step + 1)) / t.warmupSteps;
  const s = step - t.warmupSteps;
  const total = Math.max(1, t.steps - t.warmupSteps);
  switch (t.schedule.kind) {
    case 'constant':
      return t.lr;
    case 'step':
      return t.lr * t.schedule.factor ** Math.floor(s / t.schedule.every);
    case 'cosine':
      return t.lr * 0.5 * (1 + Math.cos((Math.PI * Math.min(s, total)) / total));
  }
}

export interface Param {
  name: string;
  v: tf.Variable;
  /** weight decay applies to conv and dense kernels only, not to biases or BN scale/shift */
  decay: boolean;
}

export interface Optimizer {
  /** one update of every param from its gradient (same order), at learning rate `lr`; `step` is 0-based */
  apply(params: Param[], grads: tf.Tensor[], lr: number, step: number): void;
  dispose(): void;
}

export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/**
 * sgd:       w ← w − lr·(g + wd·w)
 * momentum:  v ← μ·v + g + wd·w;  w ← w − lr·v          (heavy ball, as torch.optim.SGD)
 * adam:      m ← β1·m + (1−β1)·g;  s ← β2·s + (1−β2)·g²;
 *            w ← w − lr·(m̂/(√ŝ + ε) + wd·w)              (decoupled decay, AdamW; β1 0.9, β2 0.999, ε 1e-8)
 */
export function makeOptimizer(t: TrainSpec): Optimizer {
  const slots = new Map<tf.Variable, tf.Variable[]>();
  const slot = (v: tf.Variable, n: number): tf.Variable[] => {
    let s = slots.get(v);
    if (s === undefined) {
      s = Array.from({ length: n }, () => tf.variable(tf.zerosLike(v), false));
      slots.set(v, s);
    }
    return s;
  };
  const wd = t.weightDecay;
  return {
    apply(params, grads, lr, step) {
      tf.tidy(() => {
        params.forEach((p, i) => {
          const g = grads[i]!;
          const w = p.v;
          const d = p.decay && wd !== 0;
          switch (t.optimizer) {
            case 'sgd':
              w.assign(tf.sub(w, tf.mul(lr, d ? tf.add(g, tf.mul(wd, w)) : g)));
              break;
            case 'momentum': {
              const [vel] = slot(w, 1) as [tf.Variable];
              vel.assign(tf.add(tf.mul(t.momentum, vel), d ? tf.add(g, tf.mul(wd, w)) : g));
              w.assign(tf.sub(w, tf.mul(lr, vel)));
              break;
            }
            case 'adam': {
              const [m, s] = slot(w, 2) as [tf.Variable, tf.Variable];
              m.assign(tf.add(tf.mul(ADAM.beta1, m), tf.mul(1 - ADAM.beta1, g)));
              s.assign(tf.add(tf.mul(ADAM.beta2, s), tf.mul(1 - ADAM.beta2, tf.square(g))));
              const c1 = 1 - ADAM.beta1 ** (step + 1);
              const c2 = 1 - ADAM.beta2 ** (step + 1);
              let upd = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(s, c2)), ADAM.epsilon));
              if (d) upd = tf.add(upd, tf.mul(wd, w));
              w.assign(tf.sub(w, tf.mul(lr, upd)));
              break;
            }
          }
        });
      });
    },
    dispose() {
      for (const s of slots.values()) for (const v of s) v.dispose();
      slots.clear();
    },
  };
}

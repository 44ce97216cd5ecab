/**
 * The perf benchmark's network: a plain ReLU CNN of `depth` 3×3 'same' convs (with bias) of `width`
 * channels on H×W×C input, then global average pool and a dense softmax head, trained by plain SGD.
 * Built from tf ops: tf.fused.conv2d with bias and ReLU, which tfjs runs unfused (conv, bias add, ReLU)
 * under a gradient tape, exactly as a tf.layers Conv2D does, so the step costs what training costs.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng.ts';

export interface PerfCnnSpec {
  depth: number;
  width: number;
  kernel: number;
  inputHeight: number;
  inputWidth: number;
  inputChannels: number;
  batch: number;
  classes: number;
  lr: number;
  seed: number;
}

/** The network: 10 layers, 16 channels, 3×3, 32×32×3 input, batch 64. */
export const PERF_CNN: PerfCnnSpec = {
  depth: 10,
  width: 16,
  kernel: 3,
  inputHeight: 32,
  inputWidth: 32,
  inputChannels: 3,
  batch: 64,
  classes: 10,
  lr: 0.01,
  seed: 20261129,
};

/** FLOPs (2 per multiply-add) of one conv2d forward: 2·N·OH·OW·KH·KW·Cin·Cout. */
export function convFlops(n: number, outH: number, outW: number, kh: number, kw: number, cin: number, cout: number): number {
  return 2 * n * outH * outW * kh * kw * cin * cout;
}

export interface StepFlops {
  forward: number;
  backpropInput: number;
  backpropFilter: number;
  total: number;
  formula: string;
}

/**
 * FLOPs of one SGD step, convs only: every layer's forward and filter gradient, and the input
 * gradient of layers 2..L (layer 1's input is data, tfjs does not compute its gradient). Bias,
 * ReLU, pooling, the dense head and the update add < 0.1% and are not counted.
 */
export function trainStepFlops(spec: PerfCnnSpec): StepFlops {
  const { batch: n, inputHeight: h, inputWidth: w, kernel: k, width: c } = spec;
  const first = convFlops(n, h, w, k, k, spec.inputChannels, c);
  const rest = convFlops(n, h, w, k, k, c, c);
  const forward = first + (spec.depth - 1) * rest;
  const backpropInput = (spec.depth - 1) * rest;
  const backpropFilter = forward;
  return {
    forward,
    backpropInput,
    backpropFilter,
    total: forward + backpropInput + backpropFilter,
    formula:
      'per conv layer F = 2·N·H·W·K²·Cin·Cout; step = Σ_layers F (forward) + Σ_{layers 2..L} F (input gradient) + Σ_layers F (filter gradient); ' +
      `N=${n}, H=W=${h}, K=${k}, Cin=${spec.inputChannels} then ${c}, Cout=${c}, L=${spec.depth}; bias/ReLU/head/update not counted`,
  };
}

/** A live network with its variables and one fixed batch; `step()` runs one SGD update. */
export class PerfCnn {
  readonly flops: StepFlops;
  private readonly filters: tf.Variable<tf.Rank.R4>[] = [];
  private readonly biases: tf.Variable<tf.Rank.R1>[] = [];
  private readonly headW: tf.Variable<tf.Rank.R2>;
  private readonly headB: tf.Variable<tf.Rank.R1>;
  private readonly x: tf.Tensor4D;
  private readonly y: tf.Tensor2D;
  private readonly opt: tf.SGDOptimizer;

  constructor(readonly spec: PerfCnnSpec = PERF_CNN) {
    this.flops = trainStepFlops(spec);
    const rng = new Rng(spec.seed);
    const normal = (shape: number[], std: number): tf.Tensor => {
      const n = shape.reduce((a, b) => a * b, 1);
      return tf.tensor(rng.fillNormal(new Float32Array(n), std), shape);
    };
    let cin = spec.inputChannels;
    for (let i = 0; i < spec.depth; i++) {
      const fanIn = spec.kernel * spec.kernel * cin;
      // He-normal keeps ReLU activations O(1) through the depth
      this.filters.push(tf.variable(normal([spec.kernel, spec.kernel, cin, spec.width], Math.sqrt(2 / fanIn)) as tf.Tensor4D));
      this.biases.push(tf.variable(tf.zeros([spec.width])));
      cin = spec.width;
    }
    this.headW = tf.variable(normal([spec.width, spec.classes], Math.sqrt(1 / spec.width)) as tf.Tensor2D);
    this.headB = tf.variable(tf.zeros([spec.classes]));
    this.x = normal([spec.batch, spec.inputHeight, spec.inputWidth, spec.inputChannels], 1) as tf.Tensor4D;
    const labels = Array.from({ length: spec.batch }, () => rng.int(spec.classes));
    this.y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), spec.classes).toFloat() as tf.Tensor2D);
    this.opt = tf.train.sgd(spec.lr);
  }

  private loss(): tf.Scalar {
    let h: tf.Tensor4D = this.x;
    for (let i = 0; i < this.spec.depth; i++) {
      h = tf.fused.conv2d({ x: h, filter: this.filters[i]!, bias: this.biases[i]!, strides: 1, pad: 'same', activation: 'relu' });
    }
    const logits = tf.add(tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, this.headW), this.headB);
    return tf.losses.softmaxCrossEntropy(this.y, logits) as tf.Scalar;
  }

  /** One SGD step; returns the loss before the update. Leaves no tensors behind. */
  step(): number {
    const loss = this.opt.minimize(() => this.loss(), true);
    if (loss === null) throw new Error('PerfCnn.step: optimizer returned no loss');
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  }

  dispose(): void {
    tf.dispose([...this.filters, ...this.biases, this.headW, this.headB, this.x, this.y]);
    this.opt.dispose();
  }
}

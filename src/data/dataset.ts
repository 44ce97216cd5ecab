/**
 * The Dataset the trainer and the runner read, and the in-memory implementation both data sources share:
 * examples live in JS arrays, a batch is written into one Float32Array and handed to tfjs as NHWC.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, deriveSeed } from '../core/rng.ts';
import type { InputSpec } from '../core/types.ts';

export interface Batch {
  /** [n, height, width, channels], normalized */
  x: tf.Tensor4D;
  /** [n, classes] one-hot float32 */
  y: tf.Tensor2D;
}

export interface Dataset {
  /** e.g. 'synthetic d=0.5 k=4' or 'cifar10' */
  name: string;
  classes: number;
  classNames: string[];
  trainSize: number;
  testSize: number;
  input: InputSpec;
  /**
   * The training batch of `step`: a function of (seed, step, batchSize) only, so a run can be replayed
   * or resumed at any step. Examples are visited in a fresh seeded permutation per epoch. Caller disposes.
   */
  batch(step: number, batchSize: number): Batch;
  /** the whole held-out split in one batch. Caller disposes. */
  test(): Batch;
  /** the held-out split in order, `batchSize` at a time (the last may be shorter). Caller disposes each. */
  testBatches(batchSize: number): Generator<Batch>;
  /** held-out labels in order */
  testLabels(): Uint8Array;
  /** frees the JS arrays (the dataset holds no tensors between calls) */
  dispose(): void;
}

/**
 * One split in memory. `write` renders example `i` (normalized, HWC) into `out` at `offset`;
 * `aug` is a per-example random stream for augmentation, or null for none.
 */
export interface Split {
  n: number;
  labels: Uint8Array;
  write(i: number, out: Float32Array, offset: number, aug: Rng | null): void;
}

export interface ArrayDatasetOptions {
  name: string;
  classes: number;
  classNames: string[];
  input: InputSpec;
  seed: number;
  train: Split;
  test: Split;
  augment: boolean;
  onDispose?: () => void;
}

/** Fisher–Yates permutation of 0..n-1 from a seed. */
export function permutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

export class ArrayDataset implements Dataset {
  readonly name: string;
  readonly classes: number;
  readonly classNames: string[];
  readonly input: InputSpec;
  private readonly o: ArrayDatasetOptions;
  /** the last two epochs' permutations: a batch may straddle an epoch boundary */
  private perms = new Map<number, Uint32Array>();
  private disposed = false;

  constructor(o: ArrayDatasetOptions) {
    this.o = o;
    this.name = o.name;
    this.classes = o.classes;
    this.classNames = o.classNames;
    this.input = o.input;
  }

  get trainSize(): number {
    return this.o.train.n;
  }
  get testSize(): number {
    return this.o.test.n;
  }

  private perm(epoch: number): Uint32Array {
    let p = this.perms.get(epoch);
    if (p === undefined) {
      p = permutation(this.o.train.n, deriveSeed(this.o.seed, 'epoch', epoch));
      if (this.perms.size >= 2) this.perms.delete(Math.min(...this.perms.keys()));
      this.perms.set(epoch, p);
    }
    return p;
  }

  /** training-set indices of the batch at `step` */
  batchIndices(step: number, batchSize: number): number[] {
    const n = this.o.train.n;
    const out: number[] = [];
    for (let k = 0; k < batchSize; k++) {
      const g = step * batchSize + k;
      out.push(this.perm(Math.floor(g / n))[g % n]!);
    }
    return out;
  }

  private render(split: Split, idx: number[], augSeed: number | null): Batch {
    this.check();
    const { height: h, width: w, channels: c } = this.o.input;
    const size = h * w * c;
    const x = new Float32Array(idx.length * size);
    const labels = new Int32Array(idx.length);
    // One stream per batch, consumed in example order: augmentation is a function of (seed, step).
    const aug = augSeed === null ? null : new Rng(augSeed);
    idx.forEach((i, k) => {
      split.write(i, x, k * size, aug);
      labels[k] = split.labels[i]!;
    });
    return tf.tidy(() => ({
      x: tf.tensor4d(x, [idx.length, h, w, c]),
      y: tf.oneHot(tf.tensor1d(labels, 'int32'), this.o.classes).toFloat() as tf.Tensor2D,
    }));
  }

  batch(step: number, batchSize: number): Batch {
    const idx = this.batchIndices(step, batchSize);
    return this.render(this.o.train, idx, this.o.augment ? deriveSeed(this.o.seed, 'augment', step) : null);
  }

  test(): Batch {
    return this.render(this.o.test, range(0, this.o.test.n), null);
  }

  *testBatches(batchSize: number): Generator<Batch> {
    for (let start = 0; start < this.o.test.n; start += batchSize) {
      yield this.render(this.o.test, range(start, Math.min(this.o.test.n, start + batchSize)), null);
    }
  }

  testLabels(): Uint8Array {
    return this.o.test.labels;
  }

  trainLabels(): Uint8Array {
    return this.o.train.labels;
  }

  /** training examples `idx` without augmentation, for sample grids */
  trainExamples(idx: number[]): Batch {
    return this.render(this.o.train, idx, null);
  }

  dispose(): void {
    this.disposed = true;
    this.perms.clear();
    this.o.onDispose?.();
  }

  private check(): void {
    if (this.disposed) throw new Error(`dataset ${this.name} used after dispose()`);
  }
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

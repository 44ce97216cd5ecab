/** Softmax cross-entropy on logits with integer labels, the mean over the batch. */
import { type Tensor, zeros } from './tensor.ts';

// logits is (N,K) → p (N,K), a row-wise softmax (max subtracted for stability)
export function softmax(logits: Tensor): Tensor {
  const [N, K] = logits.shape as [number, number];
  const p = zeros([N, K]);
  for (let n = 0; n < N; n++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits.data[n * K + k]!);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(logits.data[n * K + k]! - max);
    for (let k = 0; k < K; k++) p.data[n * K + k] = Math.exp(logits.data[n * K + k]! - max) / sum;
  }
  return p;
}

// logits is (N,K), labels are N class indices in [0,K) → L = −(1/N) Σₙ log softmax(logitsₙ)[labelₙ]
export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): number {
  const [N, K] = logits.shape as [number, number];
  let loss = 0;
  for (let n = 0; n < N; n++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits.data[n * K + k]!);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(logits.data[n * K + k]! - max);
    // −log p = log Σ exp(z − max) + max − z_label
    loss += Math.log(sum) + max - logits.data[n * K + labels[n]!]!;
  }
  return loss / N;
}

// logits is (N,K), labels N indices → dL/dlogits (N,K) = (softmax − onehot) / N
export function softmaxCrossEntropyBackward(logits: Tensor, labels: ArrayLike<number>): Tensor {
  const [N, K] = logits.shape as [number, number];
  const d = softmax(logits);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) d.data[n * K + k] = (d.data[n * K + k]! - (k === labels[n] ? 1 : 0)) / N;
  }
  return d;
}

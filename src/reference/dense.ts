/** Fully connected layer y = x·W + b, with W stored (Din,Dout) as tfjs stores Dense kernels. */
import { type Tensor, assertShape, zeros } from './tensor.ts';

// x is (N,Din), w is (Din,Dout), b is (Dout) or null → y (N,Dout)
export function dense(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  assertShape('dense x', x, 2);
  assertShape('dense w', w, 2);
  const [N, Din] = x.shape as [number, number];
  const [wDin, Dout] = w.shape as [number, number];
  if (wDin !== Din) throw new Error(`dense: input has ${Din} features but the kernel expects ${wDin}`);
  const y = zeros([N, Dout]);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < Dout; j++) {
      let sum = b === null ? 0 : b.data[j]!;
      for (let i = 0; i < Din; i++) sum += x.data[n * Din + i]! * w.data[i * Dout + j]!;
      y.data[n * Dout + j] = sum;
    }
  }
  return y;
}

// x is (N,Din), w is (Din,Dout), dy is (N,Dout) → dx (N,Din) = dy·Wᵀ, dw (Din,Dout) = xᵀ·dy, db (Dout) = Σₙ dy
export function denseBackward(x: Tensor, w: Tensor, dy: Tensor): { dx: Tensor; dw: Tensor; db: Tensor } {
  const [N, Din] = x.shape as [number, number];
  const Dout = w.shape[1]!;
  const dx = zeros([N, Din]);
  const dw = zeros([Din, Dout]);
  const db = zeros([Dout]);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < Dout; j++) {
      const d = dy.data[n * Dout + j]!;
      db.data[j]! += d;
      for (let i = 0; i < Din; i++) {
        dx.data[n * Din + i]! += d * w.data[i * Dout + j]!;
        dw.data[i * Dout + j]! += d * x.data[n * Din + i]!;
      }
    }
  }
  return { dx, dw, db };
}

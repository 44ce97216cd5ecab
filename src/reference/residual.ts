/** The residual sum of two same-shaped tensors, and its backward (the gradient flows to both). */
import { type Tensor, sameShape, zeros, clone } from './tensor.ts';

// a and b are the same shape → a + b, same shape
export function add(a: Tensor, b: Tensor): Tensor {
  if (!sameShape(a.shape, b.shape)) throw new Error(`add: shapes [${a.shape.join(',')}] and [${b.shape.join(',')}] differ`);
  const y = zeros(a.shape);
  for (let i = 0; i < a.data.length; i++) y.data[i] = a.data[i]! + b.data[i]!;
  return y;
}

// dy is any shape → da = dy and db = dy (copies)
export function addBackward(dy: Tensor): { da: Tensor; db: Tensor } {
  return { da: clone(dy), db: clone(dy) };
}

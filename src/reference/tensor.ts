/**
 * The reference engine's only data type: a float64 array in row-major order plus its shape.
 * Image tensors are NHWC, conv kernels (KH,KW,Cin,Cout), dense kernels (Din,Dout) — as tfjs stores them.
 */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

/** Number of entries in a tensor of this shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// shape → zero tensor of that shape
export function zeros(shape: readonly number[]): Tensor {
  return { shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

// (shape, values) → tensor; copies the values into float64
export function tensor(shape: readonly number[], values: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  if (values.length !== n) {
    throw new Error(`tensor: shape [${shape.join(',')}] needs ${n} values, got ${values.length}`);
  }
  return { shape: [...shape], data: Float64Array.from(values) };
}

// t → a deep copy of t
export function clone(t: Tensor): Tensor {
  return { shape: [...t.shape], data: t.data.slice() };
}

// two shapes → whether they are equal
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// t must have this rank and as many values as its shape says
export function assertShape(what: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) throw new Error(`${what}: expected rank ${rank}, got shape [${t.shape.join(',')}]`);
  if (t.data.length !== sizeOf(t.shape)) {
    throw new Error(`${what}: shape [${t.shape.join(',')}] does not match ${t.data.length} values`);
  }
}

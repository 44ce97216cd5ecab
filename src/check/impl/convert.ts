/**
 * Moving tensors between the reference (flat float64, NHWC) and a user's module: nested arrays or
 * `{ data, shape }`, NHWC or NCHW. Image tensors (rank 4) and conv kernels change axis order in NCHW
 * mode: x (N,C,H,W), kernels (Cout,Cin,KH,KW); rank ≤ 2 tensors are the same in both layouts.
 */
import type { Tensor } from '../../reference/index.ts';
import type { ArrayStyle, Layout } from './contract.ts';

/** Which axis convention a tensor follows: images/activations, or a conv kernel. */
export type Role = 'image' | 'kernel' | 'plain';

// permute the axes of a row-major tensor: out axis i is in axis perm[i]
export function permute(t: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => t.shape[p]!);
  const out = new Float64Array(t.data.length);
  const inStrides = strides(t.shape);
  const outStrides = strides(shape);
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let src = 0;
    for (let d = 0; d < shape.length; d++) {
      const idx = Math.floor(rest / outStrides[d]!);
      rest -= idx * outStrides[d]!;
      src += idx * inStrides[perm[d]!]!;
    }
    out[i] = t.data[src]!;
  }
  return { shape, data: out };
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1]! * shape[d + 1]!;
  return s;
}

/** Permutation from our layout to the user's, for a tensor of this role and rank. */
function toUserPerm(role: Role, rank: number, layout: Layout): number[] | null {
  if (layout === 'NHWC' || rank !== 4) return null;
  // NHWC → NCHW; (KH,KW,Cin,Cout) → (Cout,Cin,KH,KW)
  return role === 'kernel' ? [3, 2, 0, 1] : role === 'image' ? [0, 3, 1, 2] : null;
}

function inverse(perm: number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Our tensor in the user's layout (flat, row-major). */
export function toUserLayout(t: Tensor, role: Role, layout: Layout): Tensor {
  const perm = toUserPerm(role, t.shape.length, layout);
  return perm === null ? t : permute(t, perm);
}

/** A tensor in the user's layout back in ours. */
export function fromUserLayout(t: Tensor, role: Role, layout: Layout): Tensor {
  const perm = toUserPerm(role, t.shape.length, layout);
  return perm === null ? t : permute(t, inverse(perm));
}

export type UserValue = number | UserValue[];

// flat row-major data and shape → nested arrays
export function toNested(data: ArrayLike<number>, shape: readonly number[]): UserValue {
  if (shape.length === 0) return data[0]!;
  const build = (offset: number, d: number): UserValue[] => {
    const n = shape[d]!;
    const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const out: UserValue[] = [];
    for (let i = 0; i < n; i++) out.push(d === shape.length - 1 ? data[offset + i]! : build(offset + i * inner, d + 1));
    return out;
  };
  return build(0, 0);
}

/** The argument a user function receives for a tensor already in the user's layout. */
export function toUserArg(t: Tensor, style: ArrayStyle): unknown {
  return style === 'nested' ? toNested(t.data, t.shape) : { data: Float64Array.from(t.data), shape: [...t.shape] };
}

const isNumArray = (v: unknown): v is ArrayLike<number> =>
  ArrayBuffer.isView(v) && !(v instanceof DataView);

/**
 * A user's return value → flat values in the user's layout, checked against the expected shape.
 * Accepts nested arrays, flat arrays or typed arrays of the right length, or `{ data, shape }`.
 * Returns an error sentence instead when the value has another shape.
 */
export function fromUserValue(v: unknown, expected: readonly number[]): { data: Float64Array } | { error: string } {
  const n = expected.reduce((a, b) => a * b, 1);
  const want = `[${expected.join(',')}]`;
  if (expected.length === 0) {
    if (typeof v === 'number') return { data: Float64Array.of(v) };
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return { data: Float64Array.of(v[0]) };
    return { error: `expected a number, got ${describe(v)}` };
  }
  if (isNumArray(v)) {
    return v.length === n ? { data: Float64Array.from(v) } : { error: `expected shape ${want} (${n} values), got a typed array of ${v.length}` };
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'data' in v && 'shape' in v) {
    const { data, shape } = v as { data: unknown; shape: unknown };
    if (!Array.isArray(shape) || shape.join(',') !== expected.join(',')) return { error: `expected shape ${want}, got {shape: ${JSON.stringify(shape)}}` };
    if (!(isNumArray(data) || Array.isArray(data)) || (data as ArrayLike<number>).length !== n) return { error: `expected ${n} values in .data` };
    return { data: Float64Array.from(data as ArrayLike<number>) };
  }
  if (Array.isArray(v)) {
    // a flat array of the right length is fine too
    if (v.length === n && v.every((e) => typeof e === 'number') && expected.length > 1) return { data: Float64Array.from(v as number[]) };
    const shape = nestedShape(v);
    if (shape === null) return { error: `expected shape ${want}, got a ragged nested array` };
    if (shape.join(',') !== expected.join(',')) return { error: `expected shape ${want}, got [${shape.join(',')}]` };
    const flat: number[] = [];
    const walk = (e: unknown): void => {
      if (typeof e === 'number') flat.push(e);
      else for (const x of Array.from(e as ArrayLike<unknown>)) walk(x);
    };
    walk(v);
    return { data: Float64Array.from(flat) };
  }
  return { error: `expected an array of shape ${want}, got ${describe(v)}` };
}

/** Shape of a regular nested array, null when ragged or not numbers at the leaves. */
function nestedShape(v: unknown): number[] | null {
  if (typeof v === 'number') return [];
  if (isNumArray(v)) return [v.length];
  if (!Array.isArray(v)) return null;
  if (v.length === 0) return [0];
  const inner = nestedShape(v[0]);
  if (inner === null) return null;
  for (let i = 1; i < v.length; i++) {
    const s = nestedShape(v[i]);
    if (s === null || s.join(',') !== inner.join(',')) return null;
  }
  return [v.length, ...inner];
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v;
}

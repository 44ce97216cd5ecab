/**
 * A from-scratch conv layer in plain TypeScript, the way you would write it while learning:
 * nested arrays, NHWC, loops. Check it against tfjs and initbench's float64 reference with
 *
 *   npx initbench check --impl examples/my-conv.ts
 *
 * initbench calls only the functions a module exports (these six here) and says which it skipped.
 * Shapes: x is [N][H][W][Cin], w is [KH][KW][Cin][Cout], b is [Cout], dy is [N][OH][OW][Cout].
 */

type T4 = number[][][][];
type T2 = number[][];
type Padding = 'same' | 'valid' | [[number, number], [number, number]];
export interface ConvOpts {
  stride: number;
  padding: Padding;
  dilation: number;
}

/** Output size and the zero padding on each side, as tfjs computes them. */
function geometry(H: number, W: number, KH: number, KW: number, o: ConvOpts) {
  const effH = (KH - 1) * o.dilation + 1; // a dilated kernel spans this many input rows
  const effW = (KW - 1) * o.dilation + 1;
  if (o.padding === 'valid') {
    return { OH: Math.ceil((H - effH + 1) / o.stride), OW: Math.ceil((W - effW + 1) / o.stride), top: 0, left: 0 };
  }
  if (o.padding === 'same') {
    const OH = Math.ceil(H / o.stride);
    const OW = Math.ceil(W / o.stride);
    // total padding; the odd extra row/column goes at the bottom/right
    const padH = Math.max(0, (OH - 1) * o.stride + effH - H);
    const padW = Math.max(0, (OW - 1) * o.stride + effW - W);
    return { OH, OW, top: Math.floor(padH / 2), left: Math.floor(padW / 2) };
  }
  const [[top, bottom], [left, right]] = o.padding;
  return {
    OH: Math.floor((H + top + bottom - effH) / o.stride) + 1,
    OW: Math.floor((W + left + right - effW) / o.stride) + 1,
    top,
    left,
  };
}

function zeros4(a: number, b: number, c: number, d: number): T4 {
  return Array.from({ length: a }, () => Array.from({ length: b }, () => Array.from({ length: c }, () => new Array<number>(d).fill(0))));
}

/** y[n][oh][ow][co] = b[co] + Σ x[n][oh·s + kh·d − top][ow·s + kw·d − left][ci] · w[kh][kw][ci][co] (cross-correlation). */
export function conv2d(x: T4, w: T4, b: number[], opts: ConvOpts): T4 {
  const [N, H, W, Cin] = [x.length, x[0]!.length, x[0]![0]!.length, x[0]![0]![0]!.length];
  const [KH, KW, Cout] = [w.length, w[0]!.length, w[0]![0]![0]!.length];
  const g = geometry(H, W, KH, KW, opts);
  const y = zeros4(N, g.OH, g.OW, Cout);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let co = 0; co < Cout; co++) {
          let sum = b[co]!;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * opts.stride + kh * opts.dilation - g.top;
            if (ih < 0 || ih >= H) continue; // zero padding
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * opts.stride + kw * opts.dilation - g.left;
              if (iw < 0 || iw >= W) continue;
              for (let ci = 0; ci < Cin; ci++) sum += x[n]![ih]![iw]![ci]! * w[kh]![kw]![ci]![co]!;
            }
          }
          y[n]![oh]![ow]![co] = sum;
        }
  return y;
}

/** The same loops as conv2d, sending dy back along each product: dx += dy·w, dw += dy·x, db += dy. */
export function conv2dBackward(x: T4, w: T4, dy: T4, opts: ConvOpts): { dx: T4; dw: T4; db: number[] } {
  const [N, H, W, Cin] = [x.length, x[0]!.length, x[0]![0]!.length, x[0]![0]![0]!.length];
  const [KH, KW, Cout] = [w.length, w[0]!.length, w[0]![0]![0]!.length];
  const g = geometry(H, W, KH, KW, opts);
  const dx = zeros4(N, H, W, Cin);
  const dw = zeros4(KH, KW, Cin, Cout);
  const db = new Array<number>(Cout).fill(0);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let co = 0; co < Cout; co++) {
          const d = dy[n]![oh]![ow]![co]!;
          db[co]! += d;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * opts.stride + kh * opts.dilation - g.top;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * opts.stride + kw * opts.dilation - g.left;
              if (iw < 0 || iw >= W) continue;
              for (let ci = 0; ci < Cin; ci++) {
                dx[n]![ih]![iw]![ci]! += d * w[kh]![kw]![ci]![co]!;
                dw[kh]![kw]![ci]![co]! += d * x[n]![ih]![iw]![ci]!;
              }
            }
          }
        }
  return { dx, dw, db };
}

/** x is [N][Din], w is [Din][Dout], b is [Dout] → y [N][Dout] = x·w + b. */
export function dense(x: T2, w: T2, b: number[]): T2 {
  return x.map((row) => b.map((bj, j) => row.reduce((s, xi, i) => s + xi * w[i]![j]!, bj)));
}

/** dx = dy·wᵀ, dw = xᵀ·dy, db = Σ over the batch of dy. */
export function denseBackward(x: T2, w: T2, dy: T2): { dx: T2; dw: T2; db: number[] } {
  const dx = x.map((_, n) => w.map((wi) => wi.reduce((s, wij, j) => s + dy[n]![j]! * wij, 0)));
  const dw = w.map((wi, i) => wi.map((_, j) => x.reduce((s, xn, n) => s + xn[i]! * dy[n]![j]!, 0)));
  const db = w[0]!.map((_, j) => dy.reduce((s, dyn) => s + dyn[j]!, 0));
  return { dx, dw, db };
}

/** Element-wise on any nesting of arrays. */
function map2(a: unknown, b: unknown, f: (x: number, y: number) => number): unknown {
  return Array.isArray(a) ? a.map((ai, i) => map2(ai, (b as unknown[])[i], f)) : f(a as number, b as number);
}

export function relu(x: T4): T4 {
  return map2(x, x, (v) => (v > 0 ? v : 0)) as T4;
}

/** relu'(x) is 1 where x > 0, else 0 (tfjs uses 0 at x = 0 too). */
export function reluBackward(x: T4, dy: T4): T4 {
  return map2(x, dy, (v, d) => (v > 0 ? d : 0)) as T4;
}

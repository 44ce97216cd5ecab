/**
 * Pooling, NHWC, per channel. Windows are `size` square with `stride`; 'same' padding pads like conv
 * (extra at bottom/right) and padded cells never take part: max ignores them, avg divides by the
 * number of real cells in the window (what tfjs's forward pass does).
 */
import { type Tensor, assertShape, zeros } from './tensor.ts';
import { convGeometry } from './conv2d.ts';

export interface PoolOptions {
  size: number;
  stride: number;
  padding: 'same' | 'valid';
}

// output size and pads of a pool window over (N,H,W,C): the conv geometry of a size×size kernel
function poolGeometry(x: Tensor, opts: PoolOptions) {
  const C = x.shape[3]!;
  return convGeometry(x.shape, [opts.size, opts.size, C, C], { stride: opts.stride, padding: opts.padding });
}

// x is (N,H,W,C) → y (N,OH,OW,C), the max over each window
export function maxPool(x: Tensor, opts: PoolOptions): Tensor {
  assertShape('maxPool x', x, 4);
  const g = poolGeometry(x, opts);
  const C = g.Cin;
  const y = zeros([g.N, g.OH, g.OW, C]);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let c = 0; c < C; c++) {
          y.data[((n * g.OH + oh) * g.OW + ow) * C + c] = x.data[argmaxInWindow(x, g, n, oh, ow, c)]!;
        }
  return y;
}

/** Flat index into x of the window's max; the first one in row-major order on ties (as tfjs). */
function argmaxInWindow(x: Tensor, g: ReturnType<typeof poolGeometry>, n: number, oh: number, ow: number, c: number): number {
  let best = -1;
  let bestVal = -Infinity;
  for (let kh = 0; kh < g.KH; kh++) {
    const ih = oh * g.sh + kh - g.top;
    if (ih < 0 || ih >= g.H) continue;
    for (let kw = 0; kw < g.KW; kw++) {
      const iw = ow * g.sw + kw - g.left;
      if (iw < 0 || iw >= g.W) continue;
      const i = ((n * g.H + ih) * g.W + iw) * g.Cin + c;
      if (best < 0 || x.data[i]! > bestVal) {
        best = i;
        bestVal = x.data[i]!;
      }
    }
  }
  return best;
}

// x is (N,H,W,C), dy is (N,OH,OW,C) → dx (N,H,W,C): each window's dy goes to its max cell
export function maxPoolBackward(x: Tensor, dy: Tensor, opts: PoolOptions): Tensor {
  const g = poolGeometry(x, opts);
  const C = g.Cin;
  const dx = zeros(x.shape);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let c = 0; c < C; c++) {
          dx.data[argmaxInWindow(x, g, n, oh, ow, c)]! += dy.data[((n * g.OH + oh) * g.OW + ow) * C + c]!;
        }
  return dx;
}

// x is (N,H,W,C) → y (N,OH,OW,C), the mean over each window's real (unpadded) cells
export function avgPool(x: Tensor, opts: PoolOptions): Tensor {
  assertShape('avgPool x', x, 4);
  const g = poolGeometry(x, opts);
  const C = g.Cin;
  const y = zeros([g.N, g.OH, g.OW, C]);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let c = 0; c < C; c++) {
          let sum = 0;
          let count = 0;
          for (let kh = 0; kh < g.KH; kh++) {
            const ih = oh * g.sh + kh - g.top;
            if (ih < 0 || ih >= g.H) continue;
            for (let kw = 0; kw < g.KW; kw++) {
              const iw = ow * g.sw + kw - g.left;
              if (iw < 0 || iw >= g.W) continue;
              sum += x.data[((n * g.H + ih) * g.W + iw) * C + c]!;
              count++;
            }
          }
          y.data[((n * g.OH + oh) * g.OW + ow) * C + c] = sum / count;
        }
  return y;
}

// x is (N,H,W,C), dy is (N,OH,OW,C) → dx (N,H,W,C): each window's dy shared equally by its real cells
export function avgPoolBackward(x: Tensor, dy: Tensor, opts: PoolOptions): Tensor {
  const g = poolGeometry(x, opts);
  const C = g.Cin;
  const dx = zeros(x.shape);
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++) {
        // the real cells of this window
        const cells: [number, number][] = [];
        for (let kh = 0; kh < g.KH; kh++) {
          const ih = oh * g.sh + kh - g.top;
          if (ih < 0 || ih >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const iw = ow * g.sw + kw - g.left;
            if (iw >= 0 && iw < g.W) cells.push([ih, iw]);
          }
        }
        for (let c = 0; c < C; c++) {
          const share = dy.data[((n * g.OH + oh) * g.OW + ow) * C + c]! / cells.length;
          for (const [ih, iw] of cells) dx.data[((n * g.H + ih) * g.W + iw) * C + c]! += share;
        }
      }
  return dx;
}

// x is (N,H,W,C) → y (N,C), the mean over all H·W positions
export function globalAvgPool(x: Tensor): Tensor {
  assertShape('globalAvgPool x', x, 4);
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const y = zeros([N, C]);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) sum += x.data[((n * H + h) * W + w) * C + c]!;
      y.data[n * C + c] = sum / (H * W);
    }
  return y;
}

// x is (N,H,W,C), dy is (N,C) → dx (N,H,W,C) = dy / (H·W) at every position
export function globalAvgPoolBackward(x: Tensor, dy: Tensor): Tensor {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const dx = zeros(x.shape);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) dx.data[((n * H + h) * W + w) * C + c] = dy.data[n * C + c]! / (H * W);
  return dx;
}

/**
 * 2-D convolution as tfjs computes it: cross-correlation (the kernel is not flipped), NHWC,
 * kernel (KH,KW,Cin,Cout), stride, dilation, and 'same' | 'valid' | explicit padding.
 */
import { type Tensor, assertShape, zeros } from './tensor.ts';

/** Explicit padding is [[top, bottom], [left, right]]. */
export type Padding = 'same' | 'valid' | [[number, number], [number, number]];

export interface Conv2dOptions {
  /** one number for both axes, or [sh, sw]; default 1 */
  stride?: number | [number, number];
  padding?: Padding;
  /** one number for both axes, or [dh, dw]; default 1 */
  dilation?: number | [number, number];
}

/** Everything the loops need, resolved once. */
export interface ConvGeometry {
  N: number; H: number; W: number; Cin: number;
  KH: number; KW: number; Cout: number;
  OH: number; OW: number;
  sh: number; sw: number; dh: number; dw: number;
  /** zero rows/cols added at the top, bottom, left, right */
  top: number; bottom: number; left: number; right: number;
}

// stride or dilation: one number, [h, w], or absent (1) → [h, w]
function pair(v: number | [number, number] | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

// input (H,W), kernel (KH,KW), options → output size and the four pads, exactly as tfjs resolves them
export function convGeometry(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): ConvGeometry {
  const [N, H, W, Cin] = xShape as [number, number, number, number];
  const [KH, KW, wCin, Cout] = wShape as [number, number, number, number];
  if (wCin !== Cin) throw new Error(`conv2d: input has ${Cin} channels but the kernel expects ${wCin}`);
  const [sh, sw] = pair(opts.stride);
  const [dh, dw] = pair(opts.dilation);
  // a dilated kernel covers (K−1)·d + 1 input pixels
  const effH = (KH - 1) * dh + 1;
  const effW = (KW - 1) * dw + 1;
  const padding = opts.padding ?? 'valid';
  let OH: number, OW: number, top: number, bottom: number, left: number, right: number;
  if (padding === 'same') {
    OH = Math.ceil(H / sh);
    OW = Math.ceil(W / sw);
    const padH = Math.max(0, (OH - 1) * sh + effH - H);
    const padW = Math.max(0, (OW - 1) * sw + effW - W);
    // the odd extra pixel goes to the bottom / right
    top = Math.floor(padH / 2);
    bottom = padH - top;
    left = Math.floor(padW / 2);
    right = padW - left;
  } else if (padding === 'valid') {
    OH = Math.ceil((H - effH + 1) / sh);
    OW = Math.ceil((W - effW + 1) / sw);
    top = bottom = left = right = 0;
  } else {
    [[top, bottom], [left, right]] = padding;
    OH = Math.floor((H + top + bottom - effH) / sh) + 1;
    OW = Math.floor((W + left + right - effW) / sw) + 1;
  }
  if (OH < 1 || OW < 1) throw new Error(`conv2d: kernel ${KH}x${KW} does not fit input ${H}x${W} with this padding`);
  return { N, H, W, Cin, KH, KW, Cout, OH, OW, sh, sw, dh, dw, top, bottom, left, right };
}

// x is (N,H,W,Cin), w is (KH,KW,Cin,Cout), b is (Cout) or null → y (N,OH,OW,Cout)
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  assertShape('conv2d x', x, 4);
  assertShape('conv2d w', w, 4);
  const g = convGeometry(x.shape, w.shape, opts);
  const y = zeros([g.N, g.OH, g.OW, g.Cout]);
  for (let n = 0; n < g.N; n++) {
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        for (let co = 0; co < g.Cout; co++) {
          let sum = b === null ? 0 : b.data[co]!;
          for (let kh = 0; kh < g.KH; kh++) {
            // input row under kernel row kh; rows outside [0,H) are zero padding
            const ih = oh * g.sh + kh * g.dh - g.top;
            if (ih < 0 || ih >= g.H) continue;
            for (let kw = 0; kw < g.KW; kw++) {
              const iw = ow * g.sw + kw * g.dw - g.left;
              if (iw < 0 || iw >= g.W) continue;
              for (let ci = 0; ci < g.Cin; ci++) {
                sum += x.data[((n * g.H + ih) * g.W + iw) * g.Cin + ci]! * w.data[((kh * g.KW + kw) * g.Cin + ci) * g.Cout + co]!;
              }
            }
          }
          y.data[((n * g.OH + oh) * g.OW + ow) * g.Cout + co] = sum;
        }
      }
    }
  }
  return y;
}

export interface Conv2dGrads {
  /** (N,H,W,Cin) */
  dx: Tensor;
  /** (KH,KW,Cin,Cout) */
  dw: Tensor;
  /** (Cout) */
  db: Tensor;
}

/**
 * x is (N,H,W,Cin), w is (KH,KW,Cin,Cout), dy is (N,OH,OW,Cout) → dx (N,H,W,Cin), dw (KH,KW,Cin,Cout), db (Cout).
 * Walks the same index triples as the forward pass and sends dy back along each product:
 * y[o] += x[i]·w[k]  ⇒  dx[i] += dy[o]·w[k],  dw[k] += dy[o]·x[i].
 * (Written as a full convolution, dx uses the kernel flipped in space and transposed in channels.)
 */
export function conv2dBackward(x: Tensor, w: Tensor, dy: Tensor, opts: Conv2dOptions = {}): Conv2dGrads {
  const g = convGeometry(x.shape, w.shape, opts);
  if (dy.shape.join(',') !== [g.N, g.OH, g.OW, g.Cout].join(',')) {
    throw new Error(`conv2dBackward: dy is [${dy.shape.join(',')}], expected [${[g.N, g.OH, g.OW, g.Cout].join(',')}]`);
  }
  const dx = zeros(x.shape);
  const dw = zeros(w.shape);
  const db = zeros([g.Cout]);
  for (let n = 0; n < g.N; n++) {
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        for (let co = 0; co < g.Cout; co++) {
          const d = dy.data[((n * g.OH + oh) * g.OW + ow) * g.Cout + co]!;
          db.data[co]! += d;
          for (let kh = 0; kh < g.KH; kh++) {
            const ih = oh * g.sh + kh * g.dh - g.top;
            if (ih < 0 || ih >= g.H) continue;
            for (let kw = 0; kw < g.KW; kw++) {
              const iw = ow * g.sw + kw * g.dw - g.left;
              if (iw < 0 || iw >= g.W) continue;
              for (let ci = 0; ci < g.Cin; ci++) {
                const xi = ((n * g.H + ih) * g.W + iw) * g.Cin + ci;
                const wi = ((kh * g.KW + kw) * g.Cin + ci) * g.Cout + co;
                dx.data[xi]! += d * w.data[wi]!;
                dw.data[wi]! += d * x.data[xi]!;
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw, db };
}

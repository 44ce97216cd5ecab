/**
 * Our kernels for the WASM backend. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (so nothing
 * with a conv can train there), and its Conv2DBackpropInput is a plain loop (~2 GFLOP/s). Both
 * gradients are rewritten as work the backend already hands to XNNPACK, forward convs and matmuls
 * (~28 GFLOP per CPU-second with 128-bit SIMD):
 *
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh·d−pt, ow·s+kw·d−pl, ci] · dy[n,oh,ow,co]
 *     stride 1: per tap (kh,kw), one matmul of shifted, padded xᵀ with padded dy (backpropFilterByTaps)
 *     any stride: conv2d(input = xᵀ [Ci,H,W,N], filter = dy as [OH,OW,N,Co], stride d, dilation s)
 *   dx = conv2d(dy zero-stuffed by s, W flipped in space with ci↔co swapped, stride 1, dilation d)
 *
 * WASM's Conv3DBackpropFilterV2 is never used: its stride-2 gradients are wrong.
 * Only NHWC float32 is handled, as everywhere else on this backend. Both kernels also honour an
 * optional `dilations` attr, which tfjs-core's Conv2D gradient never passes (it refuses dilation > 1)
 * but direct runKernel callers may.
 */
import * as tf from '@tensorflow/tfjs';
import {
  backend_util,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  Identity,
  PadV2,
  Transpose,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmMaxPoolGrad } from './wasm-maxpool-grad.ts';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Pair = [number, number] | number;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

export const OUR_WASM_KERNELS = [Conv2DBackpropFilter, Conv2DBackpropInput, Identity] as const;

/** The WASM backend's own Conv2DBackpropInput, kept for the shapes where it beats ours. */
let builtinBackpropInput: KernelConfig | undefined;
let registered: string[] | null = null;

function wasmKernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (k === undefined) throw new Error(`wasm kernel ${name} is not registered (import @tensorflow/tfjs-backend-wasm first)`);
  return k.kernelFunc;
}

function run(name: string, backend: BackendWasm, inputs: Record<string, TensorInfo>, attrs: object): TensorInfo {
  return wasmKernel(name)({ inputs, backend, attrs: attrs as never }) as TensorInfo;
}

function free(backend: BackendWasm, ...ts: TensorInfo[]): void {
  // disposeData also fires WASM's disposal callbacks, which drop XNNPACK operators cached per filter id
  for (const t of ts) backend.disposeData(t.dataId);
}

function f32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

function pair(v: Pair | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

function checkLayout(kernel: string, dataFormat: string | undefined, dtypes: string[]): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm: only NHWC is supported, got ${dataFormat}`);
  }
  for (const d of dtypes) if (d !== 'float32') throw new Error(`${kernel} on wasm: only float32 is supported, got ${d}`);
}

interface FilterAttrs {
  strides: Pair;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  filterShape: [number, number, number, number];
  dilations?: Pair;
}

/** dW as a forward conv of xᵀ with dy as the filter; see the header for the index algebra. */
function backpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: FilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  checkLayout(Conv2DBackpropFilter, attrs.dataFormat, [x.dtype, dy.dtype]);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [N, H, W, Ci] = x.shape as [number, number, number, number];
  const { filterHeight: KH, filterWidth: KW, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  if (dy.shape.join() !== [N, OH, OW, Co].join()) {
    throw new Error(`${Conv2DBackpropFilter} on wasm: dy shape [${dy.shape}] does not match the conv output [${[N, OH, OW, Co]}]`);
  }
  const geom: FilterGeometry = { N, H, W, Ci, KH, KW, OH, OW, Co, sh, sw, dh, dw, pt: info.padInfo.top, pl: info.padInfo.left };
  return sh === 1 && sw === 1 ? backpropFilterByTaps(x, dy, geom, backend) : backpropFilterByConv(x, dy, geom, backend);
}

interface FilterGeometry {
  N: number;
  H: number;
  W: number;
  Ci: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  Co: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
}

/**
 * Stride 1: one matmul per filter tap, dW[kh,kw] = X_tap · dyP, all on XNNPACK's fully-connected
 * path. In the frame [N, Hp, Wp] with Hp = OH + (KH−1)·dh, x is transposed and zero-padded to
 * xP [Ci, N·Hp·Wp] and dy zero-padded to dyP [N·Hp·Wp, Co]. Then X_tap is xP read from flat offset
 * q = kh·dh·Wp + kw·dw: a plain [Ci, N·Hp·Wp] matrix view, no copy, whose entries that wrap past a
 * row end meet dyP's zero padding. dyP is the FC "weights", packed once and reused by all taps.
 * Against the forward-conv formulation this skips packing a 1M-entry filter per call (~15% faster).
 */
function backpropFilterByTaps(x: TensorInfo, dy: TensorInfo, g: FilterGeometry, backend: BackendWasm): TensorInfo {
  const { N, H, W, Ci, KH, KW, OH, OW, Co, dh, dw, pt, pl } = g;
  const Hp = OH + (KH - 1) * dh;
  const Wp = OW + (KW - 1) * dw;
  const S = N * Hp * Wp;
  const xT = run(Transpose, backend, { x }, { perm: [3, 0, 1, 2] }); // [Ci,N,H,W]
  // one extra all-zero ci plane: the last row's tap views read up to (KH−1)·dh·Wp + (KW−1)·dw past its end
  const xP = run(PadV2, backend, { x: xT }, { paddings: [[0, 1], [0, 0], [pt, Hp - H - pt], [pl, Wp - W - pl]], constantValue: 0 });
  free(backend, xT);
  // dy into the [N,Hp,Wp] frame by row copies (half the time of PadV2 here)
  const dyP = backend.makeOutput([N, Hp, Wp, Co], 'float32');
  {
    const src = f32(backend, dy);
    const dst = f32(backend, dyP);
    dst.fill(0);
    const row = OW * Co;
    for (let n = 0; n < N; n++) {
      for (let r = 0; r < OH; r++) {
        const at = (n * OH + r) * row;
        dst.set(src.subarray(at, at + row), (n * Hp + r) * Wp * Co);
      }
    }
  }
  const b: TensorInfo = { dataId: dyP.dataId, shape: [1, S, Co], dtype: 'float32' };
  const base = backend.getMemoryOffset(xP.dataId);
  const taps: TensorInfo[] = [];
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const view = backend.makeOutput([1, Ci, S], 'float32', base + 4 * (kh * dh * Wp + kw * dw));
      try {
        taps.push(run(BatchMatMul, backend, { a: view, b }, { transposeA: false, transposeB: false })); // [1,Ci,Co]
      } finally {
        dropView(backend, view);
      }
    }
  }
  free(backend, xP, dyP);
  const dW = backend.makeOutput([KH, KW, Ci, Co], 'float32');
  const dst = f32(backend, dW);
  taps.forEach((t, i) => dst.set(f32(backend, t), i * Ci * Co));
  free(backend, ...taps);
  return dW;
}

/** Forgets a tensor that aliases another's memory, without freeing that memory. */
function dropView(backend: BackendWasm, view: TensorInfo): void {
  const data = backend.dataIdMap.get(view.dataId);
  if (data === undefined) return;
  (backend.wasm as unknown as { tfjs: { disposeData(id: number): void } }).tfjs.disposeData(data.id as number);
  backend.dataIdMap.delete(view.dataId);
}

/** Any stride: dW as a forward conv of xᵀ with dy as the filter (see the header). */
function backpropFilterByConv(x: TensorInfo, dy: TensorInfo, g: FilterGeometry, backend: BackendWasm): TensorInfo {
  const { H, W, Ci, KH, KW, OH, OW, Co, sh, sw, dh, dw, pt, pl } = g;
  // bottom/right padding that makes the output exactly KH×KW; when the forward conv never reached
  // the last rows of x this is negative, so pad 0 and drop the extra output rows below
  const pb = Math.max(0, (KH - 1) * dh + (OH - 1) * sh + 1 - H - pt);
  const pr = Math.max(0, (KW - 1) * dw + (OW - 1) * sw + 1 - W - pl);

  const xT = run(Transpose, backend, { x }, { perm: [3, 1, 2, 0] }); // [Ci,H,W,N]
  const dyF = run(Transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] }); // [OH,OW,N,Co]
  const out = run(Conv2D, backend, { x: xT, filter: dyF }, {
    strides: [dh, dw],
    dilations: [sh, sw],
    pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]],
    dataFormat: 'NHWC',
  }); // [Ci, KH', KW', Co] with KH' ≥ KH, KW' ≥ KW
  free(backend, xT, dyF);

  const [, KH2, KW2] = out.shape as [number, number, number, number];
  const dW = backend.makeOutput([KH, KW, Ci, Co], 'float32');
  const src = f32(backend, out);
  const dst = f32(backend, dW);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let ci = 0; ci < Ci; ci++) {
        const s = ((ci * KH2 + kh) * KW2 + kw) * Co;
        dst.set(src.subarray(s, s + Co), ((kh * KW + kw) * Ci + ci) * Co);
      }
    }
  }
  free(backend, out);
  return dW;
}

interface InputAttrs {
  strides: Pair;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  inputShape: [number, number, number, number];
  dilations?: Pair;
}

/**
 * Whether the built-in loop beats our conv for this shape. Measured (single thread): ours wins by
 * 2–12× on every real layer, strides 1–3 included (e.g. [16,32,32,16]⊛[3,3,16,16]: 2.8 vs 33 ms at
 * stride 1, 2.7 vs 5.9 ms at stride 3), but for tiny problems (< ~64k multiply-adds, well under 0.1 ms)
 * our fixed costs (filter flip, XNNPACK operator setup) lose. The built-in cannot do dilation > 1.
 */
export function builtinBackpropInputIsFaster(multiplyAdds: number, dilations: [number, number]): boolean {
  if (dilations[0] !== 1 || dilations[1] !== 1) return false;
  return multiplyAdds < 65536;
}

export type BackpropInputChoice = 'auto' | 'ours' | 'builtin';
let backpropInputChoice: BackpropInputChoice = 'auto';

/**
 * Which Conv2DBackpropInput runs on wasm: 'auto' (per shape, the faster), or one forced, so tests
 * can check both paths and perf can time both. Returns the previous choice.
 */
export function setBackpropInputChoice(choice: BackpropInputChoice): BackpropInputChoice {
  const prev = backpropInputChoice;
  backpropInputChoice = choice;
  return prev;
}

function useBuiltin(multiplyAdds: number, dilations: [number, number]): boolean {
  if (dilations[0] !== 1 || dilations[1] !== 1) return false;
  if (backpropInputChoice === 'auto') return builtinBackpropInputIsFaster(multiplyAdds, dilations);
  return backpropInputChoice === 'builtin';
}

/** dx as a forward conv of (zero-stuffed, padded) dy with the flipped, channel-swapped filter. */
function backpropInput(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: InputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  checkLayout(Conv2DBackpropInput, attrs.dataFormat, [dy.dtype, filter.dtype]);
  const dil = pair(attrs.dilations);
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    dil,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [N, IH, IW, Ci] = attrs.inputShape;
  const { filterHeight: KH, filterWidth: KW, outHeight: OH, outWidth: OW, outChannels: Co } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  if (dy.shape.join() !== [N, OH, OW, Co].join()) {
    throw new Error(`${Conv2DBackpropInput} on wasm: dy shape [${dy.shape}] does not match the conv output [${[N, OH, OW, Co]}]`);
  }
  if (builtinBackpropInput !== undefined && useBuiltin(N * OH * OW * KH * KW * Ci * Co, [dh, dw])) {
    return builtinBackpropInput.kernelFunc({ inputs: inputs as never, backend, attrs: attrs as never }) as TensorInfo;
  }

  // W'[KH-1-kh, KW-1-kw, co, ci] = W[kh, kw, ci, co]
  const wF = backend.makeOutput([KH, KW, Co, Ci], 'float32');
  {
    const src = f32(backend, filter);
    const dst = f32(backend, wF);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const sBase = (kh * KW + kw) * Ci * Co;
        const dBase = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * Co * Ci;
        for (let ci = 0; ci < Ci; ci++) {
          for (let co = 0; co < Co; co++) dst[dBase + co * Ci + ci] = src[sBase + ci * Co + co];
        }
      }
    }
  }

  // In the padded frame of height IH + (KH−1)·dh, dy[oh] sits at row oh·sh + (KH−1)·dh − pt.
  const offH = (KH - 1) * dh - info.padInfo.top;
  const offW = (KW - 1) * dw - info.padInfo.left;
  const PH = IH + (KH - 1) * dh;
  const PW = IW + (KW - 1) * dw;
  const padBottom = PH - offH - ((OH - 1) * sh + 1);
  const padRight = PW - offW - ((OW - 1) * sw + 1);
  let convIn = dy;
  let pad: backend_util.ExplicitPadding = [[0, 0], [offH, padBottom], [offW, padRight], [0, 0]];
  const direct = sh === 1 && sw === 1 && offH >= 0 && offW >= 0 && padBottom >= 0 && padRight >= 0;
  if (!direct) {
    // zero-stuff and pad (or crop, where the forward conv's padding exceeded the kernel) in one pass
    const P = backend.makeOutput([N, PH, PW, Co], 'float32');
    const src = f32(backend, dy);
    const dst = f32(backend, P);
    dst.fill(0);
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const r = oh * sh + offH;
        if (r < 0 || r >= PH) continue;
        for (let ow = 0; ow < OW; ow++) {
          const c = ow * sw + offW;
          if (c < 0 || c >= PW) continue;
          const s = ((n * OH + oh) * OW + ow) * Co;
          const d = ((n * PH + r) * PW + c) * Co;
          for (let k = 0; k < Co; k++) dst[d + k] = src[s + k];
        }
      }
    }
    convIn = P;
    pad = [[0, 0], [0, 0], [0, 0], [0, 0]];
  }
  const dx = run(Conv2D, backend, { x: convIn, filter: wF }, {
    strides: [1, 1],
    dilations: [dh, dw],
    pad,
    dataFormat: 'NHWC',
  });
  free(backend, wF);
  if (convIn !== dy) free(backend, convIn);
  return dx;
}

/**
 * Identity without a copy: the engine clones every tensor it saves for the backward pass, and WASM's
 * Identity copies the bytes (~60 copies, ~3% of a CNN train step). Tensors are immutable and the
 * backend counts references, so sharing the data is safe; the cpu backend does the same.
 */
function identityShared(args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Registers our kernels on 'wasm' (after @tensorflow/tfjs-backend-wasm has registered its own).
 * Idempotent; returns the names of the kernels of ours now registered.
 */
export function registerWasmKernels(): string[] {
  if (registered !== null) return registered;
  const builtin = tf.getKernel(Conv2DBackpropInput, 'wasm');
  if (builtin !== undefined) {
    builtinBackpropInput = builtin;
    tf.unregisterKernel(Conv2DBackpropInput, 'wasm');
  }
  if (tf.getKernel(Conv2DBackpropFilter, 'wasm') !== undefined) tf.unregisterKernel(Conv2DBackpropFilter, 'wasm');
  tf.registerKernel({
    kernelName: Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: backpropFilter as unknown as KernelFunc,
  });
  if (tf.getKernel(Identity, 'wasm') !== undefined) tf.unregisterKernel(Identity, 'wasm');
  tf.registerKernel({ kernelName: Identity, backendName: 'wasm', kernelFunc: identityShared as unknown as KernelFunc });
  tf.registerKernel({
    kernelName: Conv2DBackpropInput,
    backendName: 'wasm',
    // the built-in we may delegate to binds its WASM export in its setup; keep that running
    setupFunc: builtin?.setupFunc,
    kernelFunc: backpropInput as unknown as KernelFunc,
  });
  // the built-in MaxPoolGrad misroutes all-negative windows; see wasm-maxpool-grad.ts
  registered = [...OUR_WASM_KERNELS, registerWasmMaxPoolGrad()];
  return registered;
}

/**
 * A correct MaxPoolGrad for the WASM backend. tfjs-backend-wasm 4.22's own kernel misroutes the
 * gradient of windows whose values are all negative (e.g. window [-3,-1,-2,-4] → dx 1,0,0,0 instead
 * of 0,1,0,0): about 6% of windows in a tanh net with max-pool; ReLU nets never see it.
 *
 * Semantics are those of the tfjs cpu backend, which is the reference here:
 *   argmax of each window = the first in-bounds cell, in row-major window order, that is strictly
 *   greater than everything before it, starting from −∞. So ties go to the first cell, NaN never
 *   wins, and a window that is all −∞ / NaN / padding routes its gradient nowhere.
 *   dx[cell] = Σ over the windows whose argmax is that cell of dy[window].
 * Computed in JS on the backend's heap views (pooling is memory-bound and cheap next to conv);
 * dx is summed in float64 then rounded once, as cpu does, so results agree bit for bit.
 * NHWC only (the only layout tfjs pooling has); no dilation (MaxPoolGrad's attrs carry none).
 */
import * as tf from '@tensorflow/tfjs';
import { backend_util, MaxPoolGrad, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

type Values = Float32Array | Int32Array | Uint8Array;

/** WASM's own MaxPoolGrad, kept only so tests can show its bug. */
let builtin: KernelConfig | undefined;
let done = false;

function maxPoolGrad(args: { inputs: { dy: TensorInfo; input: TensorInfo; output?: TensorInfo }; backend: BackendWasm; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input: x } = inputs;
  for (const t of [x, dy]) {
    if (t.dtype === 'string' || t.dtype === 'complex64') throw new Error(`${MaxPoolGrad} on wasm: unsupported dtype ${t.dtype}`);
  }
  if (x.shape.length !== 4) throw new Error(`${MaxPoolGrad} on wasm: input must be rank 4 (NHWC), got [${x.shape}]`);
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: KH, filterWidth: KW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  if (dy.shape.join() !== [N, OH, OW, C].join()) {
    throw new Error(`${MaxPoolGrad} on wasm: dy shape [${dy.shape}] does not match the pool output [${[N, OH, OW, C]}]`);
  }

  // allocate before taking heap views: growing WASM memory detaches views taken earlier
  const dx = backend.makeOutput(x.shape, 'float32');
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  const xv = backend.typedArrayFromHeap(x) as Values;
  const dyv = backend.typedArrayFromHeap(dy) as Values;
  out.fill(0);
  // Disjoint windows give each cell at most one term, so float32 += from 0 is already exact;
  // overlapping ones sum in float64 and round once, like cpu.
  const overlap = KH > sh || KW > sw;
  const acc: Float32Array | Float64Array = overlap ? new Float64Array(out.length) : out;

  // One row of windows at a time, running max and argmax per (window, channel): the inner loop
  // runs over channels, contiguous in NHWC, and each x row is read once per window row it meets.
  const rowStride = W * C;
  const span = OW * C;
  const best = new Float64Array(span); // float64 holds int32 inputs exactly too
  const pos = new Int32Array(span);
  for (let n = 0; n < N; n++) {
    const xBase = n * H * rowStride;
    for (let oh = 0; oh < OH; oh++) {
      best.fill(-Infinity);
      pos.fill(-1);
      const r0 = oh * sh - pt;
      const rHi = Math.min(H, r0 + KH);
      // taps in row-major window order per window: r outer, c inner
      for (let r = Math.max(0, r0); r < rHi; r++) {
        const rowAt = xBase + r * rowStride;
        for (let ow = 0; ow < OW; ow++) {
          const c0 = ow * sw - pl;
          const cHi = Math.min(W, c0 + KW);
          const b = ow * C;
          for (let c = Math.max(0, c0); c < cHi; c++) {
            const at = rowAt + c * C;
            for (let d = 0; d < C; d++) {
              const v = xv[at + d]!;
              // strict >: the first of equal maxima wins; NaN and −∞ never win
              if (v > best[b + d]!) {
                best[b + d] = v;
                pos[b + d] = at + d;
              }
            }
          }
        }
      }
      const o = (n * OH + oh) * span;
      for (let j = 0; j < span; j++) {
        const p = pos[j]!;
        if (p >= 0) acc[p] += dyv[o + j]!;
      }
    }
  }
  if (acc !== out) out.set(acc);
  return dx;
}

/**
 * Replaces WASM's MaxPoolGrad with ours (call after @tensorflow/tfjs-backend-wasm registered its
 * kernels, before the backend initialises). Idempotent; returns the kernel name.
 */
export function registerWasmMaxPoolGrad(): string {
  if (done) return MaxPoolGrad;
  builtin = tf.getKernel(MaxPoolGrad, 'wasm');
  if (builtin !== undefined) tf.unregisterKernel(MaxPoolGrad, 'wasm');
  tf.registerKernel({
    kernelName: MaxPoolGrad,
    backendName: 'wasm',
    // keep the built-in's setup (it binds its WASM export) so builtinWasmMaxPoolGrad stays callable
    setupFunc: builtin?.setupFunc,
    kernelFunc: maxPoolGrad as unknown as KernelFunc,
  });
  done = true;
  return MaxPoolGrad;
}

/** WASM's own (buggy) MaxPoolGrad, for tests that document the bug; undefined before registration. */
export function builtinWasmMaxPoolGrad(): KernelConfig | undefined {
  return builtin;
}

/**
 * Architecture as a plan, before any engine: ArchSpec + InputSpec -> per-layer geometry (the
 * pipeline's one statement of conv and pool output sizes), fans, roles and initializer requests,
 * and the validation of arch/input combinations. Loads no tfjs, so suite planning validates and
 * describes nets without the engine; src/model builds the tfjs layers from the same plan.
 */
import type { ArchSpec, BuiltinRunSpec, InputSpec, LayerInit, LayerRole, ModelArchSpec, RunArchSpec, RunSpec } from '../core/types.ts';

export type { BuiltinRunSpec };
import { deriveSeed } from '../core/rng.ts';
import { InputError } from '../core/errors.ts';

/**
 * Batch-norm epsilon of bn{i} (ArchSpec's semantics). theory/ and reference/ keep their own copies as
 * independent truths; test/model.test.ts pins all three equal.
 */
export const BN_EPSILON = 1e-3;

export interface ModelLayerInfo {
  index: number;
  name: string;
  kind: 'conv' | 'dense';
  role: LayerRole;
  /** Keras/PyTorch fans: conv k·k·cin and k·k·cout; dense in and out */
  fanIn: number;
  fanOut: number;
  kernelShape: number[];
  /** spatial size [h, w] of this layer's output (its pre-activation); [1, 1] for the head */
  spatial: [number, number];
  stride: number;
  /** a pool follows act{i} */
  pooled: boolean;
}

/** A model file (src/usermodel) rather than a built-in net. */
export function isModelArch(a: RunArchSpec): a is ModelArchSpec {
  return a.kind === 'model';
}

export function isBuiltinRun(spec: RunSpec): spec is BuiltinRunSpec {
  return spec.arch.kind !== 'model';
}

/** For code that handles built-in nets only: the run itself; a model run reaching it is a bug, said so. */
export function builtinRun(spec: RunSpec): BuiltinRunSpec {
  if (!isBuiltinRun(spec)) throw new Error(`run ${spec.id}: expected a built-in architecture, got the model ${spec.arch.kind === 'model' ? spec.arch.path : ''}`);
  return spec;
}

/** Residual nets have a stem plus (depth−1)/2 blocks of two convs. */
export function residualBlocks(arch: ArchSpec): number {
  return arch.kind === 'residual' || arch.kind === 'residual-bn' ? (arch.depth - 1) / 2 : 0;
}

export function isResidual(arch: ArchSpec): boolean {
  return arch.kind === 'residual' || arch.kind === 'residual-bn';
}

export function hasBn(arch: ArchSpec): boolean {
  return arch.kind === 'batchnorm' || arch.kind === 'residual-bn';
}

/** Role of conv{i} as initializers (Fixup) see it. */
function convRole(arch: ArchSpec, i: number): LayerRole {
  if (!isResidual(arch)) return 'plain';
  if (i === 1) return 'stem';
  return i % 2 === 0 ? 'branch-first' : 'branch-last';
}

/** Conv output size as tfjs computes it: the pipeline's one copy of 'same'/'valid' geometry. */
export function convOutSize(n: number, k: number, stride: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - k) / stride) + 1;
}

/** Output size of pool{i}: 2×2 windows, stride 2, 'valid' (a trailing odd row/column is dropped). */
export function poolOutSize(n: number): number {
  return Math.floor(n / 2);
}

/** Rejects arch/input combinations the semantics do not define; the suite validator should catch these first. */
export function validateArch(arch: ArchSpec, input: InputSpec): void {
  const bad = (msg: string): never => {
    throw new InputError(`arch: ${msg}`, { path: 'arch' });
  };
  if (!Number.isInteger(arch.depth) || arch.depth < 1) bad(`depth must be an integer ≥ 1, got ${arch.depth}`);
  if (!Number.isInteger(arch.width) || arch.width < 1) bad(`width must be an integer ≥ 1, got ${arch.width}`);
  if (!Number.isInteger(arch.kernel) || arch.kernel < 1) bad(`kernel must be an integer ≥ 1, got ${arch.kernel}`);
  if (isResidual(arch)) {
    if (arch.depth < 3 || arch.depth % 2 === 0) bad(`${arch.kind} needs an odd depth ≥ 3, got ${arch.depth}`);
    if (arch.downsample.mode === 'stride' && arch.downsample.at.length > 0) {
      bad('residual nets downsample only by pooling (downsample.mode maxpool|avgpool)');
    }
    for (const at of arch.downsample.at) {
      if (at !== 1 && at % 2 === 0) bad(`residual nets pool only after the stem or a block output (odd layer), got ${at}`);
    }
  }
  for (const at of arch.downsample.at) {
    if (!Number.isInteger(at) || at < 1 || at > arch.depth) bad(`downsample.at entries must be in 1..${arch.depth}, got ${at}`);
  }
  if (arch.head === 'gap-dense' && (!Number.isInteger(arch.classes) || arch.classes < 1)) {
    bad(`classes must be an integer ≥ 1, got ${arch.classes}`);
  }
  // Spatial sizes must stay ≥ 1 through every conv and pool.
  let h = input.height;
  let w = input.width;
  for (const info of planLayers(arch, input)) {
    if (info.kind === 'dense') break;
    if (info.spatial[0] < 1 || info.spatial[1] < 1) bad(`${info.name} output would be empty for a ${input.height}×${input.width} input`);
    h = info.spatial[0];
    w = info.spatial[1];
    if (info.pooled && (h < 2 || w < 2)) bad(`pool${info.index} needs ≥ 2×2 input, got ${h}×${w}`);
  }
}

/** Per-layer description (shapes, fans, roles, spatial sizes) without building anything. */
export function planLayers(arch: ArchSpec, input: InputSpec): ModelLayerInfo[] {
  const out: ModelLayerInfo[] = [];
  const down = new Set(arch.downsample.at);
  let h = input.height;
  let w = input.width;
  let cin = input.channels;
  const k = arch.kernel;
  for (let i = 1; i <= arch.depth; i++) {
    const stride = arch.downsample.mode === 'stride' && down.has(i) ? 2 : 1;
    h = convOutSize(h, k, stride, arch.padding);
    w = convOutSize(w, k, stride, arch.padding);
    const pooled = arch.downsample.mode !== 'stride' && down.has(i);
    out.push({
      index: i,
      name: `conv${i}`,
      kind: 'conv',
      role: convRole(arch, i),
      fanIn: k * k * cin,
      fanOut: k * k * arch.width,
      kernelShape: [k, k, cin, arch.width],
      spatial: [h, w],
      stride,
      pooled,
    });
    if (pooled) {
      h = poolOutSize(h);
      w = poolOutSize(w);
    }
    cin = arch.width;
  }
  if (arch.head === 'gap-dense') {
    out.push({
      index: arch.depth + 1,
      name: 'head',
      kind: 'dense',
      role: 'head',
      fanIn: arch.width,
      fanOut: arch.classes,
      kernelShape: [arch.width, arch.classes],
      spatial: [1, 1],
      stride: 1,
      pooled: false,
    });
  }
  return out;
}

/** A LayerInit for each kernel, seeded deriveSeed(seed, name). */
export function layerInits(arch: ArchSpec, input: InputSpec, seed: number): LayerInit[] {
  const blocks = residualBlocks(arch);
  return planLayers(arch, input).map((l) => ({
    index: l.index,
    name: l.name,
    kind: l.kind,
    shape: l.kernelShape,
    role: l.role,
    residualBlocks: blocks,
    seed: deriveSeed(seed, l.name),
  }));
}

/**
 * The exact Jacobian probe builds J (n × n) from n vector-Jacobian products and takes the eigenvalues of
 * JJᵀ in float64, O(n³) in JS (n = 1024: about 5 s for JJᵀ and its eigenvalues): at most this n.
 */
export const JACOBIAN_EXACT_MAX_DIM = 1024;

/**
 * The map whose Jacobian the probe measures: conv1's post-activation a₁ → conv_L's post-activation a_L,
 * the L − 1 layers D_l·W_l (l = 2..L) of Pennington et al.'s product, square (n = H·W·width both sides)
 * so isometry is possible at all (input → a_L is not: 3 input channels against `width`). It exists for
 * plain nets of depth ≥ 2 whose maps keep their size: no downsampling, 'same' padding or kernel 1.
 * (Batch norm couples the examples of a batch, residual skips bypass the layers: not this map.)
 * Returns n, or what the net lacks.
 */
export function jacobianMap(arch: ArchSpec, input: InputSpec): { dim: number } | { problem: string } {
  if (arch.kind !== 'plain') return { problem: `expected arch "plain" for the Jacobian probe, got "${arch.kind}"` };
  if (arch.depth < 2) return { problem: `expected depth ≥ 2 for the Jacobian probe (it maps conv1's output to conv_L's), got ${arch.depth}` };
  if (arch.downsample.at.length > 0) return { problem: `expected no downsampling for the Jacobian probe (a square map), got downsample.at ${JSON.stringify(arch.downsample.at)}` };
  if (arch.padding !== 'same' && arch.kernel !== 1) return { problem: `expected padding "same" (or kernel 1) for the Jacobian probe (a square map), got "valid" with kernel ${arch.kernel}` };
  return { dim: input.height * input.width * arch.width };
}

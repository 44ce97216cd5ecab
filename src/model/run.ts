/**
 * RunSpec → a built model whose kernels come from our initializer library (src/init), with
 * data-dependent LSUV applied after the build.
 */
import * as tf from '@tensorflow/tfjs';
import type { BuiltinRunSpec } from '../arch/index.ts';
import { deriveSeed } from '../core/rng.ts';
import { isDataDependent, nominalMoments } from '../init/index.ts';
import { applyLsuv, createInitializer, type LsuvStep } from '../init/tfjs.ts';
import { buildModel, type BuiltModel, type NetLayers } from './build.ts';
import { residualBlocks, type ModelLayerInfo } from '../arch/index.ts';

export interface RunModel extends BuiltModel {
  /**
   * Var(W) per layer of `layers` for the theory: the initializer's nominal variance (what its docs
   * promise, for tfjs:*), or, after LSUV, the kernels' actual second moment (LSUV's nominal is the
   * orthonormal start, which its rescale replaces). NaN where the nominal mean is not 0 (`constant`):
   * the theory assumes zero-mean weights, so that layer gets no prediction.
   */
  weightVariances: number[];
  /** LSUV's per-layer report, null for data-independent initializers */
  lsuv: LsuvStep[] | null;
  dispose(): void;
}

export interface BuildRunOptions {
  /**
   * The batch LSUV rescales on. Without it, a data-dependent init draws N(0, inputStd²) noise
   * ([probe.batch or 32, H, W, C], seeded deriveSeed(seed, 'lsuv-batch')), the probe's distribution.
   */
  lsuvBatch?: tf.Tensor4D;
}

/** E[w²] of each layer's kernel as built. */
function kernelSecondMoments(net: NetLayers, layers: ModelLayerInfo[]): number[] {
  return layers.map((l) => {
    const layer = l.kind === 'dense' ? net.head! : net.conv[l.index - 1]!;
    const k = layer.getWeights()[0]!;
    return tf.tidy(() => tf.mean(tf.square(k)).dataSync()[0]!);
  });
}

export async function buildRunModel(spec: BuiltinRunSpec, opts: BuildRunOptions = {}): Promise<RunModel> {
  const built = buildModel({
    arch: spec.arch,
    input: spec.input,
    activation: spec.activation,
    kernelInitializer: (layer) => createInitializer(spec.init, layer, spec.activation),
    seed: spec.seed,
    ...(spec.bias !== undefined ? { bias: spec.bias } : {}),
  });
  const dispose = (): void => {
    // probeModel shares every layer (and so every weight) with model; disposing model frees them.
    built.model.dispose();
  };
  try {
    let lsuv: LsuvStep[] | null = null;
    let weightVariances: number[];
    if (isDataDependent(spec.init)) {
      const own = opts.lsuvBatch === undefined;
      const batch =
        opts.lsuvBatch ??
        (tf.randomNormal(
          [spec.probe?.batch ?? 32, spec.input.height, spec.input.width, spec.input.channels],
          0,
          spec.probe?.inputStd ?? 1,
          'float32',
          deriveSeed(spec.seed, 'lsuv-batch'),
        ) as tf.Tensor4D);
      try {
        lsuv = await applyLsuv(built.model, batch, built.layers.map((l) => l.name), spec.init);
      } finally {
        if (own) batch.dispose();
      }
      weightVariances = kernelSecondMoments(built.net, built.layers);
    } else {
      const blocks = residualBlocks(spec.arch);
      weightVariances = built.layers.map((l) => {
        const m = nominalMoments(spec.init, l.kernelShape, spec.activation, { role: l.role, residualBlocks: blocks });
        // the theory assumes zero-mean weights; a `constant` kernel gets no prediction (NaN → null)
        return m.mean === 0 ? m.variance : NaN;
      });
    }
    return { ...built, weightVariances, lsuv, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

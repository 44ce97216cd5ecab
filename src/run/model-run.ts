/**
 * A run over a user's model (RunSpec.arch.kind 'model'), in a pool worker: the file is read and loaded by
 * src/usermodel (no tfjs-node), checked against the content hash the plan recorded, every conv/dense kernel
 * redrawn by the run's init (usermodel's reinitialize: each layer's fans and following activation, seeds
 * derived from the run seed and the layer name), and probed by usermodel's probe with the suite probe's
 * batch and cotangent seeds. Layers keep their names in the model.
 *
 * Logits: a model that ends in softmax is probed and trained without it (the final Softmax or
 * Activation('softmax') layer is dropped, or the final layer's softmax activation becomes linear), so its
 * output is logits as a built-in net's is, the loss is softmax cross-entropy on them (the numerically stable
 * form; the log of the probabilities would be the same function with worse rounding), and the probe's
 * cotangent enters at the logits.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelArchSpec, ProbeResult, RunSpec } from '../core/types.ts';
import { resolveModelPath } from '../suite/model.ts';
import { readUserTopology, type UserTopology } from '../usermodel/topology.ts';
import { loadUserModel, reinitialize } from '../usermodel/load.ts';
import { probeLoaded, type UserProbeResult } from '../usermodel/probe.ts';
import { cotangentSeed } from '../probe/index.ts';

export type ModelRunSpec = RunSpec & { arch: ModelArchSpec };

export function isModelRun(spec: RunSpec): spec is ModelRunSpec {
  return spec.arch.kind === 'model';
}

/**
 * The topology without a final softmax (see the module comment): the output layer's name when it was a
 * Softmax/Activation layer that was dropped, or the layer whose softmax activation became linear; null when
 * the model already ends in logits.
 */
export function logitsTopology(topo: UserTopology): { topology: UserTopology; stripped: string | null } {
  const last = topo.layers[topo.layers.length - 1]!;
  const mc = topo.modelConfig;
  const layers = mc.config.layers as { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[] }[];
  const isSoftmaxLayer = last.className === 'Softmax' || (last.className === 'Activation' && last.activation === 'softmax');
  if (isSoftmaxLayer && last.inbound.length === 1) {
    const feed = last.inbound[0]!;
    const kept = topo.layers.slice(0, -1);
    const config = { ...mc.config, layers: layers.filter((l) => l.name !== last.name), output_layers: [[feed, 0, 0]] };
    const prev = kept[kept.length - 1]!;
    return {
      topology: { ...topo, layers: kept, outputShape: prev.outputShape, modelConfig: { class_name: mc.class_name, config } },
      stripped: last.name,
    };
  }
  if (last.kind !== 'other' && last.activation === 'softmax') {
    const config = { ...mc.config, layers: layers.map((l) => (l.name === last.name ? { ...l, config: { ...l.config, activation: 'linear' } } : l)) };
    return {
      topology: { ...topo, layers: [...topo.layers.slice(0, -1), { ...last, activation: null }], modelConfig: { class_name: mc.class_name, config } },
      stripped: last.name,
    };
  }
  return { topology: topo, stripped: null };
}

/** A probe in the record's form: the suite probe's fields only (usermodel's extras stay out of runs.jsonl). */
function asProbeResult(r: UserProbeResult): ProbeResult {
  return {
    step: r.step,
    input: r.input,
    cotangent: r.cotangent,
    layers: r.layers.map((l) => ({
      index: l.index,
      name: l.name,
      kind: l.kind,
      fanIn: l.fanIn,
      fanOut: l.fanOut,
      spatial: l.spatial,
      pre: l.pre,
      post: l.post,
      deadFraction: l.deadFraction,
      saturatedFraction: l.saturatedFraction,
      gradPre: l.gradPre,
      gradWeight: l.gradWeight,
      theory: l.theory,
      ...(l.signal !== undefined ? { signal: l.signal } : {}),
    })),
    summary: r.summary,
  };
}

export interface LoadedModelRun {
  /** outputs logits */
  model: tf.LayersModel;
  topology: UserTopology;
  /** the layer whose softmax was dropped, or null */
  strippedSoftmax: string | null;
  /** the kernels the run's init redrew */
  reinitialized: string[];
  probe(batch: tf.Tensor4D, step: number): ProbeResult;
  dispose(): void;
}

/**
 * Loads the model of `spec` (its path resolved against `suiteDir`, the suite file's directory), checks it is
 * the file that was planned, and re-initializes it by the run's init.
 */
export async function loadModelRun(spec: ModelRunSpec, suiteDir: string): Promise<LoadedModelRun> {
  const file = resolveModelPath(spec.arch.path, suiteDir);
  const read = readUserTopology(file);
  if (read.contentHash !== spec.arch.hash) {
    throw new Error(
      `${file}: the model (or its weights) changed since the suite was planned (sha256 ${spec.arch.hash.slice(0, 12)} planned, ${read.contentHash.slice(0, 12)} now); run the suite again to plan the new file's runs`,
    );
  }
  const { topology, stripped } = logitsTopology(read);
  const model = await loadUserModel(topology, spec.seed);
  try {
    const reinitialized = reinitialize(model, topology, { all: spec.init }, spec.seed);
    const source = spec.probe?.source ?? 'gaussian';
    return {
      model,
      topology,
      strippedSoftmax: stripped,
      reinitialized,
      probe: (batch, step) =>
        asProbeResult(
          probeLoaded({
            model,
            topology,
            x: batch,
            cotangentSeed: cotangentSeed(spec, step),
            source,
            // the theory's input E[x²]: nominal for noise, the batch's own for data (as the suite probe)
            ...(source === 'gaussian' ? { inputM2: (spec.probe?.inputStd ?? 1) ** 2 } : {}),
            seed: spec.seed,
            reinitialized,
            step,
          }),
        ),
      dispose: () => model.dispose(),
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

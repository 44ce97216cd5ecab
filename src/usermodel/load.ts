/**
 * A user's model file → a tfjs LayersModel, without tfjs-node: model.json and its shards are read with
 * fs and handed to tf.loadLayersModel through tf.io.fromMemory, the topology in tfjs's own form (see
 * topology.ts, which also rewrites Keras 3 configs). A topology-only file is built with the
 * initializers it declares, each seeded from `seed` and the layer's name (tfjs reads a null or 0 seed
 * as "random", so the same file and seed always draw the same weights).
 *
 * Re-initialization (`--init NAME`, `--init-map layer=NAME`): each conv/dense kernel is redrawn with one
 * of initbench's initializers or a tfjs built-in through src/init's registry, with the layer's own
 * fans and the gain of the activation that follows it.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName, ActivationSpec, InitSpec, LayerInit } from '../core/types.ts';
import { InputError } from '../core/errors.ts';
import { deriveSeed } from '../core/rng.ts';
import { ACTIVATION_NAMES } from '../init/index.ts';
import { createInitializer } from '../init/tfjs.ts';
import { readFileSync } from 'node:fs';
import { headLayers, overrideTargets, readUserTopology, type InitOverride, type UserLayerInfo, type UserTopology } from './topology.ts';

export type { InitOverride } from './topology.ts';

const SEEDED = new Set(['VarianceScaling', 'GlorotNormal', 'GlorotUniform', 'HeNormal', 'HeUniform', 'LeCunNormal', 'LeCunUniform', 'RandomNormal', 'RandomUniform', 'TruncatedNormal', 'Orthogonal']);

/** Every seed-taking initializer in a layer config gets a non-zero seed derived from `seed` and the layer. */
function seedInitializers(config: Record<string, unknown>, seed: number, layer: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const [k, v] of Object.entries(config)) {
    if (!k.endsWith('_initializer') || v === null || typeof v !== 'object') continue;
    const init = v as { class_name: string; config?: Record<string, unknown> };
    if (!SEEDED.has(init.class_name)) continue;
    const s = init.config?.seed;
    if (typeof s === 'number' && s !== 0) continue;
    out[k] = { class_name: init.class_name, config: { ...(init.config ?? {}), seed: deriveSeed(seed, 'usermodel-init', layer, k) } };
  }
  return out;
}

/** The weight shards concatenated in manifest order: the layout tf.io.fromMemory expects. */
function weightBytes(topo: UserTopology): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } | null {
  if (topo.weights === null) return null;
  const parts = topo.weights.files.map((f) => readFileSync(f));
  const total = parts.reduce((a, b) => a + b.length, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { specs: topo.weights.manifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[], data: data.buffer };
}

/**
 * Loads the model at `source` (a path or what readUserTopology returned). `seed` (non-zero) seeds the
 * declared initializers of a topology-only file; files with weights load them as saved.
 */
export async function loadUserModel(source: string | UserTopology, seed = 1): Promise<tf.LayersModel> {
  const topo = typeof source === 'string' ? readUserTopology(source) : source;
  const mc = topo.modelConfig;
  const layers = (mc.config.layers as { name: string; config: Record<string, unknown> }[]).map((l) => ({
    ...l,
    config: topo.hasWeights ? l.config : seedInitializers(l.config, seed, l.name),
  }));
  const modelTopology = { class_name: mc.class_name, config: { ...mc.config, layers } };
  const w = weightBytes(topo);
  const handler = tf.io.fromMemory(
    w === null ? { modelTopology } : { modelTopology, weightSpecs: w.specs, weightData: w.data, format: 'layers-model' },
  );
  try {
    return await tf.loadLayersModel(handler, { strict: true });
  } catch (e) {
    // tfjs names the weight or config it could not match; keep its words, name the file
    throw new InputError(`${topo.file}: tfjs could not build the model: ${(e as Error).message.split('\n')[0]}`, { file: topo.file });
  }
}

/** The run-activation a layer's initializer takes its gain from: the activation after it, when initbench knows it. */
export function layerActivation(l: UserLayerInfo): ActivationSpec {
  const name = l.activation;
  if (name !== null && (ACTIVATION_NAMES as readonly string[]).includes(name)) {
    return l.activationAlpha !== null ? { name: name as ActivationName, alpha: l.activationAlpha } : { name: name as ActivationName };
  }
  return { name: 'linear' };
}

/** The tfjs layer's variable whose name ends with `/${suffix}`. */
function variable(model: tf.LayersModel, layer: string, suffix: string): tf.LayerVariable {
  const v = model.getLayer(layer).weights.find((w) => w.originalName.endsWith(`/${suffix}`));
  if (v === undefined) throw new Error(`layer ${layer} has no ${suffix}`);
  return v;
}

/**
 * Draws one kernel. A depthwise kernel [kh,kw,cin,m] is drawn as [kh,kw,1,cin·m] and reshaped: each
 * output channel sees kh·kw inputs, and that is the fan-in its variance must divide by.
 */
function drawKernel(spec: InitSpec, info: LayerInit, act: ActivationSpec, depthwise: boolean): tf.Tensor {
  const shape = info.shape;
  const drawShape = depthwise ? [shape[0]!, shape[1]!, 1, shape[2]! * shape[3]!] : shape;
  const init = createInitializer(spec, { ...info, shape: drawShape }, act);
  return tf.tidy(() => tf.reshape(init.apply(drawShape, 'float32'), shape));
}

/**
 * Redraws the kernels `override` names (biases are left as they are) with seeds derived from `seed`
 * and each layer's name. Returns the layers it redrew.
 */
export function reinitialize(model: tf.LayersModel, topo: UserTopology, override: InitOverride, seed: number): string[] {
  const targets = overrideTargets(topo, override);
  const heads = headLayers(topo);
  targets.forEach(({ layer: l, spec }, index) => {
    const act = layerActivation(l);
    const role = heads.has(l.name) ? 'head' : 'plain';
    const base: LayerInit = { index: index + 1, name: l.name, kind: l.kind === 'dense' ? 'dense' : 'conv', shape: l.kernelShape!, role, residualBlocks: 0, seed: deriveSeed(seed, 'usermodel-reinit', l.name) };
    const isDepthwise = l.className !== 'Conv2D' && l.className !== 'Dense';
    const kernelName = isDepthwise ? 'depthwise_kernel' : 'kernel';
    // a separable conv's depthwise half is linear: the activation's gain belongs to its pointwise half
    const k = drawKernel(spec, base, l.pointwise !== null ? { name: 'linear' } : act, isDepthwise);
    variable(model, l.name, kernelName).write(k);
    k.dispose();
    if (l.pointwise !== null) {
      const p = drawKernel(spec, { ...base, shape: l.pointwise.kernelShape, seed: deriveSeed(seed, 'usermodel-reinit', l.name, 'pointwise') }, act, false);
      variable(model, l.name, 'pointwise_kernel').write(p);
      p.dispose();
    }
  });
  return targets.map((t) => t.layer.name);
}

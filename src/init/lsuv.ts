/**
 * LSUV (Mishkin & Matas 2016, "All you need is a good init"): start from orthonormal kernels, then, layer
 * by layer in forward order, run the data batch through the net and divide the layer's kernel by the
 * std of the layer's output until |std − 1| < tol (or maxIter passes). The std is over every entry of
 * the named layer's output tensor — for src/model's conv{i}, the conv output before bn/activation.
 * Biases are left alone (they start at zero in src/model).
 */
import * as tf from '@tensorflow/tfjs';
import type { InitSpec } from '../core/types.ts';
import { InputError } from '../core/errors.ts';
import { LSUV_DEFAULTS } from './registry.ts';

export interface LsuvStep {
  layer: string;
  /** rescale passes done (0 when the std was already within tol) */
  iterations: number;
  /** std of the layer's output after the last pass */
  std: number;
}

function outputStd(model: tf.LayersModel, layer: tf.layers.Layer, batch: tf.Tensor): number {
  const probe = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
  const std = tf.tidy(() => {
    const y = probe.predict(batch) as tf.Tensor;
    return tf.moments(y).variance.sqrt().dataSync()[0]!;
  });
  return std;
}

export async function applyLsuv(model: tf.LayersModel, batch: tf.Tensor, layerNames: string[], spec: InitSpec): Promise<LsuvStep[]> {
  const tol = spec.tol ?? LSUV_DEFAULTS.tol;
  const maxIter = spec.maxIter ?? LSUV_DEFAULTS.maxIter;
  const out: LsuvStep[] = [];
  for (const name of layerNames) {
    let layer: tf.layers.Layer;
    try {
      layer = model.getLayer(name);
    } catch {
      throw new InputError(`lsuv: the model has no layer ${JSON.stringify(name)}`);
    }
    const weights = layer.getWeights();
    if (weights.length === 0) throw new InputError(`lsuv: layer ${JSON.stringify(name)} has no kernel`);
    let std = outputStd(model, layer, batch);
    let iterations = 0;
    while (Math.abs(std - 1) >= tol && iterations < maxIter) {
      if (!(std > 0) || !Number.isFinite(std)) break; // a dead or exploded layer cannot be rescaled
      const current = layer.getWeights();
      const scaled = tf.tidy(() => current[0]!.div(std));
      layer.setWeights([scaled, ...current.slice(1)]);
      scaled.dispose();
      iterations++;
      std = outputStd(model, layer, batch);
    }
    out.push({ layer: name, iterations, std });
    await tf.nextFrame();
  }
  return out;
}

// Writes the example models under examples/models/ (`npx tsx scripts/example-models.ts`; `--check` compares
// instead of writing and exits 1 on a difference, which test/example-models.test.ts runs):
//   vgg-plain/      a VGG-style plain net (9 convs in 3 blocks, GAP, dense) in tfjs Layers format
//   resnet-small/   a small ResNet (stem, 3 stages of one basic block, BN, projection shortcuts)
//   keras-converted/  a Keras 2 Sequential in the layers format tensorflowjs_converter writes (see its README)
// Every kernel uses the initializer tfjs (or Keras) applies when none is given, glorotNormal in tfjs and
// GlorotUniform in Keras, each with an explicit seed, so the files are the same bytes on every run and backend
// (tfjs draws random numbers in JS) and `initbench probe --model` has the tfjs default to diagnose.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { buildKerasFixture } from './keras-fixture.ts';

const root = fileURLToPath(new URL('../examples/models/', import.meta.url));
/** Seed of the k-th kernel drawn (1-based), explicit and non-zero so tfjs never draws at random. */
const SEED0 = 20260;

function convLayer(name: string, filters: number, seed: number, strides = 1, activation: 'relu' | 'linear' = 'relu', kernelSize = 3): tf.layers.Layer {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize,
    strides,
    padding: 'same',
    activation,
    kernelInitializer: tf.initializers.glorotNormal({ seed }),
  });
}

/** 32×32×3 → [conv×3 → maxpool] × 3 (16, 32, 64 channels) → GAP → dense(10) logits. */
function vggPlain(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3], name: 'input' });
  let h: tf.SymbolicTensor = input;
  let seed = SEED0;
  [16, 32, 64].forEach((filters, b) => {
    for (let c = 1; c <= 3; c++) h = convLayer(`block${b + 1}_conv${c}`, filters, ++seed).apply(h) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ name: `block${b + 1}_pool`, poolSize: 2, strides: 2 }).apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ name: 'logits', units: 10, kernelInitializer: tf.initializers.glorotNormal({ seed: ++seed }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'vgg_plain' });
}

/**
 * 32×32×3 → stem conv16 → BN → ReLU → 3 stages (16, 32, 64 channels; stages 2 and 3 stride 2 with a 1×1
 * projection shortcut) of one basic block conv-BN-ReLU-conv-BN, add, ReLU → GAP → dense(10) logits.
 */
function resnetSmall(): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3], name: 'input' });
  let seed = SEED0 + 100;
  const bn = (name: string) => tf.layers.batchNormalization({ name, axis: -1 });
  const relu = (name: string) => tf.layers.activation({ name, activation: 'relu' });
  const ap = (l: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => l.apply(x) as tf.SymbolicTensor;
  let h = ap(relu('stem_relu'), ap(bn('stem_bn'), ap(convLayer('stem_conv', 16, ++seed, 1, 'linear'), input)));
  [16, 32, 64].forEach((filters, s) => {
    const p = `stage${s + 1}_block1`;
    const stride = s === 0 ? 1 : 2;
    let y = ap(relu(`${p}_relu1`), ap(bn(`${p}_bn1`), ap(convLayer(`${p}_conv1`, filters, ++seed, stride, 'linear'), h)));
    y = ap(bn(`${p}_bn2`), ap(convLayer(`${p}_conv2`, filters, ++seed, 1, 'linear'), y));
    const shortcut = stride === 1 ? h : ap(bn(`${p}_proj_bn`), ap(convLayer(`${p}_proj`, filters, ++seed, stride, 'linear', 1), h));
    h = ap(relu(`${p}_out`), ap(tf.layers.add({ name: `${p}_add` }), [shortcut, y]));
  });
  h = ap(tf.layers.globalAveragePooling2d({ name: 'gap' }), h);
  const logits = ap(tf.layers.dense({ name: 'logits', units: 10, kernelInitializer: tf.initializers.glorotNormal({ seed: ++seed }) }), h);
  return tf.model({ inputs: input, outputs: logits, name: 'resnet_small' });
}

/** The model.json + weights.bin that tfjs-node's `model.save('file://DIR')` writes, as bytes. */
async function layersFiles(model: tf.LayersModel): Promise<Map<string, Buffer>> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts as tf.io.ModelArtifacts | null;
  if (a === null || a.weightData === undefined || a.weightSpecs === undefined) throw new Error('model.save gave no weights');
  const weights = Buffer.from(tf.io.CompositeArrayBuffer.join(a.weightData));
  // tfjs-node's file handler: these keys in this order, one weights file
  const json = {
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
  };
  return new Map([
    ['model.json', Buffer.from(JSON.stringify(json))],
    ['weights.bin', weights],
  ]);
}

export async function exampleFiles(): Promise<Map<string, Buffer>> {
  // tfjs's console advice (install tfjs-node) stays out of the output, as in src/backend
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  const out = new Map<string, Buffer>();
  for (const [dir, make] of [['vgg-plain', vggPlain], ['resnet-small', resnetSmall]] as const) {
    const model = make();
    try {
      for (const [f, b] of await layersFiles(model)) out.set(`${dir}/${f}`, b);
    } finally {
      model.dispose();
    }
  }
  for (const [f, b] of buildKerasFixture()) out.set(`keras-converted/${f}`, b);
  return out;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const files = await exampleFiles();
  let stale = 0;
  for (const [rel, bytes] of files) {
    const file = path.join(root, rel);
    const same = fs.existsSync(file) && fs.readFileSync(file).equals(bytes);
    if (same) continue;
    if (check) {
      process.stderr.write(`examples/models/${rel} differs from what scripts/example-models.ts writes\n`);
      stale++;
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      process.stdout.write(`wrote examples/models/${rel} (${bytes.length} bytes)\n`);
    }
  }
  if (stale > 0) process.exit(1);
}

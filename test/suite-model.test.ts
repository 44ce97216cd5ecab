// Suites over a model file ("arch": {"kind": "model", "path"}): planning (the path is relative to the suite
// file, the content hash is in the run ids, shape and file problems are one line naming the suite file and JSON
// path), a tiny model suite through the runner (probe, a few training steps, probes during training; layers by
// their names in the model), the worker's logits and re-initialization, and the report's layer names.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import { InputError } from '../src/core/errors.ts';
import type { ModelArchSpec, RunRecord } from '../src/core/types.ts';
import { loadSuite } from '../src/suite/index.ts';
import { readResults } from '../src/results/index.ts';
import { runSuite } from '../src/run/runner.ts';
import { executeRun } from '../src/run/execute.ts';
import { loadModelRun, logitsTopology, type ModelRunSpec } from '../src/run/model-run.ts';
import { readUserTopology } from '../src/usermodel/topology.ts';
import { loadUserModel } from '../src/usermodel/load.ts';
import { layerRows } from '../src/report/rows.ts';
import { writeReport } from '../src/report/index.ts';
import { saveLayersModel } from './fixtures/save-model.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-model-suite-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const save = saveLayersModel;

/** 8×8×3 → conv c1 (4, relu) → conv c2 (4, relu) → GAP → dense `out` (3, softmax). */
function tinyNet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'img' });
  const c1 = tf.layers.conv2d({ name: 'c1', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }).apply(input);
  const c2 = tf.layers.conv2d({ name: 'c2', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }).apply(c1);
  const g = tf.layers.globalAveragePooling2d({ name: 'g' }).apply(c2);
  const out = tf.layers.dense({ name: 'out', units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }) }).apply(g) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** suite dir: root/suites/NAME.json; the model: root/models/tiny/model.json, so the suite says ../models/tiny/model.json */
function writeSuite(name: string, body: Record<string, unknown>): string {
  const file = path.join(root, 'suites', `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ name, description: 'model suite test', seed: 11, ...body }));
  return file;
}

const MODEL_ARCH = { kind: 'model', path: '../models/tiny/model.json' };
const TRAIN = { data: { kind: 'synthetic', classes: 3, trainSize: 64, testSize: 32 }, train: { steps: 3, evalEvery: 1, batchSize: 8, lr: 0.05 } };

function planError(file: string): string {
  try {
    loadSuite(file);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected a planning error');
}

let modelFile: string;
beforeAll(async () => {
  await readyBackend('cpu');
  const m = tinyNet();
  modelFile = await save(m, path.join(root, 'models', 'tiny'));
  m.dispose();
});

describe('planning a model suite', () => {
  it('resolves the path against the suite file, not the working directory; records it as written (normalized) with the hash', () => {
    // the suite lies in root/suites; the working directory (the repo) holds no models/tiny
    expect(fs.existsSync('models/tiny/model.json')).toBe(false);
    const file = writeSuite('paths', { defaults: { probe: { batch: 4 } }, matrix: { arch: [{ kind: 'model', path: './../models/./tiny/model.json' }] } });
    const [run] = loadSuite(file).plan.runs;
    const arch = run!.arch as ModelArchSpec;
    const bytes = Buffer.concat([fs.readFileSync(modelFile), fs.readFileSync(path.join(root, 'models', 'tiny', 'weights.bin'))]);
    expect(arch).toEqual({
      kind: 'model',
      path: '../models/tiny/model.json',
      hash: createHash('sha256').update(bytes).digest('hex'),
      inputShape: [8, 8, 3],
      outputShape: [3],
      depth: 2,
    });
    // the run's input is the model's; the activation most of its hidden kernels feed
    expect(run!.input).toEqual({ height: 8, width: 8, channels: 3 });
    expect(run!.activation).toEqual({ name: 'relu' });
  });

  it("a changed weight file changes the hash and every run id; the same bytes elsewhere keep the hash", () => {
    const copy = path.join(root, 'models', 'copy');
    fs.cpSync(path.join(root, 'models', 'tiny'), copy, { recursive: true });
    const suite = (p: string) => writeSuite('ids', { defaults: { probe: { batch: 4 } }, matrix: { arch: [{ kind: 'model', path: p }], init: ['he-normal', 'tfjs:default'] } });
    const a = loadSuite(suite('../models/copy/model.json')).plan.runs;
    const b = loadSuite(suite('../models/tiny/model.json')).plan.runs;
    expect(a.map((r) => (r.arch as ModelArchSpec).hash)).toEqual(b.map((r) => (r.arch as ModelArchSpec).hash));
    const w = path.join(copy, 'weights.bin');
    const bytes = fs.readFileSync(w);
    bytes[0] = bytes[0]! ^ 1;
    fs.writeFileSync(w, bytes);
    const c = loadSuite(suite('../models/copy/model.json')).plan.runs;
    expect(c).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      expect((c[i]!.arch as ModelArchSpec).hash).not.toBe((a[i]!.arch as ModelArchSpec).hash);
      expect(c[i]!.id).not.toBe(a[i]!.id);
    }
  });

  it("the suite's input against the model's: both shapes, the suite file, the JSON path and the model file", () => {
    const file = writeSuite('shape', { defaults: { arch: MODEL_ARCH, input: { height: 16, width: 16 } }, matrix: { init: ['he-normal'] } });
    const msg = planError(file);
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toContain(`${file}: defaults.input: expected the model's input shape 8×8×3`);
    expect(msg).toContain('got 16×16×3');
    expect(msg).toContain('models/tiny/model.json');
  });

  it("cifar10's 32×32×3 against an 8×8×3 model, and a 3-output model on 10-class data", () => {
    const cifar = planError(writeSuite('cifar', { defaults: { arch: MODEL_ARCH, data: { kind: 'cifar10' } }, matrix: { init: ['he-normal'] } }));
    expect(cifar).toMatch(/cifar\.json: defaults\.arch\.path: expected a model taking the cifar10 data's 32×32×3 images, got .*models\/tiny\/model\.json taking 8×8×3/);
    const classes = planError(writeSuite('classes', { defaults: { arch: MODEL_ARCH, ...TRAIN, data: { kind: 'synthetic', classes: 10 } }, matrix: { init: ['he-normal'] } }));
    expect(classes).toMatch(/classes\.json: defaults\.arch\.path: expected a model whose output is \[10\] .* got .*models\/tiny\/model\.json with output \[3\]/);
  });

  it('a missing model file, a graph model and an unsupported layer: the suite file, the JSON path and the model file (and layer)', () => {
    const missing = planError(writeSuite('missing', { matrix: { arch: [{ kind: 'model', path: '../models/nope/model.json' }] } }));
    expect(missing).toMatch(/missing\.json: matrix\.arch\[0\]\.path: .*models\/nope\/model\.json: model file not found/);

    const graphDir = path.join(root, 'models', 'graph');
    fs.mkdirSync(graphDir, { recursive: true });
    fs.writeFileSync(path.join(graphDir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    const graph = planError(writeSuite('graph', { matrix: { arch: [{ kind: 'model', path: '../models/graph/model.json' }] } }));
    expect(graph).toMatch(/graph\.json: matrix\.arch\[0\]\.path: .*models\/graph\/model\.json: this is a tfjs graph model/);

    const json = JSON.parse(fs.readFileSync(modelFile, 'utf8'));
    json.modelTopology.config.layers[2].class_name = 'Conv3D';
    const badDir = path.join(root, 'models', 'conv3d');
    fs.mkdirSync(badDir, { recursive: true });
    fs.copyFileSync(path.join(root, 'models', 'tiny', 'weights.bin'), path.join(badDir, 'weights.bin'));
    fs.writeFileSync(path.join(badDir, 'model.json'), JSON.stringify(json));
    const bad = planError(writeSuite('conv3d', { defaults: { arch: { kind: 'model', path: '../models/conv3d/model.json' } }, matrix: { init: ['he-normal'] } }));
    expect(bad).toMatch(/conv3d\.json: defaults\.arch\.path: .*models\/conv3d\/model\.json: layer "c2" \(class Conv3D\) is not supported/);
  });

  it('lsuv and fixup need initbench\'s own nets: a planning error at the init', () => {
    const msg = planError(writeSuite('lsuv', { defaults: { arch: MODEL_ARCH }, matrix: { init: ['he-normal', 'lsuv'] } }));
    expect(msg).toMatch(/lsuv\.json: matrix\.init\[1\]: expected an initializer that draws each kernel on its own for a model arch, got "lsuv"/);
  });

  it("the correlation and Jacobian probes are the built-in nets' (a model run has no such map): planning errors", () => {
    const msg = planError(writeSuite('probes', { defaults: { arch: MODEL_ARCH, probe: { correlation: {}, jacobian: { method: 'projection' } } }, matrix: { init: ['he-normal'] } }));
    expect(msg).toContain('probes.json: defaults.probe.jacobian: expected a built-in plain net for the Jacobian probe, got a model file');
    expect(msg).toContain('probes.json: defaults.probe.correlation: expected a built-in net for the correlation probe, got a model file');
  });

  it('the schema says what an arch may be', () => {
    const msg = planError(writeSuite('schema', { matrix: { arch: [{ kind: 'model' }] } }));
    expect(msg).toContain('matrix.arch[0].path: expected a non-empty string, got nothing');
  });
});

describe('a tiny model suite through the runner', () => {
  let records: RunRecord[];
  let out: string;
  beforeAll(async () => {
    const file = writeSuite('tiny-model', {
      seeds: 2,
      defaults: { arch: MODEL_ARCH, probe: { batch: 4, atSteps: [2] }, ...TRAIN },
      matrix: { init: ['he-normal', 'tfjs:default'] },
    });
    out = path.join(root, 'out');
    const res = await runSuite(loadSuite(file), { out, shard: null, resume: true, jobs: 2, backend: 'cpu', dataDir: 'data', progress: 'silent' });
    expect(res.counts.failed).toBe(0);
    records = (await readResults(out)).records;
  });

  it('every run probed its kernels by their names in the model, at init and at step 2, and trained 3 steps', () => {
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(['ok', 'stalled']).toContain(r.status);
      expect(r.probe!.layers.map((l) => l.name)).toEqual(['c1', 'c2', 'out']);
      expect(r.probe!.layers.map((l) => [l.kind, l.fanIn, l.fanOut])).toEqual([['conv', 27, 36], ['conv', 36, 36], ['dense', 4, 3]]);
      expect(r.train!.stepsDone).toBe(3);
      expect(r.train!.probes.map((p) => p.step)).toEqual([2]);
      expect(r.train!.paramNames).toEqual(['c1/kernel', 'c1/bias', 'c2/kernel', 'c2/bias', 'out/kernel', 'out/bias']);
      // the probe's top is the logits (softmax dropped): a unit-Gaussian cotangent there gives Var(∂/∂logits) ≈ 1
      const top = r.probe!.layers.at(-1)!;
      expect(top.gradPre.variance).toBeGreaterThan(0.2);
    }
  });

  it('the report labels the per-layer rows and the chart axis by the model\'s layer names', async () => {
    const rows = layerRows(records, 'preVariance', { log: true }).rows;
    expect([...new Set(rows.map((r) => r.name))]).toEqual(['c1', 'c2', 'out']);
    const res = await writeReport(out);
    const html = fs.readFileSync(res.html, 'utf8');
    expect(html).toContain('layer (its name in the model)');
    expect(html).toContain('[\\"\\",\\"c1\\",\\"c2\\",\\"out\\"][datum.value]');
  });
});

describe('the worker over a model', () => {
  it('drops a final softmax (logits out: their softmax is the file\'s output) and redraws every kernel by the run\'s init, seeded', async () => {
    const topo = readUserTopology(modelFile);
    const { topology, stripped } = logitsTopology(topo);
    expect(stripped).toBe('out');
    const original = await loadUserModel(topo);
    const logits = await loadUserModel(topology);
    const x = tf.randomNormal([5, 8, 8, 3], 0, 1, 'float32', 9);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.softmax(logits.predict(x) as tf.Tensor), original.predict(x) as tf.Tensor))).dataSync()[0]!);
    expect(diff).toBeLessThanOrEqual(1e-6);
    x.dispose();
    original.dispose();
    logits.dispose();

    const spec = loadSuite(writeSuite('worker', { defaults: { arch: MODEL_ARCH, probe: { batch: 4 } }, matrix: { init: ['orthogonal'] } })).plan.runs[0] as ModelRunSpec;
    const before = tf.memory().numTensors;
    const a = await loadModelRun(spec, path.join(root, 'suites'));
    const b = await loadModelRun(spec, path.join(root, 'suites'));
    try {
      expect(a.reinitialized).toEqual(['c1', 'c2', 'out']);
      const k = (m: tf.LayersModel, n: string) => Array.from(m.getLayer(n).getWeights()[0]!.dataSync());
      const file = await loadUserModel(topo);
      for (const n of ['c1', 'c2', 'out']) {
        expect(k(a.model, n)).toEqual(k(b.model, n));
        expect(k(a.model, n)).not.toEqual(k(file, n));
      }
      file.dispose();
      // orthogonal (ReLU gain √2) on a [in, out] = [4, 3] dense head with gain 1: WᵀW = I₃ up to float32
      const w = tf.tensor2d(k(a.model, 'out'), [4, 3]);
      const gram = tf.tidy(() => tf.matMul(w, w, true, false).arraySync() as number[][]);
      w.dispose();
      gram.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - (i === j ? 1 : 0))).toBeLessThanOrEqual(1e-5)));
    } finally {
      a.dispose();
      b.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a model file changed after planning fails the run with both hashes; no tensor is left behind', async () => {
    const dir = path.join(root, 'models', 'changing');
    fs.cpSync(path.join(root, 'models', 'tiny'), dir, { recursive: true });
    const spec = loadSuite(writeSuite('changing', { defaults: { arch: { kind: 'model', path: '../models/changing/model.json' }, probe: { batch: 4 } }, matrix: { init: ['he-normal'] } })).plan.runs[0]!;
    const w = path.join(dir, 'weights.bin');
    const bytes = fs.readFileSync(w);
    bytes[4] = bytes[4]! ^ 1;
    fs.writeFileSync(w, bytes);
    const before = tf.memory().numTensors;
    const r = await executeRun(spec, { name: 'cpu' }, { suiteHash: 'h', dataDir: 'data', suiteDir: path.join(root, 'suites') });
    expect(r.status).toBe('failed');
    if (r.status === 'failed') expect(r.error.message).toMatch(/changed since the suite was planned \(sha256 [0-9a-f]{12} planned, [0-9a-f]{12} now\)/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

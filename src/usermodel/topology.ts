/**
 * A user's tfjs Layers model file → what initbench needs to plan, probe and diagnose it, without tfjs:
 * the format, the layer graph in topological order, every layer's output shape, the fans of each
 * conv/dense kernel, the activation that follows it, its declared initializer, and a content hash.
 *
 * Reads three shapes of JSON:
 *  - tfjs `model.save()` / `tf.io.withSaveHandler` artifacts: `{ modelTopology: model.toJSON(),
 *    weightsManifest, format: 'layers-model', … }` ('tfjs-layers');
 *  - tfjs-converter's Keras output: `modelTopology: { keras_version, backend, model_config }` with
 *    Keras 2 (`inbound_nodes: [[[name, node, tensor, kwargs]]]`) or Keras 3 (`inbound_nodes: [{ args:
 *    [__keras_tensor__ …] }]`, `batch_shape`, `module`/`registered_name`, DTypePolicy) layer configs
 *    ('keras-converted');
 *  - a bare topology: `model.toJSON()` / Keras `model.to_json()`, or `{ model_config }` ('topology-only').
 *
 * `modelConfig` is the topology rewritten in the tfjs form (`Model`/`Sequential`, tfjs inbound nodes,
 * `batch_input_shape`, string dtypes), so load.ts can hand it to tf.loadLayersModel whatever wrote it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { InitSpec } from '../core/types.ts';
import { InputError } from '../core/errors.ts';
import { isDataDependent } from '../init/index.ts';

export type UserModelFormat = 'tfjs-layers' | 'keras-converted' | 'topology-only';

export interface UserLayerInfo {
  name: string;
  className: string;
  kind: 'conv' | 'dense' | 'other';
  /** conv [kh,kw,cin,cout], depthwise/separable's depthwise [kh,kw,cin,multiplier], dense [in,out] */
  kernelShape: number[] | null;
  /** the fans the variance arithmetic needs: a depthwise kernel's fan-in is kh·kw (one input channel) */
  fanIn: number | null;
  fanOut: number | null;
  /** the activation that follows (its own, or the next Activation/ReLU/LeakyReLU/ELU/Softmax layer after BN/Dropout); null = identity */
  activation: string | null;
  /** LeakyReLU's slope / ELU's alpha when `activation` is one of them */
  activationAlpha: number | null;
  kernelInitializer: { className: string; config: Record<string, unknown> } | null;
  /** SeparableConv2D's second kernel [1,1,cin·multiplier,filters] */
  pointwise: { kernelShape: number[]; fanIn: number; fanOut: number; initializer: { className: string; config: Record<string, unknown> } | null } | null;
  /** names of the layers feeding this one, in call order (empty for the input) */
  inbound: string[];
  /** without the batch dimension */
  outputShape: number[];
  /** a BatchNormalization follows the kernel before the activation */
  bnAfter: string | null;
  /** the layer that applies `activation`: this one, or the Activation/ReLU/… layer after it; null when none */
  activationLayer: string | null;
  /** conv and pool layers: their window geometry (null elsewhere) */
  window: { kernel: [number, number]; strides: [number, number]; dilation: [number, number]; padding: 'same' | 'valid' } | null;
}

export interface UserTopology {
  file: string;
  format: UserModelFormat;
  hasWeights: boolean;
  /** without batch, e.g. [32,32,3] */
  inputShape: number[];
  outputShape: number[];
  /** sha256 over model.json's bytes and then each weight file's bytes, in manifest order */
  contentHash: string;
  /** every layer, the input first, in topological order */
  layers: UserLayerInfo[];
  /** the topology in tfjs's own form (class_name 'Sequential' or 'Model'), for tf.loadLayersModel */
  modelConfig: { class_name: string; config: Record<string, unknown> };
  /** the weights manifest with absolute shard paths, or null for a topology-only file */
  weights: { manifest: WeightGroup[]; files: string[] } | null;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}
export interface WeightGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** Layers the loader, the probe's forward pass and its gradients handle (issue 14). */
export const SUPPORTED_LAYERS: readonly string[] = [
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'Dense',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'Softmax',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Flatten',
  'Reshape',
  'Dropout',
  'Add',
  'Concatenate',
  'ZeroPadding2D',
  'InputLayer',
];
/** Keras spellings of the same classes. */
const CLASS_ALIASES: Record<string, string> = {
  Convolution2D: 'Conv2D',
  SeparableConvolution2D: 'SeparableConv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  AveragePool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
};
/** Activation names tfjs-layers deserializes (Keras's 'silu' is tfjs's 'swish'). */
const TFJS_ACTIVATIONS = new Set([
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'hard_sigmoid',
  'tanh',
  'softmax',
  'softplus',
  'softsign',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
]);
const ACTIVATION_ALIASES: Record<string, string> = { silu: 'swish', hardSigmoid: 'hard_sigmoid' };
const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One layer of the graph as read, before shapes. */
interface RawLayer {
  name: string;
  className: string;
  config: Obj;
  inbound: string[];
}

/** Line and column of a character offset, for JSON errors. */
function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return `line ${line} column ${pos - before.lastIndexOf('\n')}`;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const where = m !== null ? ` at ${lineCol(text, Number(m[1]))}` : '';
    throw new InputError(`${file}: malformed JSON${where}: ${msg.replace(/^JSON\.parse: /, '')}`, { file });
  }
}

/**
 * Reads `path` (a model.json or a topology JSON) and everything it names. Throws InputError naming the
 * file (and the layer, for an unsupported or ill-formed one).
 */
export function readUserTopology(path: string): UserTopology {
  const file = path;
  if (!existsSync(path)) throw new InputError(`${file}: model file not found`, { file });
  if (statSync(path).isDirectory()) throw new InputError(`${file}: expected a model.json file, got a directory`, { file });
  const bytes = readFileSync(path);
  const root = parseJson(file, bytes.toString('utf8'));
  if (!isObj(root)) throw new InputError(`${file}: expected a JSON object (a tfjs model.json or a model topology), got ${Array.isArray(root) ? 'an array' : typeof root}`, { file });

  if (root.format === 'graph-model' || (isObj(root.modelTopology) && 'node' in root.modelTopology)) {
    throw new InputError(
      `${file}: this is a tfjs graph model (format 'graph-model', a TensorFlow GraphDef); initbench reads Layers models: convert with --output_format tfjs_layers_model`,
      { file },
    );
  }

  let format: UserModelFormat;
  let modelConfig: unknown;
  let manifestRaw: unknown = root.weightsManifest;
  if (isObj(root.modelTopology)) {
    const mt = root.modelTopology;
    if (isObj(mt.model_config)) {
      format = 'keras-converted';
      modelConfig = mt.model_config;
    } else {
      format = 'tfjs-layers';
      modelConfig = mt;
    }
  } else if ('modelTopology' in root) {
    throw new InputError(`${file}: modelTopology: expected an object, got ${JSON.stringify(root.modelTopology)?.slice(0, 40)}`, { file, path: 'modelTopology' });
  } else if (isObj(root.model_config)) {
    format = 'topology-only';
    modelConfig = root.model_config;
    manifestRaw = undefined;
  } else if (typeof root.class_name === 'string' && isObj(root.config)) {
    format = 'topology-only';
    modelConfig = root;
    manifestRaw = undefined;
  } else {
    throw new InputError(
      `${file}: expected a tfjs Layers model.json ({modelTopology, weightsManifest}) or a model topology ({class_name, config}), found keys ${Object.keys(root).slice(0, 6).join(', ') || 'none'}`,
      { file },
    );
  }
  if (!isObj(modelConfig) || typeof modelConfig.class_name !== 'string' || !isObj(modelConfig.config)) {
    throw new InputError(`${file}: model topology: expected {class_name, config}`, { file });
  }

  const raw = readGraph(file, modelConfig as { class_name: string; config: Obj });
  const ordered = topoSort(file, raw.layers, raw.output);
  const infos = inferShapes(file, ordered);
  followActivations(infos);

  const hash = createHash('sha256').update(bytes);
  let weights: UserTopology['weights'] = null;
  if (manifestRaw !== undefined && manifestRaw !== null) {
    weights = readManifest(file, manifestRaw);
    for (const f of weights.files) hash.update(readFileSync(f));
    checkKernelShapes(file, infos, weights.manifest);
  }
  const out = infos[infos.length - 1]!;
  return {
    file,
    format,
    hasWeights: weights !== null,
    inputShape: infos[0]!.outputShape,
    outputShape: out.outputShape,
    contentHash: hash.digest('hex'),
    layers: infos,
    modelConfig: tfjsModelConfig(raw, ordered),
    weights,
  };
}

function readManifest(file: string, m: unknown): { manifest: WeightGroup[]; files: string[] } {
  if (!Array.isArray(m)) throw new InputError(`${file}: weightsManifest: expected an array of {paths, weights}`, { file, path: 'weightsManifest' });
  const dir = dirname(resolve(file));
  const files: string[] = [];
  const manifest: WeightGroup[] = [];
  m.forEach((g: unknown, i) => {
    if (!isObj(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new InputError(`${file}: weightsManifest[${i}]: expected {paths: string[], weights: [...]}`, { file, path: `weightsManifest[${i}]` });
    }
    let have = 0;
    const paths: string[] = [];
    g.paths.forEach((p: unknown, j) => {
      const at = `weightsManifest[${i}].paths[${j}]`;
      if (typeof p !== 'string') throw new InputError(`${file}: ${at}: expected a file name, got ${JSON.stringify(p)}`, { file, path: at });
      const abs = resolve(dir, p);
      if (!existsSync(abs)) throw new InputError(`${file}: ${at}: weight file ${JSON.stringify(p)} not found (looked for ${abs})`, { file, path: at });
      have += statSync(abs).size;
      paths.push(abs);
    });
    const specs = g.weights as WeightSpec[];
    let need = 0;
    for (const w of specs) {
      const dtype = w.quantization?.dtype ?? w.dtype;
      need += (BYTES[dtype] ?? 4) * (w.shape ?? []).reduce((a, b) => a * b, 1);
    }
    if (have !== need) {
      throw new InputError(`${file}: weightsManifest[${i}]: the weight files hold ${have} bytes, the manifest's ${specs.length} weights need ${need}`, {
        file,
        path: `weightsManifest[${i}]`,
      });
    }
    files.push(...paths);
    manifest.push({ paths, weights: specs });
  });
  return { manifest, files };
}

/** Each kernel's shape in the manifest against the one the topology implies (tfjs itself drops e.g. a separable conv's depth_multiplier). */
function checkKernelShapes(file: string, infos: UserLayerInfo[], manifest: WeightGroup[]): void {
  const shapes = new Map(manifest.flatMap((g) => g.weights.map((w) => [w.name, w.shape] as const)));
  const find = (layer: string, weight: string): readonly number[] | undefined => {
    const exact = shapes.get(`${layer}/${weight}`);
    if (exact !== undefined) return exact;
    for (const [k, v] of shapes) if (k.endsWith(`/${layer}/${weight}`)) return v;
    return undefined;
  };
  for (const l of infos) {
    if (l.kind === 'other') continue;
    const checks: [string, number[]][] = [[l.className === 'Conv2D' || l.className === 'Dense' ? 'kernel' : 'depthwise_kernel', l.kernelShape!]];
    if (l.pointwise !== null) checks.push(['pointwise_kernel', l.pointwise.kernelShape]);
    for (const [w, want] of checks) {
      const got = find(l.name, w);
      if (got === undefined) throw new InputError(`${file}: layer ${JSON.stringify(l.name)} (${l.className}): the weights manifest has no ${l.name}/${w}`, { file, path: l.name });
      if (got.join(',') !== want.join(',')) {
        throw new InputError(`${file}: layer ${JSON.stringify(l.name)} (${l.className}): the weights hold ${w} [${got.join(',')}], the topology implies [${want.join(',')}]`, { file, path: l.name });
      }
    }
  }
}

/** Keras 3's `{module, class_name, config, registered_name}` and tfjs's `{class_name, config}` alike. */
function serialized(v: unknown): { className: string; config: Obj } | null {
  if (!isObj(v) || typeof v.class_name !== 'string') return null;
  return { className: v.class_name, config: isObj(v.config) ? stripKeras3(v.config) : {} };
}

/** Keras 3 config values tfjs does not read: DTypePolicy objects, module/registered_name wrappers. */
function stripKeras3(config: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === 'dtype' && isObj(v)) out[k] = isObj(v.config) && typeof v.config.name === 'string' ? v.config.name : 'float32';
    else if (isObj(v) && typeof v.class_name === 'string') out[k] = { class_name: v.class_name, config: isObj(v.config) ? stripKeras3(v.config) : {} };
    else out[k] = v;
  }
  return out;
}

function canonicalClass(file: string, name: string, cls: unknown): string {
  if (typeof cls !== 'string') throw new InputError(`${file}: layer ${JSON.stringify(name)}: expected a class_name string`, { file, path: name });
  const c = CLASS_ALIASES[cls] ?? cls;
  if (!SUPPORTED_LAYERS.includes(c)) {
    throw new InputError(`${file}: layer ${JSON.stringify(name)} (class ${cls}) is not supported; supported: ${SUPPORTED_LAYERS.join(', ')}`, { file, path: name });
  }
  return c;
}

/** The names of the layers a Keras 2 / tfjs / Keras 3 inbound node refers to. */
function inboundNames(file: string, layer: string, nodes: unknown): string[] {
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  if (nodes.length > 1) {
    throw new InputError(`${file}: layer ${JSON.stringify(layer)} is called ${nodes.length} times (a shared layer); initbench probes layers called once`, { file, path: layer });
  }
  const node = nodes[0];
  const names: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      // tfjs / Keras 2: [name, nodeIndex, tensorIndex, kwargs?]
      if (typeof v[0] === 'string' && typeof v[1] === 'number') names.push(v[0]);
      else v.forEach(visit);
    } else if (isObj(v)) {
      // Keras 3: {class_name: '__keras_tensor__', config: {keras_history: [name, node, tensor]}}
      if (v.class_name === '__keras_tensor__' && isObj(v.config) && Array.isArray(v.config.keras_history)) names.push(String(v.config.keras_history[0]));
      else if (Array.isArray(v.args)) visit(v.args);
    }
  };
  visit(node);
  if (names.length === 0) throw new InputError(`${file}: layer ${JSON.stringify(layer)}: inbound_nodes: expected layer references, found none`, { file, path: layer });
  return names;
}

/** ["name", 0, 0] or [["name", 0, 0], …] → names. */
function endpointNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [v[0]];
  return v.filter((e): e is unknown[] => Array.isArray(e) && typeof e[0] === 'string').map((e) => e[0] as string);
}

function batchShape(config: Obj): number[] | null {
  const s = config.batch_input_shape ?? config.batch_shape;
  if (Array.isArray(s)) return s.slice(1) as number[];
  if (Array.isArray(config.input_shape)) return config.input_shape as number[];
  return null;
}

interface RawGraph {
  kind: 'Sequential' | 'Model';
  name: string;
  layers: RawLayer[];
  input: string;
  output: string;
}

function readGraph(file: string, mc: { class_name: string; config: Obj }): RawGraph {
  const cfg = mc.config;
  const list = cfg.layers;
  if (!Array.isArray(list)) throw new InputError(`${file}: model config: expected config.layers to be an array`, { file, path: 'config.layers' });
  const name = typeof cfg.name === 'string' ? cfg.name : 'model';
  const layers: RawLayer[] = [];
  if (mc.class_name === 'Sequential') {
    let prev: string | null = null;
    list.forEach((l: unknown, i) => {
      if (!isObj(l) || !isObj(l.config)) throw new InputError(`${file}: config.layers[${i}]: expected {class_name, config}`, { file, path: `config.layers[${i}]` });
      const lname = typeof l.config.name === 'string' ? l.config.name : `layer_${i}`;
      const className = canonicalClass(file, lname, l.class_name);
      const config = stripKeras3(l.config);
      if (prev === null && className !== 'InputLayer') {
        // tfjs and older Keras put the input on the first layer's batch_input_shape
        const shape = batchShape(config) ?? (Array.isArray(cfg.build_input_shape) ? (cfg.build_input_shape as number[]).slice(1) : null);
        if (shape === null) throw new InputError(`${file}: layer ${JSON.stringify(lname)}: the first layer declares no input shape (batch_input_shape)`, { file, path: lname });
        layers.push({ name: `${name}_input`, className: 'InputLayer', config: { batch_input_shape: [null, ...shape], dtype: 'float32', name: `${name}_input` }, inbound: [] });
        prev = `${name}_input`;
      }
      layers.push({ name: lname, className, config, inbound: prev === null ? [] : [prev] });
      prev = lname;
    });
    if (layers.length === 0) throw new InputError(`${file}: the model has no layers`, { file });
    return { kind: 'Sequential', name, layers, input: layers[0]!.name, output: layers[layers.length - 1]!.name };
  }
  if (mc.class_name !== 'Model' && mc.class_name !== 'Functional') {
    throw new InputError(`${file}: model class ${JSON.stringify(mc.class_name)}: expected Sequential, Model or Functional`, { file });
  }
  list.forEach((l: unknown, i) => {
    if (!isObj(l) || !isObj(l.config)) throw new InputError(`${file}: config.layers[${i}]: expected {class_name, config, inbound_nodes}`, { file, path: `config.layers[${i}]` });
    const lname = typeof l.name === 'string' ? l.name : typeof l.config.name === 'string' ? l.config.name : `layer_${i}`;
    const className = canonicalClass(file, lname, l.class_name);
    layers.push({ name: lname, className, config: stripKeras3(l.config), inbound: inboundNames(file, lname, l.inbound_nodes) });
  });
  const ins = endpointNames(cfg.input_layers);
  const outs = endpointNames(cfg.output_layers);
  if (ins.length !== 1) throw new InputError(`${file}: config.input_layers: expected one model input, got ${ins.length}`, { file, path: 'config.input_layers' });
  if (outs.length !== 1) throw new InputError(`${file}: config.output_layers: expected one model output, got ${outs.length}`, { file, path: 'config.output_layers' });
  return { kind: 'Model', name, layers, input: ins[0]!, output: outs[0]! };
}

/** Kahn's order over the layers that reach the output, the input first. */
function topoSort(file: string, layers: RawLayer[], output: string): RawLayer[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const l of layers) {
    for (const src of l.inbound) {
      if (!byName.has(src)) throw new InputError(`${file}: layer ${JSON.stringify(l.name)}: inbound layer ${JSON.stringify(src)} does not exist`, { file, path: l.name });
    }
  }
  if (!byName.has(output)) throw new InputError(`${file}: output layer ${JSON.stringify(output)} does not exist`, { file });
  const needed = new Set<string>();
  const stack = [output];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    needed.add(n);
    stack.push(...byName.get(n)!.inbound);
  }
  const order: RawLayer[] = [];
  const done = new Set<string>();
  // the layers list is usually ordered already; repeated passes keep that order and catch cycles
  let progress = true;
  while (progress && order.length < needed.size) {
    progress = false;
    for (const l of layers) {
      if (!needed.has(l.name) || done.has(l.name)) continue;
      if (l.inbound.every((s) => done.has(s))) {
        order.push(l);
        done.add(l.name);
        progress = true;
      }
    }
  }
  if (order.length < needed.size) throw new InputError(`${file}: the layer graph has a cycle`, { file });
  const inputs = order.filter((l) => l.inbound.length === 0);
  if (inputs.length !== 1 || inputs[0]!.className !== 'InputLayer') {
    throw new InputError(`${file}: expected one InputLayer feeding the output, found ${inputs.map((l) => `${l.name} (${l.className})`).join(', ')}`, { file });
  }
  return order;
}

const pair = (v: unknown, dflt: number): [number, number] =>
  Array.isArray(v) ? [Number(v[0] ?? dflt), Number(v[1] ?? v[0] ?? dflt)] : typeof v === 'number' ? [v, v] : [dflt, dflt];

/** Output length of a window op along one axis (Keras's conv_output_length). */
function windowOut(n: number, k: number, s: number, d: number, padding: string): number {
  const eff = (k - 1) * d + 1;
  return padding === 'same' ? Math.ceil(n / s) : Math.ceil((n - eff + 1) / s);
}

function initOf(v: unknown): { className: string; config: Record<string, unknown> } | null {
  return serialized(v);
}

function activationName(file: string, layer: string, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const raw = typeof v === 'string' ? v : isObj(v) && typeof v.class_name === 'string' ? v.class_name : String(v);
  const name = ACTIVATION_ALIASES[raw] ?? raw;
  if (!TFJS_ACTIVATIONS.has(name)) {
    throw new InputError(`${file}: layer ${JSON.stringify(layer)}: activation ${JSON.stringify(raw)} is not one tfjs provides (${[...TFJS_ACTIVATIONS].join(', ')})`, { file, path: layer });
  }
  return name === 'linear' ? null : name;
}

function inferShapes(file: string, order: RawLayer[]): UserLayerInfo[] {
  const shapes = new Map<string, number[]>();
  const infos: UserLayerInfo[] = [];
  const bad = (l: RawLayer, what: string): InputError => new InputError(`${file}: layer ${JSON.stringify(l.name)} (${l.className}): ${what}`, { file, path: l.name });
  for (const l of order) {
    const c = l.config;
    const ins = l.inbound.map((n) => shapes.get(n)!);
    const x = ins[0] ?? [];
    let out: number[];
    let kind: UserLayerInfo['kind'] = 'other';
    let kernelShape: number[] | null = null;
    let fanIn: number | null = null;
    let fanOut: number | null = null;
    let pointwise: UserLayerInfo['pointwise'] = null;
    let window: UserLayerInfo['window'] = null;
    if (c.data_format === 'channels_first') throw bad(l, "data_format 'channels_first' is not supported (expected channels_last)");
    const need4 = (): void => {
      if (x.length !== 3) throw bad(l, `expected an input of shape [height, width, channels], got [${x.join(',')}]`);
    };
    switch (l.className) {
      case 'InputLayer': {
        const s = batchShape(c);
        if (s === null) throw bad(l, 'declares no input shape (batch_input_shape)');
        if (s.some((d) => typeof d !== 'number' || !(d > 0))) throw bad(l, `expected a fixed input shape, got [${s.join(',')}]`);
        out = s;
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        need4();
        if ((c.groups ?? 1) !== 1) throw bad(l, `groups = ${String(c.groups)} is not supported (tfjs has no grouped convolution)`);
        const [kh, kw] = pair(c.kernel_size, 1);
        const [sh, sw] = pair(c.strides, 1);
        const [dh, dw] = pair(c.dilation_rate, 1);
        const padding = String(c.padding ?? 'valid');
        if (padding !== 'valid' && padding !== 'same') throw bad(l, `padding ${JSON.stringify(padding)}: expected 'valid' or 'same'`);
        const cin = x[2]!;
        const H = windowOut(x[0]!, kh, sh, dh, padding);
        const W = windowOut(x[1]!, kw, sw, dw, padding);
        if (!(H > 0 && W > 0)) throw bad(l, `the ${kh}×${kw} kernel does not fit the ${x[0]}×${x[1]} input`);
        window = { kernel: [kh, kw], strides: [sh, sw], dilation: [dh, dw], padding };
        kind = 'conv';
        if (l.className === 'Conv2D') {
          const f = Number(c.filters);
          kernelShape = [kh, kw, cin, f];
          fanIn = kh * kw * cin;
          fanOut = kh * kw * f;
          out = [H, W, f];
        } else {
          const dm = Number(c.depth_multiplier ?? 1);
          kernelShape = [kh, kw, cin, dm];
          fanIn = kh * kw;
          fanOut = kh * kw * dm;
          out = [H, W, cin * dm];
          if (l.className === 'SeparableConv2D') {
            const f = Number(c.filters);
            pointwise = { kernelShape: [1, 1, cin * dm, f], fanIn: cin * dm, fanOut: f, initializer: initOf(c.pointwise_initializer) };
            out = [H, W, f];
          }
        }
        break;
      }
      case 'Dense': {
        if (x.length < 1) throw bad(l, 'expected an input with a feature axis');
        const u = Number(c.units);
        kind = 'dense';
        kernelShape = [x[x.length - 1]!, u];
        fanIn = kernelShape[0]!;
        fanOut = u;
        out = [...x.slice(0, -1), u];
        break;
      }
      case 'BatchNormalization': {
        const axis = Array.isArray(c.axis) ? c.axis[0] : (c.axis ?? -1);
        if (axis !== -1 && axis !== x.length) throw bad(l, `axis ${JSON.stringify(c.axis)}: expected the channel axis (-1)`);
        out = x;
        break;
      }
      case 'ReLU':
        if ((c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) throw bad(l, 'negative_slope and threshold other than 0 are not supported (tfjs ReLU has only max_value)');
        out = x;
        break;
      case 'ELU':
        if (Number(c.alpha ?? 1) !== 1) throw bad(l, `alpha ${String(c.alpha)}: tfjs's ELU layer takes only alpha = 1`);
        out = x;
        break;
      case 'Activation':
      case 'LeakyReLU':
      case 'Softmax':
      case 'Dropout':
        out = x;
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        need4();
        const [ph, pw] = pair(c.pool_size, 2);
        const [sh, sw] = c.strides === null || c.strides === undefined ? [ph, pw] : pair(c.strides, ph);
        const padding = String(c.padding ?? 'valid');
        if (padding !== 'valid' && padding !== 'same') throw bad(l, `padding ${JSON.stringify(padding)}: expected 'valid' or 'same'`);
        window = { kernel: [ph, pw], strides: [sh, sw], dilation: [1, 1], padding };
        out = [windowOut(x[0]!, ph, sh, 1, padding), windowOut(x[1]!, pw, sw, 1, padding), x[2]!];
        if (!(out[0]! > 0 && out[1]! > 0)) throw bad(l, `the ${ph}×${pw} pool does not fit the ${x[0]}×${x[1]} input`);
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        need4();
        out = c.keepdims === true ? [1, 1, x[2]!] : [x[2]!];
        break;
      case 'Flatten':
        out = [x.reduce((a, b) => a * b, 1)];
        break;
      case 'Reshape': {
        const t = c.target_shape;
        if (!Array.isArray(t)) throw bad(l, 'expected target_shape to be an array');
        const size = x.reduce((a, b) => a * b, 1);
        const known = (t as number[]).filter((d) => d !== -1 && d !== null).reduce((a, b) => a * b, 1);
        out = (t as number[]).map((d) => (d === -1 || d === null ? size / known : d));
        if (out.reduce((a, b) => a * b, 1) !== size || out.some((d) => !Number.isInteger(d))) throw bad(l, `cannot reshape [${x.join(',')}] to [${t.join(',')}]`);
        break;
      }
      case 'Add': {
        if (ins.length < 2) throw bad(l, `expected at least two inputs, got ${ins.length}`);
        for (const s of ins) if (s.join(',') !== x.join(',')) throw bad(l, `inputs of different shapes [${x.join(',')}] and [${s.join(',')}]`);
        out = x;
        break;
      }
      case 'Concatenate': {
        if (ins.length < 2) throw bad(l, `expected at least two inputs, got ${ins.length}`);
        const rank = x.length;
        const a = Number(c.axis ?? -1);
        const ax = a < 0 ? rank + a : a - 1;
        if (ax < 0 || ax >= rank) throw bad(l, `axis ${a} is outside the inputs' rank`);
        out = [...x];
        out[ax] = 0;
        for (const s of ins) {
          if (s.length !== rank || s.some((d, i) => i !== ax && d !== x[i])) throw bad(l, `inputs [${x.join(',')}] and [${s.join(',')}] differ off axis ${a}`);
          out[ax] += s[ax]!;
        }
        break;
      }
      case 'ZeroPadding2D': {
        need4();
        const p = c.padding ?? 1;
        let t: number, b: number, le: number, r: number;
        if (typeof p === 'number') [t, b, le, r] = [p, p, p, p];
        else if (Array.isArray(p) && typeof p[0] === 'number') [t, b, le, r] = [p[0], p[0], Number(p[1]), Number(p[1])];
        else if (Array.isArray(p) && Array.isArray(p[0]) && Array.isArray(p[1])) [t, b, le, r] = [p[0][0], p[0][1], p[1][0], p[1][1]].map(Number) as [number, number, number, number];
        else throw bad(l, `padding ${JSON.stringify(p)}: expected n, [h, w] or [[top, bottom], [left, right]]`);
        out = [x[0]! + t + b, x[1]! + le + r, x[2]!];
        break;
      }
      default:
        throw bad(l, 'not supported');
    }
    shapes.set(l.name, out);
    const isKernel = kind !== 'other';
    infos.push({
      name: l.name,
      className: l.className,
      kind,
      kernelShape,
      fanIn,
      fanOut,
      activation: isKernel ? activationName(file, l.name, c.activation) : null,
      activationAlpha: null,
      kernelInitializer: isKernel ? initOf(l.className === 'Conv2D' || l.className === 'Dense' ? c.kernel_initializer : c.depthwise_initializer) : null,
      pointwise,
      inbound: l.inbound,
      outputShape: out,
      bnAfter: null,
      activationLayer: null,
      window,
    });
  }
  // an activation layer's own name and alpha, read once here for followActivations
  for (const info of infos) {
    const c = order.find((l) => l.name === info.name)!.config;
    const act = standaloneActivation(file, info.className, info.name, c);
    if (act !== undefined) {
      info.activation = act.name;
      info.activationAlpha = act.alpha;
    }
  }
  return infos;
}

/** An activation layer's function; undefined for layers that are not one. */
function standaloneActivation(file: string, cls: string, name: string, c: Obj): { name: string | null; alpha: number | null } | undefined {
  switch (cls) {
    case 'Activation':
      return { name: activationName(file, name, c.activation), alpha: null };
    case 'ReLU':
      return { name: c.max_value === null || c.max_value === undefined ? 'relu' : `relu(max ${String(c.max_value)})`, alpha: null };
    case 'LeakyReLU':
      return { name: 'leaky_relu', alpha: Number(c.alpha ?? c.negative_slope ?? 0.3) };
    case 'ELU':
      return { name: 'elu', alpha: Number(c.alpha ?? 1) };
    case 'Softmax':
      return { name: 'softmax', alpha: null };
    default:
      return undefined;
  }
}

const ACTIVATION_LAYERS = new Set(['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax']);

/**
 * A conv/dense with a linear activation of its own takes the activation of the layer that follows it,
 * through a BatchNormalization and Dropout, as long as each is the only consumer (conv → BN → ReLU).
 */
function followActivations(infos: UserLayerInfo[]): void {
  const consumers = new Map<string, UserLayerInfo[]>();
  for (const l of infos) for (const s of l.inbound) consumers.set(s, [...(consumers.get(s) ?? []), l]);
  const only = (n: string): UserLayerInfo | null => {
    const c = consumers.get(n) ?? [];
    return c.length === 1 ? c[0]! : null;
  };
  for (const l of infos) {
    if (l.kind === 'other') continue;
    let next = only(l.name);
    if (next?.className === 'BatchNormalization' && l.activation === null) {
      l.bnAfter = next.name;
      next = only(next.name);
    }
    if (l.activation !== null) {
      l.activationLayer = l.name;
      continue;
    }
    while (next?.className === 'Dropout') next = only(next.name);
    if (next !== null && ACTIVATION_LAYERS.has(next.className)) {
      l.activation = next.activation;
      l.activationAlpha = next.activationAlpha;
      l.activationLayer = next.name;
    }
  }
  // the activation layers themselves carry no kernel: their fields were only a relay
  for (const l of infos) {
    if (l.kind === 'other') {
      l.activation = null;
      l.activationAlpha = null;
    }
  }
}

/** The topology in tfjs's form: what tf.loadLayersModel deserializes. */
function tfjsModelConfig(g: RawGraph, order: RawLayer[]): { class_name: string; config: Obj } {
  const keep = new Set(order.map((l) => l.name));
  const fix = (l: RawLayer): Obj => {
    const config: Obj = { ...l.config, name: l.name };
    if ('batch_shape' in config) {
      config.batch_input_shape = config.batch_shape;
      delete config.batch_shape;
    }
    if (l.className === 'LeakyReLU' && config.alpha === undefined) config.alpha = config.negative_slope ?? 0.3;
    delete config.negative_slope;
    if (typeof config.activation === 'string') config.activation = ACTIVATION_ALIASES[config.activation] ?? config.activation;
    return config;
  };
  const layers = g.layers
    .filter((l) => keep.has(l.name))
    .map((l) => ({
      name: l.name,
      class_name: l.className,
      config: fix(l),
      inbound_nodes: l.inbound.length === 0 ? [] : [l.inbound.map((s) => [s, 0, 0, {}])],
    }));
  // always the functional form: it holds Sequential models as well, including their input
  return {
    class_name: 'Model',
    config: { name: g.name, layers, input_layers: [[g.input, 0, 0]], output_layers: [[g.output, 0, 0]] },
  };
}

/** The initializers a probe applies: 'keep' leaves a layer as loaded; per-layer entries override `all`. */
export interface InitOverride {
  all: InitSpec | 'keep';
  perLayer?: Record<string, InitSpec>;
}

/**
 * The layers of `topo` whose kernels an override redraws, each with its spec. InputError for an
 * --init-map name that is no conv/dense layer and for initializers a loaded model cannot take.
 */
export function overrideTargets(topo: UserTopology, override: InitOverride): { layer: UserLayerInfo; spec: InitSpec }[] {
  const kernels = topo.layers.filter((l) => l.kind !== 'other');
  for (const name of Object.keys(override.perLayer ?? {})) {
    if (!kernels.some((l) => l.name === name)) {
      throw new InputError(`--init-map: ${topo.file} has no conv or dense layer ${JSON.stringify(name)}; its kernels: ${kernels.map((l) => l.name).join(', ')}`, {
        flag: 'init-map',
      });
    }
  }
  const out: { layer: UserLayerInfo; spec: InitSpec }[] = [];
  for (const l of kernels) {
    const spec = override.perLayer?.[l.name] ?? override.all;
    if (spec === 'keep') continue;
    if (isDataDependent(spec) || spec.name === 'fixup') {
      const why = spec.name === 'fixup' ? 'residual blocks' : 'a data-dependent rescale of each layer';
      throw new InputError(`--init ${spec.name}: not available for a loaded model (it needs initbench's own nets: ${why})`, { flag: 'init' });
    }
    out.push({ layer: l, spec });
  }
  return out;
}

/**
 * The kernels whose output reaches the model's output through no activation (or a softmax): they make
 * the logits and draw as heads (gain 1), as src/init treats initbench's own head.
 */
export function headLayers(topo: UserTopology): Set<string> {
  const byName = new Map(topo.layers.map((l) => [l.name, l]));
  const heads = new Set<string>();
  const stack = [topo.layers[topo.layers.length - 1]!];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const l = stack.pop()!;
    if (seen.has(l.name)) continue;
    seen.add(l.name);
    if (l.kind !== 'other') {
      if (l.activation === null || l.activation === 'softmax') heads.add(l.name);
      continue;
    }
    if (ACTIVATION_LAYERS.has(l.className) && l.className !== 'Softmax') continue;
    for (const s of l.inbound) stack.push(byName.get(s)!);
  }
  return heads;
}

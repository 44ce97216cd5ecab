/**
 * Suites over a user's model: `"arch": {"kind": "model", "path": "models/my-net.json"}` → ModelArchSpec, with
 * the model read by src/usermodel/topology.ts (no tfjs). The path is relative to the suite file's directory;
 * the spec keeps it as written (normalized, posix separators) so ids and records do not depend on where the
 * checkout lies, and adds the content hash, so editing the model (or its weights) makes new runs.
 */
import path from 'node:path';
import type { ActivationName, ActivationSpec, InputSpec, ModelArchSpec } from '../core/types.ts';
import { InputError } from '../core/errors.ts';
import { ACTIVATION_NAMES } from '../init/index.ts';
import { readUserTopology, type UserLayerInfo, type UserTopology } from '../usermodel/topology.ts';

/** The suite's `{kind: 'model', path}` value (schema-checked). */
export interface ModelArchValue {
  kind: 'model';
  path: string;
}

/** `a/./b\\c.json` → `a/b/c.json`; absolute paths stay absolute. */
export function normalizeModelPath(p: string): string {
  return path.posix.normalize(p.replaceAll('\\', '/'));
}

/** Where a model path written in `suiteFile` lies on disk. */
export function resolveModelPath(modelPath: string, suiteDir: string): string {
  return path.resolve(suiteDir, modelPath);
}

/**
 * The activation after a conv/dense layer when our initializers and theory know it ('relu', 'leaky_relu' with
 * its slope, …), else null: identity, or one we have no gain for (relu6, softplus, softmax, …). The same
 * reading as src/usermodel/load.ts layerActivation, which gives such layers gain 1.
 */
export function knownActivation(l: Pick<UserLayerInfo, 'activation' | 'activationAlpha'>): ActivationSpec | null {
  const name = l.activation;
  if (name === null || !(ACTIVATION_NAMES as readonly string[]).includes(name) || name === 'linear') return null;
  return l.activationAlpha !== null ? { name: name as ActivationName, alpha: l.activationAlpha } : { name: name as ActivationName };
}

/**
 * What a model run records as its activation: the one that follows most of its hidden conv/dense layers
 * (the output layer aside; ties go to the earliest), linear when none is one we know. Per-layer gains come
 * from each layer's own (layerActivation); this is the run's label and the probe's default.
 */
export function dominantActivation(t: UserTopology): ActivationSpec {
  const kernels = t.layers.filter((l) => l.kind !== 'other');
  const hidden = kernels.slice(0, -1);
  const counts = new Map<string, { spec: ActivationSpec; n: number }>();
  for (const l of hidden) {
    const a = knownActivation(l);
    if (a === null) continue;
    const key = JSON.stringify(a);
    const c = counts.get(key) ?? { spec: a, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  let best: { spec: ActivationSpec; n: number } | null = null;
  for (const c of counts.values()) if (best === null || c.n > best.n) best = c;
  return best?.spec ?? { name: 'linear' };
}

const dims = (s: number[]): string => s.join('×');

export interface PlannedModel {
  arch: ModelArchSpec;
  topology: UserTopology;
  input: InputSpec;
  activation: ActivationSpec;
}

/**
 * Reads the model a suite names (cached per resolved path: a suite sweeps one model over many points).
 * Throws InputError `suiteFile: where.path: <the model file's problem>`.
 */
export function planModelArch(v: ModelArchValue, where: string, suiteFile: string, cache: Map<string, UserTopology>): PlannedModel {
  const written = normalizeModelPath(v.path);
  const abs = resolveModelPath(written, path.dirname(suiteFile));
  let topology = cache.get(abs);
  if (topology === undefined) {
    // errors name the model file as the user can open it from here: relative when it lies below, else absolute
    const rel = path.relative(process.cwd(), abs);
    const shown = path.isAbsolute(written) || rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
    try {
      topology = readUserTopology(shown);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${suiteFile}: ${where}.path: ${e.message}`, { file: suiteFile, path: `${where}.path` });
      throw e;
    }
    cache.set(abs, topology);
  }
  const shape = topology.inputShape;
  if (shape.length !== 3) {
    throw new InputError(
      `${suiteFile}: ${where}.path: ${topology.file}: expected an image model with input [height, width, channels], got input [${shape.join(', ')}]`,
      { file: suiteFile, path: `${where}.path` },
    );
  }
  const arch: ModelArchSpec = {
    kind: 'model',
    path: written,
    hash: topology.contentHash,
    inputShape: [...shape],
    outputShape: [...topology.outputShape],
    depth: topology.layers.filter((l) => l.kind === 'conv').length,
  };
  return { arch, topology, input: { height: shape[0]!, width: shape[1]!, channels: shape[2]! }, activation: dominantActivation(topology) };
}

/** `32×32×3`, for messages. */
export function shapeText(s: number[] | InputSpec): string {
  return Array.isArray(s) ? dims(s) : dims([s.height, s.width, s.channels]);
}

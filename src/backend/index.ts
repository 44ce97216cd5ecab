/**
 * Choosing and readying a tfjs backend: tfjs-node where it loads, else WASM (with our kernels),
 * else the pure-JS cpu backend. An explicit choice that cannot load is an error, never a fallback.
 * What needs no tfjs (names, auto order, installed packages, default --jobs) lives in choices.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BackendChoice, BackendName } from '../core/types.ts';
import { InputError } from '../core/errors.ts';
import { AUTO_ORDER, BACKEND_NAMES, HOW_TO, PACKAGE, cores, defaultJobsFor, installedVersion } from './choices.ts';
import { registerWasmKernels } from './wasm-kernels.ts';

export { AUTO_ORDER, BACKEND_CHOICES, cores, defaultJobsFor, isMultiThreaded, likelyAutoPick } from './choices.ts';

// tfjs-core's warn() and log() print only outside PROD (in 4.22 PROD gates nothing else). Without it
// the cpu backend's first tensor prints a banner urging tfjs-node, into the middle of our output; the
// backend we use and why is ours to say (ReadyBackend.reason, `initbench backends`).
tf.env().set('PROD', true);
// libtensorflow (tfjs-node) logs its CPU-feature and oneDNN notes at level 0-1 unless told otherwise.
process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';

const require = createRequire(import.meta.url);

export interface ReadyBackend {
  name: BackendName;
  /** why auto picked it, or 'requested' */
  reason: string;
  /** tfjs-core version in use */
  tfjs: string;
  threads: number;
  /** kernels of ours registered on this backend */
  kernels: string[];
  detail: string;
}

export interface BackendOptions {
  /** WASM threads; 1 by default: we parallelise with one worker per core instead. */
  threads?: number;
}

let current: ReadyBackend | null = null;
/** our kernels, once the wasm backend has been loaded in this process */
let wasmKernelsRegistered: string[] = [];

/** Tries to import a tfjs-node flavour; returns the error text when it cannot load. */
async function loadNode(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<string | null> {
  try {
    await import(pkg);
    return null;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0] ?? String(e);
    return msg;
  }
}

async function loadWasm(threads: number): Promise<{ error: string | null; kernels: string[] }> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    wasm.setWasmPaths(dir);
    wasm.setThreadsCount(threads);
    // after the wasm package registered its kernels (on import), before the backend initialises
    const kernels = registerWasmKernels();
    wasmKernelsRegistered = kernels;
    const ok = await tf.setBackend('wasm');
    if (!ok) return { error: 'tf.setBackend("wasm") returned false', kernels };
    return { error: null, kernels };
  } catch (e) {
    return { error: (e as Error).message, kernels: [] };
  }
}

async function activate(name: BackendName, opts: BackendOptions): Promise<string | null> {
  const threads = opts.threads ?? 1;
  switch (name) {
    case 'node':
    case 'node-gpu': {
      const err = await loadNode(name === 'node' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu');
      if (err !== null) return err;
      const ok = await tf.setBackend('tensorflow');
      return ok ? null : 'tf.setBackend("tensorflow") returned false';
    }
    case 'wasm':
      return (await loadWasm(threads)).error;
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      return (await tf.setBackend('cpu')) ? null : 'tf.setBackend("cpu") returned false';
    }
  }
}

/** Threads one op may use on this backend: WASM as configured, cpu 1, libtensorflow all cores. */
function threadsOf(name: BackendName, opts: BackendOptions): number {
  if (name === 'wasm') return opts.threads ?? 1;
  return name === 'cpu' ? 1 : cores();
}

function describe(name: BackendName, reason: string, opts: BackendOptions): ReadyBackend {
  const kernels = name === 'wasm' ? wasmKernelsRegistered : [];
  const threads = threadsOf(name, opts);
  const simd = name === 'wasm' && tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ' simd' : '';
  const detail =
    name === 'wasm'
      ? `wasm${simd}, ${threads} thread${threads === 1 ? '' : 's'}, our kernels: ${kernels.join(', ') || 'none'}`
      : name === 'cpu'
        ? 'cpu (pure JS), 1 thread'
        : `${name} (libtensorflow), ${threads} threads`;
  return { name, reason, tfjs: tf.version_core, threads, kernels, detail };
}

/**
 * Makes `choice` the active tfjs backend (once per process; a second call with a different
 * concrete backend switches). Throws InputError (exit 2) when an explicit backend cannot load.
 */
export async function readyBackend(choice: BackendChoice, opts: BackendOptions = {}): Promise<ReadyBackend> {
  if (current !== null && (choice === 'auto' || choice === current.name)) return current;
  if (choice !== 'auto') {
    const err = await activate(choice, opts);
    if (err !== null) {
      throw new InputError(`--backend ${choice}: cannot load (${err}); ${HOW_TO[choice]}`, { flag: 'backend' });
    }
    current = describe(choice, 'requested', opts);
    return current;
  }
  const tried: string[] = [];
  for (const name of AUTO_ORDER) {
    const err = await activate(name, opts);
    if (err === null) {
      const reason = tried.length === 0 ? `${name} loaded` : `${tried.join('; ')}; ${name} loaded`;
      current = describe(name, reason, opts);
      return current;
    }
    tried.push(`${name} unavailable: ${err}`);
  }
  throw new Error(`no tfjs backend could load: ${tried.join('; ')}`);
}

export interface BackendProbe {
  name: BackendName;
  loads: boolean;
  version: string | null;
  error: string | null;
  howTo: string;
}

/** Whether each backend's package can be loaded, without activating it. */
export async function listBackends(): Promise<BackendProbe[]> {
  const out: BackendProbe[] = [];
  for (const name of BACKEND_NAMES) {
    const version = installedVersion(name);
    const error =
      version === null ? `${PACKAGE[name]} is not installed` : name === 'node' || name === 'node-gpu' ? await loadNode(PACKAGE[name] as '@tensorflow/tfjs-node') : null;
    out.push({ name, loads: error === null, version, error, howTo: HOW_TO[name] });
  }
  return out;
}

export interface BackendInfo extends BackendProbe {
  /** threads one op uses there, when it loads */
  threads: number | null;
  /** kernels of ours registered on it (wasm: Conv2DBackpropFilter, Conv2DBackpropInput) */
  kernels: string[];
  detail: string | null;
  /** default --jobs for it */
  defaultJobs: number;
}

export interface BackendsReport {
  backends: BackendInfo[];
  /** what `--backend auto` picks here, and why */
  auto: { picks: BackendName | null; reason: string };
}

/**
 * Loads each backend in turn (leaving the last one that loaded active) and reports what it is,
 * plus what auto would pick and why. For `initbench backends`.
 */
export async function inspectBackends(opts: BackendOptions = {}): Promise<BackendsReport> {
  const probes = await listBackends();
  const infos: BackendInfo[] = [];
  for (const p of probes) {
    const err = p.error ?? (await activate(p.name, opts));
    const loads = err === null;
    const d = loads ? describe(p.name, 'inspected', opts) : null;
    if (d !== null) current = d;
    infos.push({
      ...p,
      loads,
      error: err,
      threads: d?.threads ?? null,
      kernels: d?.kernels ?? [],
      detail: d?.detail ?? null,
      defaultJobs: defaultJobsFor(p.name),
    });
  }
  const tried: string[] = [];
  for (const name of AUTO_ORDER) {
    const info = infos.find((i) => i.name === name);
    if (info?.loads === true) {
      const reason = tried.length === 0 ? `${name} loaded` : `${tried.join('; ')}; ${name} loaded`;
      return { backends: infos, auto: { picks: name, reason } };
    }
    tried.push(`${name} unavailable: ${info?.error ?? 'not probed'}`);
  }
  return { backends: infos, auto: { picks: null, reason: tried.join('; ') } };
}

/** What a result was measured on: versions, backend, machine, git commit. */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { BackendName, Environment } from '../core/types.ts';

const require = createRequire(import.meta.url);

function pkgVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** HEAD's commit, null outside git. */
export function gitCommit(cwd = process.cwd()): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return /^[0-9a-f]{40}$/.test(head) ? head : null;
  } catch {
    return null;
  }
}

/** The environment of this process, with the backend as a worker readied it. */
export function captureEnvironment(backend: { name: BackendName; detail: string }): Environment {
  const cpus = os.cpus();
  return {
    initbench: (require('../../package.json') as { version: string }).version,
    tfjs: pkgVersion('@tensorflow/tfjs-core'),
    backend: backend.name,
    backendDetail: backend.detail,
    node: process.version,
    platform: `${process.platform} ${process.arch} ${os.release()}`,
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: os.availableParallelism?.() ?? cpus.length },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    gitCommit: gitCommit(),
  };
}

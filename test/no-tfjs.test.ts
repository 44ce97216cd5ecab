/**
 * Planning, the results store and the report load no tfjs: importing them in a fresh process
 * resolves no `@tensorflow/*` module (tfjs costs seconds of start-up; these stages do not compute).
 * A resolve hook records every module URL, CommonJS requires included (Node routes them through it
 * only for ESM, so we also read require.cache).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function loadedBy(entry: string): string[] {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-loads-')), 'loads.txt');
  fs.writeFileSync(file, '');
  const script = `await import(${JSON.stringify(path.join(root, entry))});
const { createRequire } = await import('node:module');
const cache = Object.keys(createRequire(import.meta.url).cache);
(await import('node:fs')).appendFileSync(process.env.INITBENCH_LOADS_FILE, cache.join('\\n') + '\\n');`;
  execFileSync(process.execPath, ['--import', 'tsx', '--import', path.join(root, 'test/fixtures/loads/register.mjs'), '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, INITBENCH_LOADS_FILE: file },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

describe('stages that do not compute load no tfjs', () => {
  for (const entry of ['src/suite/index.ts', 'src/results/index.ts', 'src/report/index.ts', 'src/arch/index.ts', 'src/init/index.ts', 'src/data/spec.ts']) {
    it(`import ${entry}`, () => {
      const loads = loadedBy(entry);
      // the hook saw the entry itself: an empty list would pass vacuously
      expect(loads.some((u) => u.includes(entry.replace('src/', '/src/')))).toBe(true);
      expect(loads.filter((u) => u.includes('@tensorflow'))).toEqual([]);
    });
  }
  it('the probe sees tfjs when it is loaded (src/model/index.ts builds with it)', () => {
    expect(loadedBy('src/model/index.ts').some((u) => u.includes('@tensorflow/tfjs'))).toBe(true);
  });
});

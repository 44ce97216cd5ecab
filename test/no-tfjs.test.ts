/**
 * Planning, the results store and the report load no tfjs: importing them in a fresh process
 * resolves no `@tensorflow/*` module (tfjs costs seconds of start-up; these stages do not compute).
 * A resolve hook records every module URL, CommonJS requires included (Node routes them through it
 * only for ESM, so we also read require.cache).
 */
import { describe, expect, it } from 'vitest';
import { loadedBy } from './fixtures/loads/loaded-by.ts';

describe('stages that do not compute load no tfjs', () => {
  for (const entry of ['src/suite/index.ts', 'src/results/index.ts', 'src/report/index.ts', 'src/arch/index.ts', 'src/init/index.ts', 'src/data/spec.ts', 'src/usermodel/topology.ts']) {
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

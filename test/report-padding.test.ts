/** The headline's padding factor is theory's, through the run's own geometry (strides included). */
import { describe, expect, it } from 'vitest';
import { probeSummaryRows } from '../src/report/rows.ts';
import { synthRecords } from '../src/results/synth.ts';

describe('probe summary padding factor', () => {
  it('depth 3, 16×16, k=3, stride 2 at layer 2: layer 2 keeps (23/24)² of its taps, layer 3 (22/24)²', () => {
    // a stride-2 'same' conv on 16 pads one column on one side only: 8·3 − 1 of its 24 taps per axis
    const records = synthRecords({ inits: ['he-normal'], activations: ['relu'], depths: [3], seeds: 1 }).records.map((r) => ({
      ...r,
      spec: { ...r.spec, arch: { ...r.spec.arch, downsample: { at: [2], mode: 'stride' as const } } },
    }));
    const [row] = probeSummaryRows(records);
    expect(row!.paddingFactor).toBeCloseTo((23 / 24) * (22 / 24), 12);
  });

  it("'valid' padding: 1", () => {
    const records = synthRecords({ inits: ['he-normal'], activations: ['relu'], depths: [3], seeds: 1 }).records.map((r) => ({
      ...r,
      spec: { ...r.spec, arch: { ...r.spec.arch, padding: 'valid' as const } },
    }));
    expect(probeSummaryRows(records)[0]!.paddingFactor).toBe(1);
  });
});

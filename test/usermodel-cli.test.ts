/**
 * `initbench probe --model`: every bad model file and flag is exit 2 with one line naming the file
 * (and the layer, class and name, or the JSON position), nothing on stdout; and one good run's --json
 * carries the suite probe's fields and the diagnosis.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'initbench.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'initbench-usermodel-cli-'));

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'probe', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const dense = (name: string, units: number, extra: Record<string, unknown> = {}) => ({
  class_name: 'Dense',
  config: { name, units, activation: 'linear', use_bias: false, kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null } }, ...extra },
});
const seq = (layers: unknown[]) => ({ class_name: 'Sequential', config: { name: 's', layers } });

const good = file('good/model.json', JSON.stringify({ modelTopology: seq([dense('d1', 3, { batch_input_shape: [null, 4] }), dense('d2', 2)]), format: 'layers-model', weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd1/kernel', shape: [4, 3], dtype: 'float32' }, { name: 'd2/kernel', shape: [3, 2], dtype: 'float32' }] }] }));
writeFileSync(path.join(tmp, 'good', 'w.bin'), Buffer.from(Float32Array.from({ length: 18 }, (_, i) => Math.cos(i) * 0.5).buffer));

const cases: [string, string[], RegExp][] = [
  ['graph model', [file('graph.json', JSON.stringify({ format: 'graph-model', modelTopology: { node: [{ name: 'x', op: 'Placeholder' }] }, weightsManifest: [] }))], /graph\.json: this is a tfjs graph model/],
  ['missing file', [path.join(tmp, 'nope', 'model.json')], /nope\/model\.json: model file not found/],
  ['malformed JSON', [file('bad.json', '{\n  "modelTopology": {\n    "class_name": "Sequential",,\n')], /bad\.json: malformed JSON at line 3 column \d+/],
  [
    'unsupported layer (class and name)',
    [file('lstm.json', JSON.stringify(seq([dense('d1', 3, { batch_input_shape: [null, 4] }), { class_name: 'LSTM', config: { name: 'my_lstm', units: 4 } }])))],
    /lstm\.json: layer "my_lstm" \(class LSTM\) is not supported; supported: Conv2D, /,
  ],
  [
    'missing weights',
    [file('noweights/model.json', JSON.stringify({ modelTopology: seq([dense('d1', 3, { batch_input_shape: [null, 4] })]), weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'd1/kernel', shape: [4, 3], dtype: 'float32' }] }] }))],
    /noweights\/model\.json: weightsManifest\[0\]\.paths\[0\]: weight file "group1-shard1of1\.bin" not found/,
  ],
  ['--init-map with an unknown layer', [good, '--init-map', 'd9=he-normal'], /--init-map: .*good\/model\.json has no conv or dense layer "d9"; its kernels: d1, d2/],
  ['--depth with --model', [good, '--depth', '4'], /--depth: not with --model/],
];

describe('initbench probe --model: bad input is one line and exit 2', () => {
  it.concurrent.each(cases)('%s', async (_name, args, message) => {
    const r = await run(['--model', ...args, '--backend', 'cpu']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('initbench probe --model: a good model', () => {
  it('dense 4→3→2, 2 seeds, --json: the suite probe fields per layer and the diagnosis', async () => {
    const r = await run(['--model', good, '--seeds', '2', '--batch', '4', '--backend', 'cpu', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as {
      model: { format: string; contentHash: string; inputShape: number[] };
      results: { layers: { name: string; pre: unknown; post: unknown; gradPre: unknown; gradWeight: unknown; theory: unknown; theoryNote: string }[] }[];
      aggregate: { results: number; layers: { name: string }[] };
      diagnosis: { sentences: string[]; advice: { name: string; recommended: string }[] };
    };
    expect(j.model).toMatchObject({ format: 'tfjs-layers', inputShape: [4] });
    expect(j.aggregate.results).toBe(2);
    expect(j.results[0]!.layers.map((l) => l.name)).toEqual(['d1', 'd2']);
    for (const k of ['pre', 'post', 'gradPre', 'gradWeight', 'theory']) expect(j.results[0]!.layers[0]).toHaveProperty(k);
    expect(j.diagnosis.advice.map((a) => [a.name, a.recommended])).toEqual([
      ['d1', 'lecun-normal'],
      ['d2', 'lecun-normal'],
    ]);
    expect(j.diagnosis.sentences.length).toBeGreaterThan(0);
  });
});

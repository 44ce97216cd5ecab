#!/usr/bin/env node
// `npm run build`, and `npm ci` through `prepare`: compiles src/ to dist/ with tsc (relative './x.ts'
// imports become './x.js'), copies the files that are not TypeScript (the worker bootstraps), and
// stamps dist/ with the sources it was built from (scripts/dist-stamp.mjs). bin/initbench.js runs
// dist/ while that stamp matches and the sources through tsx otherwise.
//
// --prepare (npm ci): never fails the install. Without TypeScript (`npm ci --omit=dev`) nothing is
// built; with type errors dist/ is still built (tsc emits what tsx would run) and one line says so.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP, sourceFingerprint } from './dist-stamp.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const prepare = process.argv.includes('--prepare');
const t0 = Date.now();

// no stamp while dist/ is being rewritten: a command started meanwhile runs the sources
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
// taken before compiling, so an edit made during the build leaves dist/ stale, not falsely fresh
const fingerprint = sourceFingerprint(root);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  const why = 'TypeScript is not installed (npm ci --omit=dev?); initbench will run its sources through tsx';
  if (prepare) {
    process.stderr.write(`initbench build: skipped: ${why}\n`);
    process.exit(0);
  }
  process.stderr.write(`initbench build: ${why}\n`);
  process.exit(1);
}

const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
// tsc's exit status 2 is "diagnostics present, outputs generated": type errors, JS still written
if (r.status !== 0 && r.status !== 2) {
  process.stderr.write(`initbench build: tsc failed (${r.status ?? r.signal}); initbench will run its sources through tsx\n`);
  fs.rmSync(dist, { recursive: true, force: true });
  process.exit(prepare ? 0 : 1);
}

let assets = 0;
for (const rel of fs.readdirSync(path.join(root, 'src'), { recursive: true })) {
  const from = path.join(root, 'src', rel);
  if (rel.endsWith('.ts') || rel.endsWith('.md') || !fs.statSync(from).isFile()) continue;
  fs.mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
  fs.copyFileSync(from, path.join(dist, rel));
  assets++;
}
fs.writeFileSync(path.join(root, STAMP), fingerprint);

if (r.status === 2) {
  process.stderr.write(`initbench build: dist/ built, but with the type errors above (npm run typecheck)\n`);
  process.exit(prepare ? 0 : 1);
}
if (!prepare) process.stdout.write(`initbench build: dist/ from src/ (${assets} files copied as they are) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

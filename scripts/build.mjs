#!/usr/bin/env node
// `npm run build`, and `npm ci` through `prepare`: bundles src/ into dist/ with esbuild, copies the
// files that are not TypeScript (the worker bootstraps), and stamps dist/ with the sources it was
// built from (scripts/dist-stamp.mjs). bin/initbench.js runs dist/ while that stamp matches and the
// sources through tsx otherwise.
//
// Why a bundle rather than tsc's file-per-module output: Node resolves, reads and links every ES
// module on its own, and start-up was mostly that (yargs alone is ~30 modules, the CLI ~40 more).
// Code splitting keeps what a command loads with `await import` in chunks of its own, loaded only
// when that command runs, and puts each module in exactly one output file, so no module is ever
// instantiated twice in a thread (backend/notice's once-only note, tfjs's registries).
//
// Modules that a worker thread loads by URL are entry points at their own path, dist/X.js for
// src/X.ts: the pool's worker (pool/worker-boot.mjs imports ./worker.js) and every stage's task
// module (it exports `handlers`; a task names it by its import.meta.url, pool/task.ts). Every
// `import.meta.url` is rewritten to the URL its module would have unbundled, dist/X.js for ours (so
// suites/, package.json and the bootstraps resolve from it in both trees) and its own file for a
// dependency's (yargs reads its locales and the package.json beside it).
//
// The build does not type-check (`npm run typecheck` and `npm test` do). --prepare (npm ci): never
// fails the install; if the bundle cannot be built, one line says so and initbench runs its
// sources through tsx.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP, sourceFingerprint } from './dist-stamp.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const prepare = process.argv.includes('--prepare');
const t0 = Date.now();

function fail(why) {
  process.stderr.write(`initbench build: ${why}; initbench will run its sources through tsx\n`);
  fs.rmSync(dist, { recursive: true, force: true });
  process.exit(prepare ? 0 : 1);
}

// no stamp while dist/ is being rewritten: a command started meanwhile runs the sources
fs.rmSync(dist, { recursive: true, force: true });
// taken before bundling, so an edit made during the build leaves dist/ stale, not falsely fresh
const fingerprint = sourceFingerprint(root);

const require = createRequire(import.meta.url);
let esbuild;
try {
  esbuild = require('esbuild');
} catch (e) {
  fail(`esbuild did not load (${e.message.split('\n')[0]})`);
}

/**
 * Left to Node, from node_modules: tfjs (one instance for every backend, which backend/ loads by
 * name; the wasm backend's .wasm files sit beside it), resvg (native), piscina (starts its own worker
 * script from its folder), tsx (the loader the bootstraps register) and CommonJS packages that
 * require Node's built-ins (an ES module bundle has no `require` for them: the check below).
 */
const EXTERNAL = ['@tensorflow/*', '@resvg/*', 'piscina', 'tsx', 'tsx/*', 'cli-progress'];

/**
 * yargs' help layout measures every word with string-width; scripts/string-width.mjs stands in for it
 * in yargs, cliui and wrap-ansi (the same widths, see there), and loads yargs' own string-width 8 only
 * for text it cannot measure itself.
 */
const stringWidthShim = path.join(root, 'scripts', 'string-width.mjs');
const yargsDir = path.dirname(require.resolve('yargs/package.json'));

const entries = ['cli/main.ts', 'pool/worker.ts'].filter((rel) => fs.existsSync(path.join(src, rel)));
for (const rel of fs.readdirSync(src, { recursive: true })) {
  if (rel.endsWith('.ts') && /^export const handlers\b/m.test(fs.readFileSync(path.join(src, rel), 'utf8'))) entries.push(rel);
}

// a string no source contains, replaced after bundling (see the header)
const MODULE_URL = '__initbench_module_url__:';
const plugin = {
  name: 'initbench',
  setup(b) {
    // import.meta.url of every bundled module (ours and the dependencies': yargs finds its locales and
    // package.json by it) → a string naming the file it stands for, root-relative: dist/X.js for
    // src/X.ts, the file itself in node_modules. esbuild's define replaces the expression, never text
    // inside a string or comment.
    b.onLoad({ filter: /\.(ts|js|mjs)$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      const ours = args.path.startsWith(src + path.sep);
      // these would name the chunk's folder, not the module's
      const other = ours ? /\bimport\.meta\.(dirname|filename|resolve)\b/.exec(text) : null;
      if (other !== null) throw new Error(`${path.relative(root, args.path)}: ${other[0]} would name the bundle's chunk in dist/; derive it from import.meta.url`);
      if (!text.includes('import.meta.url')) return undefined;
      const stands = ours ? path.join(dist, path.relative(src, args.path)).replace(/\.ts$/, '.js') : args.path;
      const url = JSON.stringify(MODULE_URL + path.relative(root, stands).split(path.sep).join('/'));
      const loader = args.path.endsWith('.ts') ? 'ts' : 'js';
      const { code } = await esbuild.transform(text, { loader, sourcefile: args.path, define: { 'import.meta.url': url } });
      return { contents: code, loader: 'js', resolveDir: path.dirname(args.path) };
    });
    b.onResolve({ filter: /^string-width$/ }, (args) => {
      if (args.importer === stringWidthShim) return b.resolve('string-width', { kind: args.kind, resolveDir: yargsDir });
      return /[\\/]node_modules[\\/](yargs|cliui|wrap-ansi)[\\/]/.test(args.importer) ? { path: stringWidthShim } : undefined;
    });
  },
};

let result;
try {
  result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: entries.map((e) => path.join(src, e)),
    outbase: src,
    outdir: dist,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    chunkNames: 'chunks/[name]-[hash]',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    plugins: [plugin],
  });
} catch (e) {
  const first = e.errors?.[0];
  // a plugin's error (ours above) says where itself; esbuild's own name the source line
  const where = first?.location !== null && first?.location !== undefined && first.pluginName === '' ? `${first.location.file}:${first.location.line}: ` : '';
  fail(first !== undefined ? `${where}${first.text}` : e.message);
}

for (const f of result.outputFiles) {
  const dir = path.dirname(f.path);
  const text = f.text.replaceAll(new RegExp(`"${MODULE_URL}([^"]+)"`, 'g'), (_, rel) => {
    const to = path.relative(dir, path.join(root, rel)).split(path.sep).join('/');
    return `new URL(${JSON.stringify(to.startsWith('.') ? to : `./${to}`)}, import.meta.url).href`;
  });
  if (text.includes(MODULE_URL)) fail(`${path.relative(root, f.path)}: an import.meta.url left unrewritten`);
  // esbuild's stand-in for a require() it could not bundle throws "Dynamic require of … is not supported" when called
  if (text.includes('Dynamic require of')) fail(`${path.relative(root, f.path)}: a bundled CommonJS module requires a Node built-in; add its package to EXTERNAL in scripts/build.mjs`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(f.path, text);
}

let assets = 0;
for (const rel of fs.readdirSync(src, { recursive: true })) {
  const from = path.join(src, rel);
  if (rel.endsWith('.ts') || rel.endsWith('.md') || !fs.statSync(from).isFile()) continue;
  fs.mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
  fs.copyFileSync(from, path.join(dist, rel));
  assets++;
}
fs.writeFileSync(path.join(root, STAMP), fingerprint);

if (!prepare) {
  process.stdout.write(`initbench build: dist/ from src/ (${entries.length} entry points, ${result.outputFiles.length} files, ${assets} copied as they are) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

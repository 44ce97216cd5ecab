#!/usr/bin/env node
// Runs the bundled dist/ when it was built from the sources as they are now (scripts/dist-stamp.mjs),
// which starts in a fraction of a second; otherwise (never built, or a source edited since the build)
// the TypeScript sources through tsx: seconds slower to start, never stale. `npm ci` builds dist/
// (the `prepare` script); after editing src/, `npm run build` brings the fast start back.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
// `--version` alone needs neither yargs nor a command: answer it before loading either (what yargs
// would print, the package's version), the one start-up that can be as fast as node itself
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  process.exit(0);
}
const { distIsFresh } = await import('../scripts/dist-stamp.mjs');

let main;
if (distIsFresh(fileURLToPath(new URL('..', import.meta.url)))) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(argv);

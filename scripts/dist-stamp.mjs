// Whether dist/ was built from the sources as they are now. scripts/build.mjs writes the stamp;
// bin/initbench.js runs dist/ only when the stamp still matches, and the TypeScript through tsx
// otherwise, so an edit made after a build can never run as the old compiled code.
import fs from 'node:fs';
import path from 'node:path';

export const STAMP = path.join('dist', '.source-stamp');

/**
 * Files outside src/ whose change changes what the build emits: its script, and the lockfile, since
 * the bundle holds the dependencies it inlines (yargs, vega, …).
 */
const INPUTS = ['scripts/build.mjs', 'package-lock.json', 'tsconfig.json'];

/**
 * One line per entry under src/ (files and folders) and per INPUTS file: path, mtime and size. An
 * edit, a new, renamed or deleted file, or a checkout that touches a file changes it. About 170
 * stats, a few milliseconds: cheap enough for every start (plain string paths, since path.join's
 * normalization of each one cost more than the stats themselves).
 */
export function sourceFingerprint(root) {
  const lines = [];
  const line = (rel, isDir) => {
    const st = fs.statSync(`${root}/${rel}`, { throwIfNoEntry: false });
    lines.push(st === undefined ? `${rel} -` : `${rel} ${st.mtimeMs} ${isDir ? 'dir' : st.size}`);
  };
  const walk = (rel) => {
    for (const d of fs.readdirSync(`${root}/${rel}`, { withFileTypes: true })) {
      line(`${rel}/${d.name}`, d.isDirectory());
      if (d.isDirectory()) walk(`${rel}/${d.name}`);
    }
  };
  walk('src');
  for (const rel of INPUTS) line(rel, false);
  return lines.sort().join('\n') + '\n';
}

/** True when dist/ holds a complete build of the current sources. */
export function distIsFresh(root) {
  let stamp;
  try {
    stamp = fs.readFileSync(path.join(root, STAMP), 'utf8');
  } catch {
    return false;
  }
  return stamp === sourceFingerprint(root);
}

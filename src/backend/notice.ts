/**
 * The one-time note that tfjs-node is missing. npm drops the optional @tensorflow/tfjs-node when its
 * install step cannot download libtensorflow (no network, an unsupported platform), silently; the
 * first command that picks a backend by `auto` then says which one it uses and how to get tfjs-node.
 * Said once per user: a marker file in the user's cache dir ($XDG_CACHE_HOME or ~/.cache)/initbench/
 * remembers it. Only on a terminal: a pipe or a CI log gets the backend from `initbench backends`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HOW_TO, installedVersion, likelyAutoPick } from './choices.ts';

export function noticeMarker(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : path.join(os.homedir(), '.cache');
  return path.join(cache, 'initbench', 'said-tfjs-node-missing');
}

/** The note's text, or null when tfjs-node is installed. */
export function tfjsNodeNotice(marker: string): string | null {
  if (installedVersion('node') !== null) return null;
  return [
    `initbench: --backend auto uses ${likelyAutoPick()} here: @tensorflow/tfjs-node is not installed`,
    '  (npm skips this optional package when its install step cannot download libtensorflow).',
    `  To get it: ${HOW_TO.node}.`,
    `  \`initbench backends\` shows what loads. This note is shown once (remembered in ${marker}).`,
  ].join('\n');
}

/**
 * Writes the note to `out` if it applies and was not said before, then marks it said. A marker that
 * cannot be written (read-only home) only means the note comes again next time.
 */
export function noteMissingTfjsNodeOnce(out: { isTTY?: boolean; write(text: string): unknown } = process.stderr, marker: string = noticeMarker()): boolean {
  if (out.isTTY !== true || fs.existsSync(marker)) return false;
  const text = tfjsNodeNotice(marker);
  if (text === null) return false;
  out.write(text + '\n');
  try {
    fs.mkdirSync(path.dirname(marker), { recursive: true });
    fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  } catch {
    // nothing to do: see above
  }
  return true;
}

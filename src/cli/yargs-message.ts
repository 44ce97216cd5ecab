import { unknownNameMessage } from '../core/errors.ts';

/**
 * yargs' own "Invalid values:" (a value outside a flag's `choices`) spans lines; as one line, in our
 * words: `--backend: unknown value "tpu" (did you mean "cpu"?); known: auto, node, …`. Other messages pass.
 */
export function oneLineYargsMessage(msg: string): string {
  const bad = [...msg.matchAll(/Argument: ([\w-]+), Given: (.*?), Choices: (.*)$/gm)];
  if (bad.length === 0) return msg.replace(/\s*\n\s*/g, ' ');
  const unquote = (x: string): string => (x.startsWith('"') ? (JSON.parse(x) as string) : x);
  return bad.map(([, flag, given, choices]) => `--${flag}: ${unknownNameMessage('value', unquote(given!), choices!.split(/,\s*/).map(unquote))}`).join('; ');
}

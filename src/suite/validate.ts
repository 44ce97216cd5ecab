/**
 * Suite text → SuiteSpec, or an InputError naming the file and the JSON path of every problem:
 *   `suites/x.json: matrix.depth[2]: expected integer ≥ 1, got "ten"`
 * JSON syntax errors carry line and column (momoa's positions); schema errors are Ajv's (allErrors), translated here.
 */
import { evaluate, parse as parseJson, type DocumentNode, type MemberNode, type ValueNode } from '@humanwhocodes/momoa';
import { Ajv, type ErrorObject } from 'ajv';
import { InputError, describeValue, unknownNameMessage } from '../core/errors.ts';
import { SuiteSchema, type SuiteSpec } from './schema.ts';

let compiled: ReturnType<Ajv['compile']> | null = null;
function validator(): ReturnType<Ajv['compile']> {
  if (compiled === null) {
    // verbose: errors carry the failing schema and data, which the messages describe.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'nameKind', schemaType: 'string' });
    compiled = ajv.compile(SuiteSchema);
  }
  return compiled;
}

/** `/matrix/depth/2` → `matrix.depth[2]`; keys that are not identifiers are quoted. */
export function displayPath(pointer: string | (string | number)[]): string {
  const parts =
    typeof pointer === 'string'
      ? pointer === ''
        ? []
        : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      : pointer.map(String);
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Nesting deeper than this is refused before parsing: the parser recurses, and no suite nests past ~6. */
export const MAX_JSON_DEPTH = 1000;

/**
 * One pass over the text for what the parser lets through or cannot survive: the first raw control
 * character inside a string (momoa accepts them there; JSON does not), and the first `[`/`{` nested
 * deeper than `limit` (momoa recurses). -1 where there is none.
 */
function prescan(text: string, limit: number): { control: number; deep: number } {
  let depth = 0;
  let inString = false;
  let control = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      else if (c < 0x20 && control < 0) control = i;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return { control, deep: i };
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return { control, deep: -1 };
}

const TOKEN_TEXT: Record<string, string> = { RBrace: '}', LBrace: '{', RBracket: ']', LBracket: '[', Comma: ',', Colon: ':' };

/** What is wrong at `at`, from the parser's message and the text there, with a hint for the usual slips. */
function syntaxProblem(text: string, at: number, parserMessage: string): string {
  if (at >= text.length) return 'the text ends inside a value; an unclosed {, [ or string?';
  const rest = text.slice(at);
  const special = /^-?(NaN|Infinity)\b/.exec(rest);
  if (special !== null) return `${special[0]} is not a JSON number`;
  const c = rest[0]!;
  if (c === "'") return "unexpected '; JSON strings and keys take double quotes";
  if (c === '/') return 'unexpected /; JSON has no comments';
  if ((c === '}' || c === ']') && /,\s*$/.test(text.slice(0, at))) return `a trailing comma before ${c}`;
  const ident = /^Unexpected identifier '(.*)' found/.exec(parserMessage);
  if (ident !== null) return `unexpected word ${JSON.stringify(ident[1])}; JSON's words are true, false and null`;
  const token = /^Unexpected token (\w+) found/.exec(parserMessage);
  if (token !== null) {
    const symbol = TOKEN_TEXT[token[1]!];
    // a value where a , or : belongs
    return symbol !== undefined ? `unexpected ${symbol}` : `unexpected ${token[1]!.toLowerCase()}; a missing , or : before it?`;
  }
  const ch = /^Unexpected character '([^]*)' found/.exec(parserMessage);
  return `unexpected ${JSON.stringify(ch?.[1] ?? c)}`;
}

/**
 * Suite text → value, strictly JSON (RFC 8259), with errors that say where: a syntax error gives the
 * true `line L, column C` (from the parser's own position, not from JSON.parse's message, which has
 * none on Node 20); a key given twice in one object is an error naming both places, since JSON.parse
 * would silently keep the last. A leading byte-order mark is skipped.
 */
export function parseJsonText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // the earliest problem is the one reported
  const problems: [number, string][] = [];
  const { control, deep } = prescan(body, MAX_JSON_DEPTH);
  if (control >= 0) problems.push([control, controlProblem(body, control)]);
  if (deep >= 0) problems.push([deep, `nested more than ${MAX_JSON_DEPTH} levels deep`]);
  const doc = deep >= 0 ? null : tryParse(body);
  if (doc !== null && 'at' in doc) problems.push([doc.at, doc.what]);
  const first = problems.sort((x, y) => x[0] - y[0])[0];
  if (first !== undefined || doc === null || 'at' in doc) {
    const [at, what] = first!;
    const { line, column } = lineColumn(body, at);
    throw new InputError(`${file}: line ${line}, column ${column}: not valid JSON: ${what}`, { file });
  }
  assertNoDuplicateKeys(doc.body, [], body, file);
  return evaluate(doc);
}

function tryParse(text: string): DocumentNode | { at: number; what: string } {
  if (text.trim() === '') return { at: 0, what: 'the file is empty' };
  try {
    return parseJson(text, { mode: 'json' });
  } catch (e) {
    // momoa's errors carry the offset of the offending token; at the end of input, the end is the place
    const err = e as Error & { offset?: number };
    const offset = err.offset ?? text.length;
    // momoa can name the whitespace before the end instead of the end itself
    const at = err.name === 'UnexpectedEOF' || text.slice(offset).trim() === '' ? text.length : offset;
    return { at, what: syntaxProblem(text, at, err.message) };
  }
}

function controlProblem(text: string, at: number): string {
  const hex = text.charCodeAt(at).toString(16).padStart(4, '0');
  return `a raw control character U+${hex.toUpperCase()}; inside a string, write it as \\u${hex}`;
}

/** A key twice in one object: JSON.parse keeps the last silently, so a suite edit could vanish. */
function assertNoDuplicateKeys(node: ValueNode, at: (string | number)[], text: string, file: string): void {
  if (node.type === 'Array') {
    node.elements.forEach((el, i) => assertNoDuplicateKeys(el.value, [...at, i], text, file));
    return;
  }
  if (node.type !== 'Object') return;
  const first = new Map<string, MemberNode>();
  for (const m of node.members) {
    const key = m.name.type === 'String' ? m.name.value : m.name.name;
    const prev = first.get(key);
    if (prev !== undefined) {
      const where = (n: MemberNode) => {
        const { line, column } = lineColumn(text, n.name.loc.start.offset);
        return `line ${line}, column ${column}`;
      };
      const path = displayPath([...at, key]);
      throw new InputError(
        `${file}: ${path}: key ${JSON.stringify(key)} appears twice in one object, at ${where(prev)} and at ${where(m)} (JSON keeps only the last; remove one)`,
        { file, path },
      );
    }
    first.set(key, m);
    assertNoDuplicateKeys(m.value, [...at, key], text, file);
  }
}

/** The first byte of `bytes` that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstBadUtf8Byte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // lead byte → continuation count; C0, C1 (overlong) and F5.. (beyond U+10FFFF) never lead
    const n = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (n === 0) return i;
    // the second byte's range rules out overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4)
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** File bytes → text: strict UTF-8 (an error names the first bad byte's offset and line); a BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstBadUtf8Byte(bytes);
    const line = bytes.subarray(0, at).reduce((n, b) => n + (b === 10 ? 1 : 0), 1);
    throw new InputError(
      `${file}: byte offset ${at} (line ${line}): not valid UTF-8 (byte 0x${bytes[at]!.toString(16).padStart(2, '0')}); save the file as UTF-8`,
      { file },
    );
  }
}

type Sch = Record<string, unknown>;

/** What a schema node accepts, in words: `integer ≥ 1`, `number > 0`, `one of a, b`, … */
export function describeSchema(s: Sch): string {
  if (typeof s.expected === 'string') return s.expected;
  if (Array.isArray(s.enum)) return `one of ${(s.enum as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if ('const' in s) return JSON.stringify(s.const);
  const t = s.type as string | undefined;
  const bounds: string[] = [];
  if (typeof s.minimum === 'number') bounds.push(`≥ ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') bounds.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number') bounds.push(`≤ ${s.maximum}`);
  if (typeof s.exclusiveMaximum === 'number') bounds.push(`< ${s.exclusiveMaximum}`);
  switch (t) {
    case 'integer':
    case 'number':
      return [t, bounds.join(' and ')].filter((x) => x !== '').join(' ');
    case 'string':
      return typeof s.minLength === 'number' && s.minLength > 0 ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array': {
      const items = s.items as Sch | undefined;
      const of = items !== undefined ? ` of ${describeSchema(items)}` : '';
      return typeof s.minItems === 'number' && s.minItems > 0 ? `a non-empty array${of}` : `an array${of}`;
    }
    case 'object':
      return 'an object';
    default:
      if (Array.isArray(s.anyOf)) return (s.anyOf as Sch[]).map(describeSchema).join(' or ');
      return 'a valid value';
  }
}

function jsType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeAccepts(s: Sch, v: unknown): boolean {
  const t = s.type as string | undefined;
  if (t === undefined) return true;
  const jt = jsType(v);
  if (t === jt) return true;
  if (t === 'number' && jt === 'integer') return true;
  // a union branch told apart by a `kind` literal: {kind: "step"} goes to the step branch only
  return false;
}

/** Keys whose literal value picks a union's object branch: data's and schedules' `kind`, the bias's `init`. */
const DISCRIMINATORS = ['kind', 'init'] as const;

function branchMatches(s: Sch, v: unknown): boolean {
  if (!typeAccepts(s, v)) return false;
  const props = s.properties as Record<string, Sch> | undefined;
  if (v === null || typeof v !== 'object' || props === undefined) return true;
  const o = v as Record<string, unknown>;
  for (const key of DISCRIMINATORS) {
    const d = props[key];
    if (d !== undefined && 'const' in d) return o[key] === d.const;
    // {"init": "normal", …} is not meant for a closed branch without `init` ({"sigmaB2": …})
    if (d === undefined && key in o && s.additionalProperties === false) return false;
  }
  return true;
}

/**
 * Narrows Ajv's errors to what a person needs: inside a union (anyOf) keep only the errors of the
 * branch the value was evidently meant for (by JSON type, or by its `kind`); if none fits, keep the
 * union's own error, described by its `expected` annotation.
 */
function narrow(errors: ErrorObject[]): ErrorObject[] {
  let out = errors;
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  // Outer unions first (shorter schema paths), so inner ones are judged among survivors.
  unions.sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const u of unions) {
    if (!out.includes(u)) continue;
    const branches = u.schema as Sch[];
    const matching = branches.map((b) => branchMatches(b, u.data));
    const fits = matching.filter(Boolean).length;
    const prefix = `${u.schemaPath}/`;
    // the same schema path serves every item of an array: an error is this union's only at this value
    const under = (e: ErrorObject) =>
      e.schemaPath.startsWith(prefix) && (e.instancePath === u.instancePath || e.instancePath.startsWith(`${u.instancePath}/`));
    const inBranch = (e: ErrorObject, i: number) => e.schemaPath.startsWith(`${prefix}${i}/`);
    if (fits === 0) {
      out = out.filter((e) => e === u || !under(e));
      continue;
    }
    const keep = out.filter((e) => {
      if (!under(e)) return e !== u;
      return branches.some((_, i) => matching[i] && inBranch(e, i));
    });
    const branchErrors = keep.filter(under);
    out = branchErrors.length > 0 ? keep : [...keep, u];
  }
  return out;
}

function messageFor(e: ErrorObject): { path: string; text: string } {
  const path = displayPath(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Sch;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((parent.properties ?? {}) as object);
      return { path: displayPath(`${e.instancePath}/${key}`), text: unknownNameMessage('key', key, known) };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      const sub = ((parent.properties ?? {}) as Record<string, Sch>)[key] ?? {};
      return { path: displayPath(`${e.instancePath}/${key}`), text: `expected ${describeSchema(sub)}, got nothing` };
    }
    case 'enum': {
      if (typeof e.data === 'string') {
        const kind = typeof parent.nameKind === 'string' ? parent.nameKind : 'value';
        return { path, text: unknownNameMessage(kind, e.data, parent.enum as string[]) };
      }
      return { path, text: `expected ${describeSchema(parent)}, got ${describeValue(e.data)}` };
    }
    case 'minProperties':
      return { path, text: `expected ${describeSchema(parent)}, got an empty object` };
    case 'pattern':
    case 'minLength':
    case 'type':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf':
    case 'const':
    case 'minItems':
    case 'maxItems':
    case 'anyOf':
      return {
        path,
        text: `expected ${describeSchema(parent)}, got ${describeValue(e.data)}`,
      };
    default:
      return { path, text: `${e.message ?? 'invalid'}, got ${describeValue(e.data)}` };
  }
}

/** One line per problem, each `file: path: message`; the first line is the InputError's lead. */
export function formatProblems(file: string, problems: { path: string; text: string }[]): InputError {
  const lines = problems.slice(0, 20).map((p) => `${file}: ${p.path === '' ? '' : `${p.path}: `}${p.text}`);
  if (problems.length > 20) lines.push(`… and ${problems.length - 20} more`);
  const first = problems[0];
  return new InputError(lines.join('\n'), { file, path: first?.path });
}

/** Validates parsed JSON against the suite schema; throws InputError listing every problem. */
export function validateSuiteValue(value: unknown, file: string): SuiteSpec {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${file}: expected a suite object, got ${describeValue(value)}`, { file });
  }
  const validate = validator();
  if (validate(value)) return value as SuiteSpec;
  const errs = narrow(validate.errors ?? []);
  const seen = new Set<string>();
  const problems: { path: string; text: string }[] = [];
  for (const e of errs) {
    const p = messageFor(e);
    const key = `${p.path}|${p.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  throw formatProblems(file, problems);
}

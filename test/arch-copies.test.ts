/**
 * theory/ and reference/ restate core's ArchSpec (they import nothing of ours); each lists the fields
 * it handles and those it leaves out on purpose. A field added to ArchSpec fails here until both say
 * which it is: at compile time (tsc) and against a planned spec's fields at run time.
 */
import { describe, expect, it } from 'vitest';
import type { ArchSpec } from '../src/core/types.ts';
import { REF_ARCH_FIELDS, REF_ARCH_IGNORED, type RefArchSpec } from '../src/reference/index.ts';
import { loadSuite } from '../src/suite/index.ts';
import { THEORY_ARCH_FIELDS, THEORY_ARCH_IGNORED, type TheoryArch } from '../src/theory/index.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Theory = (typeof THEORY_ARCH_FIELDS)[number];
type Ref = (typeof REF_ARCH_FIELDS)[number];

// Each copy's handled ∪ ignored is ArchSpec's keys, its handled fields are its own copy's keys, and
// those have ArchSpec's types. A `false` here is a type error.
const compileTime: [
  Same<keyof ArchSpec, Theory | (typeof THEORY_ARCH_IGNORED)[number]>,
  Same<keyof TheoryArch, Theory>,
  Same<Pick<ArchSpec, Theory>, TheoryArch>,
  Same<keyof ArchSpec, Ref | (typeof REF_ARCH_IGNORED)[number]>,
  Same<keyof RefArchSpec, Ref>,
  Same<Pick<ArchSpec, Ref>, RefArchSpec>,
] = [true, true, true, true, true, true];

describe('structural copies of ArchSpec', () => {
  const planned = Object.keys(loadSuite('suites/default.json').plan.runs[0]!.arch).sort();
  it.each([
    ['theory', THEORY_ARCH_FIELDS, THEORY_ARCH_IGNORED],
    ['reference', REF_ARCH_FIELDS, REF_ARCH_IGNORED],
  ] as [string, readonly string[], readonly string[]][])('%s handles or ignores each field of a planned ArchSpec, once', (_, handled, ignored) => {
    expect([...handled, ...ignored].sort()).toEqual(planned);
  });
});

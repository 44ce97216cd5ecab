// The string-width that dist/'s bundle gives yargs' help layout (yargs, cliui, wrap-ansi) instead of
// their own (scripts/build.mjs). Loading string-width 8 builds an Intl.Segmenter and compiles regexes
// over every emoji sequence; with string-width 7 (cliui's and wrap-ansi's) each character also passes
// the segmenter and an emoji regex. Together that was most of `initbench COMMAND --help`'s time. Here
// text made only of characters one column wide that never join the next into one grapheme is as
// wide as it is long, which is what string-width 8 says of it (test/cli-startup.test.ts checks every
// such character); anything else is measured by string-width 8 itself, loaded on first use.

/**
 * Printable ASCII, Latin, Greek and Cyrillic letters, punctuation, super- and subscripts, currency,
 * letterlike symbols, arrows, mathematical operators, box drawing. Not: controls, the soft hyphen,
 * combining marks, zero-width and joining characters, variation selectors, Hangul jamo, wide (CJK)
 * characters, emoji.
 */
export const ONE_COLUMN = /^[\u0020-\u007e\u00ae-\u02ff\u0370-\u0482\u1e00-\u200a\u2010-\u2027\u2030-\u205e\u2070-\u20cf\u20f1-\u2319\u23f4-\u25fc\u27c0-\u2b1a]*$/;

let stringWidth8;

export default function stringWidth(string, options) {
  if (options === undefined && typeof string === 'string' && ONE_COLUMN.test(string)) return string.length;
  // bundled by esbuild, this require initializes string-width 8 only now (plain Node never runs it:
  // only the bundle uses this module)
  stringWidth8 ??= require('string-width').default;
  return stringWidth8(string, options);
}

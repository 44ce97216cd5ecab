export const ONE_COLUMN: RegExp;
export default function stringWidth(string: string, options?: { ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean }): number;

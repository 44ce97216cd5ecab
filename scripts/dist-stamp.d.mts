// Types of dist-stamp.mjs (plain JS: bin/initbench.js imports it before any TypeScript can load).
export declare const STAMP: string;
export declare function sourceFingerprint(root: string): string;
export declare function distIsFresh(root: string): boolean;

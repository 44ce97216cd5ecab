/**
 * Our kernels for the WASM backend (Conv2DBackpropFilter is missing in tfjs-backend-wasm 4.22).
 * Filled in by the foundation issue; returns the names of the kernels it registered.
 */
export function registerWasmKernels(): string[] {
  return [];
}

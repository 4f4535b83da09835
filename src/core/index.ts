// Pick a compute backend by name: 'wasm' (the best build the engine
// validates), 'wasm-simd', 'wasm-relaxed', 'js' or 'js-f64'. Outside Node,
// `await initWasm()` first (see wasm.ts).

import { createJsKernels } from './js/index.ts';
import { createWasmKernels, relaxedAvailable } from './wasm.ts';
import type { BackendName, Kernels } from './kernels.ts';

export type BackendChoice = 'wasm' | 'wasm-simd' | 'wasm-relaxed' | 'js' | 'js-f64';
export const BACKENDS: readonly BackendChoice[] = ['wasm', 'wasm-simd', 'wasm-relaxed', 'js', 'js-f64'];

/** With `threads`, a wasm backend's threads variant on a shared memory (same results; src/threads/ trains on it). */
/** Every f32 backend this engine runs (the wasm builds it validates, then the js twin): the one list tests and benches race. */
export function availableBackends(): BackendName[] {
  return ['wasm-simd', ...(relaxedAvailable() ? ['wasm-relaxed' as const] : []), 'js'];
}

export function createKernels(backend: BackendChoice = 'wasm', o: { threads?: boolean } = {}): Kernels {
  const threads = o.threads ? {} : undefined;
  switch (backend) {
    case 'wasm':
      return createWasmKernels(undefined, threads);
    case 'wasm-simd':
      return createWasmKernels('simd', threads);
    case 'wasm-relaxed':
      return createWasmKernels('relaxed', threads);
    case 'js':
      return createJsKernels('f32');
    case 'js-f64':
      return createJsKernels('f64');
  }
}

export { initWasm, sharedMemoryAvailable, type WasmBuild, type WasmSource } from './wasm.ts';
export * from './kernels.ts';
export { Heap, type FloatArray } from './heap.ts';

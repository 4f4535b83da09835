// The plain-TypeScript twin of the wasm core: the same kernels over the
// same layout, written for reading. With f64 storage it is the reference
// that gradients are checked against by finite differences.

import { Heap, arrayStorage } from '../heap.ts';
import type { Kernels } from '../kernels.ts';
import * as gemm from './gemm.ts';
import * as elementwise from './elementwise.ts';
import * as prior from './prior.ts';

export function createJsKernels(precision: 'f32' | 'f64' = 'f32'): Kernels {
  const heap = new Heap(arrayStorage(precision === 'f32' ? 4 : 8), 0);
  const kernels: Record<string, unknown> = { name: precision === 'f32' ? 'js' : 'js-f64', heap };
  // Each twin kernel takes the whole heap array first, then the Kernels arguments.
  for (const mod of [gemm, elementwise, prior]) {
    for (const [k, f] of Object.entries(mod)) {
      if (typeof f === 'function') kernels[k] = (...args: number[]) => (f as (...a: unknown[]) => void)(heap.all(), ...args);
    }
  }
  return kernels as unknown as Kernels;
}

// The plain-TypeScript twin of the wasm core: the same kernels over the
// same layout, written for reading. With f64 storage it is the reference
// that gradients are checked against by finite differences.

import { Heap, arrayStorage, type FloatArray } from '../heap.ts';
import { kernelTable, type Kernels, type KernelFunction, type KernelName } from '../kernels.ts';
import * as gemm from './gemm.ts';
import * as elementwise from './elementwise.ts';
import * as prior from './prior.ts';
import * as factor from './factor.ts';
import * as counts from './counts.ts';
import type { Twin } from './twin.ts';

/** The twin of every kernel (the modules' other exports, such as lgamma, are not kernels), typed against its Kernels method. */
const TWINS = { ...gemm, ...elementwise, ...prior, ...factor, ...counts } satisfies { [K in KernelName]: Twin<K> };

export function createJsKernels(precision: 'f32' | 'f64' = 'f32'): Kernels {
  const heap = new Heap(arrayStorage(precision === 'f32' ? 4 : 8), 0);
  const kernels = kernelTable((name) => {
    const twin = TWINS[name] as (h: FloatArray, ...args: number[]) => ReturnType<KernelFunction>;
    return (...args) => twin(heap.all(), ...args);
  });
  return { name: precision === 'f32' ? 'js' : 'js-f64', heap, ...kernels };
}

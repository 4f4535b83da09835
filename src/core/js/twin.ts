// A twin kernel's type: its contract's arguments (src/core/kernels.ts) after
// the whole heap array. Each twin takes its argument list, names aside, from
// the one declaration, so the two cannot drift.

import type { FloatArray } from '../heap.ts';
import type { KernelFunctions, KernelName } from '../kernels.ts';

export type Twin<K extends KernelName> = KernelFunctions[K] extends (...args: infer A) => infer R
  ? (h: FloatArray, ...args: A) => R
  : never;

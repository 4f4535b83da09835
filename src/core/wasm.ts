// The wasm backend: instantiate one of the AssemblyScript builds and wrap
// its memory in a Heap. Kernel exports take element indices, exactly like
// the Kernels methods, so they are handed out as they are: a training step
// is a handful of direct wasm calls, nothing marshalled.
//
// No @assemblyscript/loader and no asc bindings: every export takes and
// returns plain numbers, so WebAssembly.instantiate is all the glue needed.

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Heap, wasmStorage } from './heap.ts';
import type { Kernels } from './kernels.ts';

export type WasmBuild = 'simd' | 'relaxed';

const buildUrl = (build: WasmBuild): URL => new URL(`../../build/${build}.wasm`, import.meta.url);

let relaxedFlagSet = false;
/** Node 20 validates relaxed-simd only behind a V8 flag; it must be set before compiling. */
function allowRelaxedSimd(): void {
  if (!relaxedFlagSet) { setFlagsFromString('--experimental-wasm-relaxed-simd'); relaxedFlagSet = true; }
}

function readBuild(build: WasmBuild): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(readFileSync(buildUrl(build)));
  } catch {
    throw new Error(`wasm build '${build}' not found at ${buildUrl(build).pathname}: run 'npm run build' (npm ci runs it)`);
  }
}

/** Does this engine accept the relaxed-simd build? */
export function relaxedAvailable(): boolean {
  allowRelaxedSimd();
  try { return WebAssembly.validate(readBuild('relaxed')); } catch { return false; }
}

/** The best build the engine validates, unless one is asked for. */
export function pickBuild(): WasmBuild { return relaxedAvailable() ? 'relaxed' : 'simd'; }

export function createWasmKernels(build: WasmBuild = pickBuild()): Kernels {
  if (build === 'relaxed') allowRelaxedSimd();
  const module = new WebAssembly.Module(readBuild(build));
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`wasm kernel aborted at ${line}:${col}`);
      },
    },
  });
  const ex = instance.exports as Record<string, unknown>;
  const memory = ex.memory as WebAssembly.Memory;
  const heap = new Heap(wasmStorage(memory), Number((ex.heapBase as () => number)()) / 4);
  const kernels: Record<string, unknown> = { name: build === 'relaxed' ? 'wasm-relaxed' : 'wasm-simd', heap };
  for (const [k, v] of Object.entries(ex)) if (typeof v === 'function' && k !== 'heapBase') kernels[k] = v;
  return kernels as unknown as Kernels;
}

// The kernel table: every build exports exactly the kernels of KERNEL_NAMES
// (plus its memory, heapBase and the gemm scratch hooks the threads use), both backends hand out every one, and a
// build that lacks one is refused on load with a line that says what to do.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { KERNEL_NAMES, createKernels, initWasm } from '../src/core/index.ts';
import { relaxedAvailable } from '../src/core/wasm.ts';
import { SetupError } from '../src/errors.ts';

const buildFile = (build: string): Uint8Array => readFileSync(new URL(`../build/${build}.wasm`, import.meta.url));

test('every wasm build exports exactly the kernels of KERNEL_NAMES', (t) => {
  for (const build of ['simd', ...(relaxedAvailable() ? ['relaxed'] : [])]) {
    // relaxedAvailable sets V8's relaxed-simd flag
    const names = WebAssembly.Module.exports(new WebAssembly.Module(buildFile(build) as Uint8Array<ArrayBuffer>))
      .map((e) => e.name)
      .filter((n) => !['memory', 'heapBase', 'gemmScratchSize', 'setGemmScratch'].includes(n));
    t.deepEqual(names.sort(), [...KERNEL_NAMES].sort(), build);
  }
});

test('both backends hand out a function for every kernel name', (t) => {
  for (const backend of ['wasm-simd', 'js', 'js-f64'] as const) {
    const k = createKernels(backend);
    for (const name of KERNEL_NAMES) t.is(typeof k[name], 'function', `${backend} ${name}`);
  }
});

test('a wasm build lacking a kernel is refused on load, naming the kernel and the fix', async (t) => {
  // The export entry of orthoKl: its length-prefixed name, then kind 0 (a function).
  const bytes = new Uint8Array(buildFile('simd'));
  const entry = [7, ...new TextEncoder().encode('orthoKl'), 0];
  const at = bytes.findIndex((_, i) => entry.every((b, j) => bytes[i + j] === b));
  t.true(at > 0, 'the simd build exports orthoKl');
  bytes[at + 7] = 'X'.charCodeAt(0); // orthoKl → orthoKX: the build now lacks orthoKl
  await initWasm({ simd: bytes }, ['simd']);
  t.throws(() => createKernels('wasm-simd'), {
    instanceOf: SetupError, // the CLI prints it as one line, exit 1
    message: "wasm build 'simd' lacks kernel orthoKl: run npm run build",
  });
  await initWasm({ simd: buildFile('simd') }, ['simd']);
  t.is(createKernels('wasm-simd').name, 'wasm-simd');
});

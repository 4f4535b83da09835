// npm run demo:build: the demo as static files in build/web/: the imputation
// page (and check.html, the browser test's bare page) and the imputer's worker
// bundled by esbuild, onnxruntime-web's wasm runtime beside them, the committed
// demo model (web/model/), and test digits; the training page (train.html), its
// worker and its training threads' bootstrap, jpvae's four wasm builds, and the
// hvdMNIST sample it offers.

import { build } from 'esbuild';
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadHvdMnist } from '../src/data/hvdmnist.ts';
import { encodeNpy } from '../src/data/npy.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEMO_DIR = join(ROOT, 'build', 'web');
const DIGITS = 200; // the first test images: the demo's picker
const SAMPLE_ROWS = 2000; // the training page's hvdMNIST sample: the first test images' halves

rmSync(DEMO_DIR, { recursive: true, force: true });
mkdirSync(DEMO_DIR, { recursive: true });
await build({
  entryPoints: {
    main: join(ROOT, 'web/main.ts'),
    check: join(ROOT, 'web/check.ts'),
    worker: join(ROOT, 'src/runtime/worker.ts'),
    train: join(ROOT, 'web/train.ts'),
    'train-worker': join(ROOT, 'web/train-worker.ts'),
    'train-thread': join(ROOT, 'src/threads/web-worker.ts'), // a training thread's bootstrap
  },
  outdir: DEMO_DIR,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  // Node-only branches (worker_threads, fs) are never taken in a browser.
  external: ['node:*'],
  // onnxruntime-web's build that loads its wasm glue as a separate file, so
  // its pthread workers start from that file and not from our worker.
  conditions: ['onnxruntime-web-use-extern-wasm'],
  logLevel: 'warning',
});
const ort = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-web')), '..', 'dist');
for (const f of ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'])
  copyFileSync(join(ort, f), join(DEMO_DIR, f));
for (const page of ['index.html', 'check.html', 'train.html'])
  copyFileSync(join(ROOT, 'web', page), join(DEMO_DIR, page));
// jpvae's own wasm builds, for the jpvae-wasm provider and training (the pages pass their URLs).
for (const f of ['simd.wasm', 'relaxed.wasm', 'simd-threads.wasm', 'relaxed-threads.wasm'])
  copyFileSync(join(ROOT, 'build', f), join(DEMO_DIR, f));
cpSync(join(ROOT, 'web/model'), join(DEMO_DIR, 'model'), { recursive: true });

const test = loadHvdMnist('test'),
  sample = Math.min(SAMPLE_ROWS, test.n);
mkdirSync(join(DEMO_DIR, 'sample'));
for (const [name, x] of [
  ['hvdmnist-top.npy', test.xs[0]],
  ['hvdmnist-bottom.npy', test.xs[1]],
] as const)
  writeFileSync(
    join(DEMO_DIR, 'sample', name),
    encodeNpy({ rows: sample, cols: 392, data: x.subarray(0, sample * 392) }),
  );

const pixels: string[] = [];
for (let r = 0; r < DIGITS; r++)
  pixels.push(
    [...test.xs[0].subarray(r * 392, (r + 1) * 392), ...test.xs[1].subarray(r * 392, (r + 1) * 392)].join(''),
  );
writeFileSync(
  join(DEMO_DIR, 'digits.json'),
  JSON.stringify({ labels: Array.from(test.labels!.subarray(0, DIGITS)), pixels }),
);
console.log(`demo built in ${DEMO_DIR}`);

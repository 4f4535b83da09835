// Shared test helpers: the backends under test, random data, error
// measures and central finite differences.

import { availableBackends, createKernels, type Kernels, type FloatArray } from '../src/core/index.ts';
import { Rng } from '../src/data/rng.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every f32 backend this engine runs: the wasm builds, their threads variants and the js twin. */
export function f32Backends(): Kernels[] {
  const names = availableBackends();
  const threads = names.filter((n) => n !== 'js').map((n) => createKernels(n, { threads: true })); // the threads builds, on shared memory
  return [...names.map((n) => createKernels(n)), ...threads];
}

export { availableBackends };

/** The f64 twin: the reference for finite differences. */
export const f64Twin = (): Kernels => createKernels('js-f64');

/** Allocate n elements filled with scale·N(0,1) (plus offset). */
export function randArray(k: Kernels, rng: Rng, n: number, scale = 1, offset = 0): number {
  const p = k.heap.alloc(n);
  const v = k.heap.view(p, n);
  for (let i = 0; i < n; i++) v[i] = offset + scale * rng.normal();
  return p;
}

/** Copy n elements from one backend's heap to another's (at a fresh allocation). */
export function copyTo(from: Kernels, p: number, n: number, to: Kernels): number {
  return to.heap.allocFrom(from.heap.view(p, n));
}

export const read = (k: Kernels, p: number, n: number): number[] => Array.from(k.heap.view(p, n));

/** max |a−b| / max |b|: error relative to the result's scale (robust where single entries cancel to ~0). */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-30);
}

/**
 * Central finite difference of `objective` w.r.t. element i of `arr`
 * (a live heap view; the objective must re-read it).
 */
export function centralDiff(objective: () => number, arr: FloatArray, i: number, h: number): number {
  const x = arr[i];
  arr[i] = x + h;
  const fp = objective();
  arr[i] = x - h;
  const fm = objective();
  arr[i] = x;
  return (fp - fm) / (2 * h);
}

/** Sum of n elements. */
export function sum(k: Kernels, p: number, n: number): number {
  let s = 0;
  for (const x of k.heap.view(p, n)) s += x;
  return s;
}

export { Rng };

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'jpvae-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The jpvae command, as a user runs it: the compiled package's bin (npm test builds it first). */
export const BIN = new URL('../dist/cli/bin.js', import.meta.url).pathname;

/** Run `jpvae args…` to completion: exit code, stdout, stderr. */
export function jpvae(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The path of a model directory's weights file, as its model.json names it. */
export const weightsPath = (dir: string): string =>
  join(dir, JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).files.weights.name);

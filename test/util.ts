// Shared test helpers: the backends under test and the harness that
// registers one test per backend, random data, error measures and central
// finite differences.

import test, { type ExecutionContext } from 'ava';
import { availableBackends, createKernels, type Kernels, type FloatArray } from '../src/core/index.ts';
import { Rng } from '../src/data/rng.ts';
import { ADAM_DEFAULTS } from '../src/train/adam.ts';
import type { TrainOptions } from '../src/train/trainer.ts';
import type { ViewData } from '../src/data/view-data.ts';
import type { DataRecord } from '../src/data/record.ts';
import type { Likelihood } from '../src/data/likelihood.ts';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { jpvae, maxRelErr } from './cli-util.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A backend under test: the name its tests carry in their titles, and its kernels (made on first use). */
export interface Backend {
  label: string;
  kernels(): Kernels;
}

const backend = (label: string, make: () => Kernels): Backend => {
  let k: Kernels | undefined;
  return { label, kernels: () => (k ??= make()) };
};

/**
 * The backends under test: 'f32', every f32 backend this engine runs (the
 * wasm builds, their threads variants on shared memory, the js twin);
 * 'wasm', the same without the js twin; 'f64', the f64 twin alone.
 */
export function backendsUnderTest(which: 'f32' | 'wasm' | 'f64'): Backend[] {
  if (which === 'f64') return [F64_TWIN];
  const names = availableBackends(),
    wasm = names.filter((n) => n !== 'js');
  const all = [
    ...wasm.map((n) => backend(n, () => createKernels(n))),
    ...wasm.map((n) => backend(`${n} threads`, () => createKernels(n, { threads: true }))),
  ];
  return which === 'wasm' ? all : [...all, backend('js', () => createKernels('js'))];
}

const F64_TWIN = backend('js-f64', () => createKernels('js-f64'));

export { availableBackends };

/** The f64 twin: the reference for finite differences. */
export const f64Twin = (): Kernels => createKernels('js-f64');

/** Register `title [label]` once per backend (tfjs's describeWithFlags): body(t, kernels, label). */
export function eachBackend(
  title: string,
  backends: readonly Backend[],
  body: (t: ExecutionContext, k: Kernels, label: string) => void,
): void {
  for (const b of backends) test(`${title} [${b.label}]`, (t) => body(t, b.kernels(), b.label));
}

/**
 * One case of a comparison with a twin: `run` puts the case's inputs on a
 * backend, runs the kernels under test, and returns the output arrays
 * (leaving the heap as it was); `error` measures one output against the
 * twin's (default: maxRelErr).
 */
export interface TwinCase {
  label: string;
  run(k: Kernels): ArrayLike<number>[];
  error?(got: ArrayLike<number>, want: ArrayLike<number>, output: number): number;
}

/**
 * One test per backend: every output of every case within `tol` of the
 * twin's ('js': the f32 twin, 'js-f64': the f64 one). The cases are built
 * once (so every backend sees the same inputs) and the twin runs each once.
 */
export function matchesTwin(
  title: string,
  o: { backends: readonly Backend[]; twin: 'js' | 'js-f64'; tol: number },
  cases: () => TwinCase[],
): void {
  const twin = o.twin === 'js-f64' ? F64_TWIN : backend('js', () => createKernels('js'));
  let built: { c: TwinCase; want: ArrayLike<number>[] }[] | undefined;
  const all = () => (built ??= cases().map((c) => ({ c, want: c.run(twin.kernels()) })));
  eachBackend(`${title} against the ${o.twin} twin`, o.backends, (t, k) => {
    let worst = 0,
      checked = 0;
    for (const { c, want } of all()) {
      c.run(k).forEach((got, i) => {
        if (got.length === 0) return; // an output the case does not compute (a NULL gradient)
        const err = (c.error ?? maxRelErr)(got, want[i], i);
        t.true(err <= o.tol, `${c.label}, output ${i}: error ${err}`);
        worst = Math.max(worst, err);
        checked++;
      });
    }
    t.true(checked > 0, 'no output compared');
    t.log(`${checked} outputs, worst error ${worst.toExponential(2)} (≤ ${o.tol})`);
  });
}

/** One gradient check: the relative error of the analytic gradients on k against central differences of step h. */
export interface FdCase {
  label: string;
  error(k: Kernels, h: number, t: ExecutionContext): number;
}

/**
 * One test for the f64 twin (step and tolerance `f64`) and one per f32
 * backend in `backends` (`f32`): every case's gradient error within the
 * tolerance. The cases are built once, shared by every backend.
 */
export function gradMatchesFd(
  title: string,
  o: { backends: readonly Backend[]; f64: { h: number; tol: number }; f32: { h: number; tol: number } },
  cases: () => FdCase[],
): void {
  let built: FdCase[] | undefined;
  const all = () => (built ??= cases());
  for (const [backends, { h, tol }] of [
    [[F64_TWIN], o.f64],
    [o.backends, o.f32],
  ] as const) {
    eachBackend(`${title} against finite differences`, backends, (t, k) => {
      let worst = 0;
      for (const c of all()) {
        const err = c.error(k, h, t);
        t.true(err <= tol, `${c.label}: relative error ${err}`);
        worst = Math.max(worst, err);
      }
      t.true(all().length > 0, 'no case');
      t.log(`${all().length} cases, worst relative error ${worst.toExponential(2)} (≤ ${tol}, h = ${h})`);
    });
  }
}

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

/**
 * A model's gradient g against central differences (step 1e-6) of `loss` over
 * its parameters p, at every stride(entry)-th element of each layout entry:
 * the worst relative error (floored at 1e-3 of the difference) and how many were checked.
 */
export function layoutFdError(
  entries: readonly { name: string; offset: number; size: number }[],
  p: FloatArray,
  g: ArrayLike<number>,
  loss: () => number,
  stride: (e: { name: string; size: number }) => number,
): { worst: number; checked: number } {
  let worst = 0,
    checked = 0;
  for (const e of entries)
    for (let j = 0; j < e.size; j += stride(e)) {
      const i = e.offset + j,
        fd = centralDiff(loss, p, i, 1e-6);
      worst = Math.max(worst, Math.abs(fd - g[i]) / Math.max(1e-3, Math.abs(fd)));
      checked++;
    }
  return { worst, checked };
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

export { BIN, jpvae, maxRelErr, THREE_VIEW_IMPUTATIONS, weightsPath } from './cli-util.ts';

/** Names, sizes and bytes of every file under `dir`: what "writes nothing" compares. */
export function snapshot(dir: string): string {
  const walk = (d: string): string[] =>
    readdirSync(d)
      .sort()
      .flatMap((n) => {
        const p = join(d, n),
          st = statSync(p);
        return st.isDirectory() ? [`${p}/`, ...walk(p)] : [`${p} ${st.size} ${readFileSync(p).toString('base64')}`];
      });
  return walk(dir).join('\n');
}

/** The flags of a small, quick M-view training: Gaussian views, hidden 8, latent 2, one epoch. */
export const SMALL_VIEWS_TRAINING = ['--likelihood', 'gaussian', '--hidden', '8', '--latent', '2', '--epochs', '1'];

/** `jpvae train` of that small M-view model on `files` paired by their `sample` column, holding out `holdout`, into `out`. */
export function trainViewsById(files: string[], holdout: string, out: string, ...more: string[]) {
  const views = files.flatMap((f) => ['--view', f]);
  return jpvae(
    'train',
    ...views,
    '--id-column',
    'sample',
    ...SMALL_VIEWS_TRAINING,
    '--holdout',
    holdout,
    '--out',
    out,
    ...more,
  );
}

/**
 * The paths of a parsed JSON value's camelCase field names: what no file or
 * output of jpvae may hold. Keys that are not identifiers ("32x20x512:dW",
 * "X~1,X~2") are data, as io/json-keys.ts treats them.
 */
export function camelCaseFields(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => camelCaseFields(x, `${path}[${i}]`));
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => [
    ...(/^[a-z][A-Za-z0-9_]*$/.test(k) && /[a-z0-9][A-Z]/.test(k) ? [`${path}.${k}`] : []),
    ...camelCaseFields(x, `${path}.${k}`),
  ]);
}

/** Inverse and ln|det| of a symmetric positive-definite matrix by Gauss–Jordan elimination with pivoting, in f64: the dense reference of the priors' KL tests. */
export function inverseAndLogDet(a: number[][]): { inv: number[][]; logDet: number } {
  const n = a.length,
    m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  let logDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    [m[k], m[p]] = [m[p], m[k]];
    const d = m[k][k];
    logDet += Math.log(Math.abs(d));
    m[k] = m[k].map((x) => x / d);
    for (let i = 0; i < n; i++)
      if (i !== k) {
        const f = m[i][k];
        m[i] = m[i].map((x, j) => x - f * m[k][j]);
      }
  }
  return { inv: m.map((row) => row.slice(n)), logDet };
}

/** Train `run` to its last epoch and end its threads: the threads it ran on, its parameters and each epoch's training loss. */
export async function trainToEnd(run: {
  readonly done: boolean;
  readonly threads: number;
  readonly model: { params(): ArrayLike<number> };
  readonly trainer: { state: { history: { train: { loss: number } }[] } };
  runEpoch(): Promise<unknown>;
  close(): Promise<void>;
}) {
  while (!run.done) await run.runEpoch();
  await run.close();
  return {
    threads: run.threads,
    params: Float32Array.from(run.model.params()),
    losses: run.trainer.state.history.map((h) => h.train.loss),
  };
}

/** Equal bit for bit (NaNs and signed zeros too). */
export const bitsEqual = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/** Training on each of `counts` threads repeats itself and gives one thread's weights, bit for bit. */
export async function matchesOneThread(
  t: { is: (a: unknown, b: unknown) => void; true: (v: boolean, m?: string) => void },
  train: (threads: number) => Promise<{ threads: number; params: Float32Array }>,
  counts: number[],
) {
  const one = await train(1);
  for (const n of counts) {
    const [a, b] = [await train(n), await train(n)];
    t.is(a.threads, n);
    t.true(bitsEqual(a.params, b.params), `N = ${n} repeats itself`);
    t.true(bitsEqual(a.params, one.params), `N = ${n} equals N = 1`);
  }
}

/** The threads tests' training: 3 epochs of batches of 16 (several steps an epoch), β = 1, Adam's defaults. */
export const THREADS_TRAINING: TrainOptions = {
  epochs: 3,
  batch: 16,
  beta: { kind: 'constant', value: 1 },
  seed: 3,
  adam: ADAM_DEFAULTS,
};

/** The data record of rows handed over as arrays (every view Bernoulli unless `likelihood` says, nothing held out or standardised): what a trained model's files need to record. */
export function arraysRecord(data: ViewData, likelihood?: Likelihood[]): DataRecord {
  return {
    dataset: 'arrays',
    holdout: 0,
    likelihood: likelihood ?? data.dims.map(() => ({ kind: 'bernoulli' as const })),
    standardize: data.dims.map(() => null),
    trainRows: data.n,
    heldOutRows: 0,
  };
}

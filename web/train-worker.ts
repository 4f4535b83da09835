// The training page's worker: it holds the views (two or more) and the
// run, so no parsing, training, imputation or export ever runs on the
// page's thread.
// Every step is a library call (parseMatrix, FitRun, JpvaeModel's impute,
// evaluate, toFiles, exportOnnx, formatCsv); this file only keeps them
// together and zips the files for download. Exposed through comlink.

import { expose, transfer } from 'comlink';
import { zipSync } from 'fflate';
import {
  FitRun,
  formatCsv,
  MAX_VIEWS,
  initThreads,
  initWasm,
  parseMatrix,
  type EpochRecord,
  type FitOptions,
  type JpvaeModel,
  type Matrix,
  type Metrics,
  type StepInfo,
  type WasmVariant,
} from '../src/index.ts';

/** A view's number, from 1. */
export type View = number;

/** What the page shows of a loaded view. */
export interface ViewSummary {
  name: string;
  rows: number;
  cols: number;
  missing: number; // rows with no value at all: the view is missing there
  min: number;
  max: number;
  counts: boolean; // every value a whole number ≥ 0
}

/** What the page hears while training: a step now and then, every epoch's record. */
export type Progress = { kind: 'step'; step: StepInfo; samplesPerSec: number } | { kind: 'epoch'; record: EpochRecord };

/** Imputations of the chosen rows, with the truth where the rows have it. */
export interface Imputations {
  target: View;
  given: View[]; // every other view
  rows: number[]; // 0-based row numbers of the input files: the rows with every given view
  inputs: Float32Array[]; // the given views of those rows, in the order of `given`
  imputed: Float32Array; // the target view, the conditional mean (Eq. 12) in the data's units
  truth: Float32Array; // the target view as loaded (NaN where it is missing)
  width: number;
}

/** The views loaded so far: views[v − 1] is view v (a model takes every one, at least two). */
const views: (Matrix | undefined)[] = [];
let run: FitRun | undefined, model: JpvaeModel | undefined, stop: AbortController | undefined;
let last: Imputations | undefined;

const missingRow = (m: Matrix, r: number) => m.data.subarray(r * m.cols, (r + 1) * m.cols).every(Number.isNaN);
const rowsOf = (m: Matrix, rows: number[]) => {
  const data = new Float32Array(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return data;
};
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

function summary(m: Matrix, name: string): ViewSummary {
  let missing = 0,
    min = Infinity,
    max = -Infinity;
  for (let r = 0; r < m.rows; r++) if (missingRow(m, r)) missing++;
  let counts = true;
  for (const v of m.data)
    if (v === v) ((min = Math.min(min, v)), (max = Math.max(max, v)), (counts &&= Number.isInteger(v)));
  return { name, rows: m.rows, cols: m.cols, missing, min, max, counts: counts && min >= 0 };
}

function loadedViews(): Matrix[] {
  if (views.length < 2 || views.some((v) => !v)) throw new Error('load every view first (two at least)');
  return views as Matrix[];
}

const input = (m: Matrix, rows?: number[]) => ({ data: rows ? rowsOf(m, rows) : m.data, width: m.cols });

function trained(): JpvaeModel {
  if (!model) throw new Error('train the model to the end first');
  return model;
}

/** Train until the run's epochs (or `epochs`) are done or cancel() stops it. */
async function train(epochs: number | undefined, onProgress: (p: Progress) => void): Promise<'done' | 'stopped'> {
  stop = new AbortController();
  let lastSent = 0,
    rows = 0,
    since = performance.now();
  const done = await run!.run({
    epochs,
    signal: stop.signal,
    onEpoch: (record) => onProgress({ kind: 'epoch', record }),
    onStep: (step) => {
      rows += step.rows;
      const now = performance.now();
      if (now - lastSent < 100) return; // a few messages a second, whatever the step rate
      onProgress({ kind: 'step', step, samplesPerSec: (1000 * rows) / (now - since) });
      ((lastSent = now), (rows = 0), (since = now));
    },
  });
  stop = undefined;
  model = done ? run!.model() : undefined;
  return done ? 'done' : 'stopped';
}

const zip = (files: Record<string, Uint8Array | string>, dir: string) => {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, f] of Object.entries(files))
    entries[`${dir}/${name}`] = typeof f === 'string' ? new TextEncoder().encode(f) : f;
  const bytes = zipSync(entries);
  return transfer(bytes, [bytes.buffer]);
};

const api = {
  /**
   * Compile the wasm builds from the page's own files; on a cross-origin
   * isolated page also the threads variants, and training threads start
   * from train-thread.js (jpvae's thread bootstrap, bundled beside this).
   */
  async init(base: string): Promise<{ isolated: boolean }> {
    const isolated = self.crossOriginIsolated === true;
    if (isolated) initThreads({ workerUrl: new URL('train-thread.js', base) });
    const builds: WasmVariant[] = isolated
      ? ['simd', 'relaxed', 'simd-threads', 'relaxed-threads']
      : ['simd', 'relaxed'];
    await initWasm(Object.fromEntries(builds.map((b) => [b, new URL(`${b}.wasm`, base)])), builds);
    return { isolated };
  },

  /** Parse a file's bytes (CSV or NPY, by its name) as view `view` (the views so far and the next one). */
  setView(view: View, bytes: Uint8Array, name: string): ViewSummary {
    if (!(Number.isInteger(view) && view >= 1 && view <= Math.min(views.length + 1, MAX_VIEWS)))
      throw new Error(`view ${view}: load views 1 to ${Math.min(views.length + 1, MAX_VIEWS)}`);
    const m = parseMatrix(bytes, name);
    views[view - 1] = m;
    ((run = undefined), (model = undefined));
    return summary(m, name);
  },

  /** A file of the page's own (the bundled hvdMNIST sample) as view `view`. */
  async fetchView(view: View, url: string): Promise<ViewSummary> {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return api.setView(view, new Uint8Array(await res.arrayBuffer()), url.replace(/.*\//, ''));
  },

  /** A new run on the loaded views; returns which rows are held out. */
  async start(
    options: FitOptions,
    onProgress: (p: Progress) => void,
    onWarning: (message: string) => void,
  ): Promise<{ heldOutFrom: number; rows: number; threads: number; result: 'done' | 'stopped' }> {
    const list = loadedViews().map((m) => input(m));
    await run?.close();
    model = undefined;
    run = await FitRun.start(list, { ...options, onWarning });
    const result = await train(undefined, onProgress);
    return { heldOutFrom: run.heldOutFrom, rows: run.rows, threads: run.threads, result };
  },

  /** Go on after a cancel, or train a finished run on to `epochs` in total. */
  async resume(epochs: number, onProgress: (p: Progress) => void): Promise<'done' | 'stopped'> {
    if (!run) throw new Error('start a run first');
    return train(epochs, onProgress);
  },

  /** Stop training at its next turn of the event loop (after every step). */
  cancel(): void {
    stop?.abort();
  },

  /** The paper's metrics on the held-out rows (none held out: null). */
  metrics(): Metrics | null {
    const m = trained(),
      held = range(run!.heldOutFrom, run!.rows);
    if (!held.length) return null;
    return m.evaluate(loadedViews().map((v) => input(v, held)));
  },

  /** Impute view `target` from all the others, for the held-out rows (or every row) that have them all. */
  impute(target: View, which: 'held-out' | 'all'): Imputations {
    const m = trained(),
      all = loadedViews(),
      given = all.map((_, i) => i + 1).filter((v) => v !== target);
    const rows = range(which === 'all' ? 0 : run!.heldOutFrom, run!.rows).filter((r) =>
      given.every((g) => !missingRow(all[g - 1], r)),
    );
    const inputs = given.map((g) => rowsOf(all[g - 1], rows)),
      to = all[target - 1];
    const imputed = rows.length
      ? m.impute(
          inputs.map((data, a) => ({ data, width: all[given[a] - 1].cols })),
          { given, target },
        )
      : new Float32Array(0);
    last = { target, given, rows, inputs, imputed, truth: rowsOf(to, rows), width: to.cols };
    return last;
  },

  /** The last imputation as CSV, one line per imputed row (what `jpvae impute` writes for those rows). */
  imputedCsv(): string {
    if (!last?.rows.length) throw new Error('no imputed rows');
    return formatCsv({ rows: last.rows.length, cols: last.width, data: last.imputed });
  },

  /** The model directory (model.json and the files it names) zipped: `jpvae eval --model jpvae-model` reads it unzipped. */
  modelZip(): Uint8Array {
    return zip(trained().toFiles(), 'jpvae-model');
  },

  /** The ONNX export (as `jpvae export` writes it) zipped. */
  onnxZip(): Uint8Array {
    return zip(trained().exportOnnx().files, 'jpvae-onnx');
  },
};

export type TrainWorker = typeof api;
expose(api);

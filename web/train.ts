// The training page: form fields in, the worker's results out. Parsing,
// training, imputation and export all run in train-worker.ts (the
// library's calls); this thread only reads the form, draws the loss
// curves (uPlot), the imputations and the tables, and hands out downloads.
// `window.jpvaeTrain` exposes the page's state for the browser test.

import { proxy, transfer, wrap } from 'comlink';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { MAX_VIEWS, type EpochRecord, type FitOptions, type Metrics } from '../src/index.ts';
import type { Imputations, Progress, TrainWorker, View, ViewSummary } from './train-worker.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const value = (id: string) => $<HTMLInputElement>(id).value;
const button = (id: string) => $<HTMLButtonElement>(id);

const state = {
  isolated: false,
  views: [null, null] as (ViewSummary | null)[],
  status: 'idle' as 'idle' | 'training' | 'stopped' | 'done' | 'failed',
  run: null as null | { heldOutFrom: number; rows: number; threads: number },
  history: [] as EpochRecord[],
  /** performance.now() intervals during which the worker trained. */
  training: [] as { start: number; end?: number }[],
  metrics: null as Metrics | null,
  imputed: null as null | { target: View; given: View[]; rows: number[] },
  warnings: [] as string[],
};
Object.assign(window, { jpvaeTrain: state });

const worker = wrap<TrainWorker>(new Worker(new URL('train-worker.js', location.href), { type: 'module' }));

function fail(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  $('error').textContent = message;
  document.body.dataset.error = message;
}
const guarded =
  <A extends unknown[]>(f: (...a: A) => Promise<void>) =>
  (...a: A) => {
    $('error').textContent = ''; // a new action: the last one's error no longer holds
    delete document.body.dataset.error;
    void f(...a).catch((e) => {
      if (state.status === 'training') state.status = 'failed';
      const window = state.training.at(-1);
      if (window && window.end === undefined) window.end = performance.now();
      setButtons();
      fail(e);
    });
  };

// ---- data ----

function showView(view: View, s: ViewSummary): void {
  state.views[view - 1] = s;
  state.run = null;
  targetOptions();
  $(`summary${view}`).textContent =
    `${s.name}: ${s.rows} rows × ${s.cols} columns, ${s.missing} missing; values ${s.min.toPrecision(4)} … ${s.max.toPrecision(4)}`;
  // A guess of the likelihood and the image shape; the form can change both.
  $<HTMLSelectElement>(`likelihood${view}`).value =
    s.min >= 0 && s.max <= 1 ? 'bernoulli' : s.counts ? 'nb' : 'gaussian';
  setButtons();
}

function watchFile(view: View): void {
  $<HTMLInputElement>(`file${view}`).addEventListener(
    'change',
    guarded(async () => {
      const file = $<HTMLInputElement>(`file${view}`).files?.[0];
      if (!file) return;
      const bytes = new Uint8Array(await file.arrayBuffer());
      showView(view, await worker.setView(view, transfer(bytes, [bytes.buffer]), file.name));
    }),
  );
}
watchFile(1);
watchFile(2);

/** A slot for one more view: its file input and summary, and its likelihood (copies of view 2's, renumbered). */
button('addView').addEventListener('click', () => {
  const view = state.views.length + 1;
  const slot = $('file2').closest('.views > div')!.cloneNode(true) as HTMLElement;
  const file = slot.querySelector('input')!;
  file.id = `file${view}`;
  file.value = '';
  file.previousSibling!.textContent = `View ${view} (rows paired with view 1's) `;
  slot.querySelector('.summary')!.id = `summary${view}`;
  slot.querySelector('.summary')!.textContent = '';
  $('file2').closest('.views')!.append(slot);
  const label = $('likelihoodLabel2').cloneNode(true) as HTMLElement;
  label.id = `likelihoodLabel${view}`;
  label.firstChild!.textContent = `Likelihood of view ${view} `;
  label.querySelector('select')!.id = `likelihood${view}`;
  $(`likelihoodLabel${view - 1}`).after(label);
  state.views.push(null);
  watchFile(view);
  // The paper's orthogonal and svd priors are for two views: the shared factor takes any number.
  const prior = $<HTMLSelectElement>('prior');
  for (const o of prior.options) o.disabled = o.value === 'orthogonal' || o.value === 'svd';
  if (prior.selectedOptions[0]?.disabled) prior.value = 'factor';
  setButtons();
});
button('sample').addEventListener(
  'click',
  guarded(async () => {
    const base = new URL('sample/', location.href).href;
    showView(1, await worker.fetchView(1, base + 'hvdmnist-top.npy'));
    showView(2, await worker.fetchView(2, base + 'hvdmnist-bottom.npy'));
    $<HTMLInputElement>('imageWidth').value = '28';
  }),
);

// ---- training ----

const sizes = (id: string) => value(id).split(',').map(Number);
function options(): FitOptions {
  const latent = sizes('latent');
  return {
    likelihood: state.views.map((_, i) => value(`likelihood${i + 1}`)),
    prior: value('prior') as FitOptions['prior'],
    alpha: Number(value('alpha')),
    latent: latent.length === 1 ? latent[0] : latent,
    hidden: sizes('hidden'),
    epochs: Number(value('epochs')),
    batch: Number(value('batch')),
    holdout: Number(value('holdout')),
    seed: Number(value('seed')),
    threads: Number(value('threads')),
  };
}

const chart = new uPlot(
  {
    width: Math.min(900, document.body.clientWidth - 30),
    height: 220,
    title: '−ELBO per row (train: running mean over the epoch; held out: after it)',
    scales: { x: { time: false } },
    axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] }, { size: 60 }],
    series: [
      { label: 'epoch' },
      { label: 'train', stroke: '#1f6fd1', width: 2, points: { show: true } },
      { label: 'held out', stroke: '#d1521f', width: 2, points: { show: true } },
    ],
  },
  [[], [], []],
  $('chart'),
);

// Progress arrives many times a second: the chart and status are drawn at most once a frame.
let latest: Progress | undefined,
  drawing = false;
function onProgress(p: Progress): void {
  if (p.kind === 'epoch') state.history.push(p.record);
  latest = p;
  if (!drawing) ((drawing = true), requestAnimationFrame(drawProgress));
}

function drawProgress(): void {
  drawing = false;
  const h = state.history,
    epochs = Number(value('epochs'));
  chart.setData([h.map((r) => r.epoch), h.map((r) => -r.train.elbo), h.map((r) => (r.test ? -r.test.elbo : null))]);
  if (latest?.kind === 'step') {
    const s = latest.step;
    $<HTMLProgressElement>('progress').value = (s.epoch - 1 + s.step / s.stepsPerEpoch) / epochs;
    $('status').textContent =
      `epoch ${s.epoch}, step ${s.step} of ${s.stepsPerEpoch}: loss ${s.loss.toFixed(3)}; ${Math.round(latest.samplesPerSec)} samples/s`;
  } else if (latest) {
    const r = latest.record;
    $<HTMLProgressElement>('progress').value = r.epoch / epochs;
    $('status').textContent =
      `epoch ${r.epoch}: train −ELBO ${(-r.train.elbo).toFixed(3)}` +
      (r.test ? `, held out ${(-r.test.elbo).toFixed(3)}` : '') +
      `; ${Math.round(r.samplesPerSec)} samples/s`;
  }
  if (state.status === 'stopped')
    $('status').textContent += `\ncancelled after ${h.length} epochs: continue goes on from where it stopped`;
}

function setButtons(): void {
  const training = state.status === 'training',
    loaded = state.views.every(Boolean);
  button('addView').disabled = training || state.views.length >= MAX_VIEWS;
  button('train').disabled = training || !loaded;
  button('cancel').disabled = !training;
  button('continue').disabled = training || !state.run || !(state.status === 'stopped' || state.status === 'done');
  for (const id of ['downloadCsv', 'downloadModel', 'downloadOnnx']) button(id).disabled = state.status !== 'done';
}

async function trained(result: 'done' | 'stopped'): Promise<void> {
  state.training.at(-1)!.end = performance.now();
  state.status = result;
  setButtons();
  drawProgress();
  if (result === 'stopped') return;
  state.metrics = await worker.metrics();
  showMetrics(state.metrics);
  await showImputations();
}

button('train').addEventListener(
  'click',
  guarded(async () => {
    const o = options();
    state.history = [];
    state.warnings = [];
    $('warning').textContent = '';
    chart.setData([[], [], []]);
    state.status = 'training';
    state.metrics = state.imputed = null;
    state.training.push({ start: performance.now() });
    setButtons();
    const warn = (m: string) => {
      state.warnings.push(m);
      $('warning').textContent = state.warnings.join('\n');
    };
    const r = await worker.start(o, proxy(onProgress), proxy(warn));
    state.run = { heldOutFrom: r.heldOutFrom, rows: r.rows, threads: r.threads };
    await trained(r.result);
  }),
);
button('cancel').addEventListener('click', () => void worker.cancel());
button('continue').addEventListener(
  'click',
  guarded(async () => {
    state.status = 'training';
    state.training.push({ start: performance.now() });
    setButtons();
    await trained(await worker.resume(Number(value('epochs')), proxy(onProgress)));
  }),
);

// ---- results ----

const fmt = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(4) : x.toFixed(4));

function showMetrics(m: Metrics | null): void {
  if (!m) {
    $('metrics').textContent = 'no rows held out: no metrics';
    return;
  }
  // x2_given_x1_x3 → "x2 imputed from x1, x3"
  const imputed = (key: string) => key.replace('_given_', ' imputed from ').replaceAll('_', ', ');
  const rows: [string, number][] = [
    ...Object.entries(m.recon).map(([x, v]): [string, number] => [`reconstruction −log p(${x} | z), sampled z`, v]),
    ...Object.entries(m.impute).map(([key, v]): [string, number] => [`imputation −log p(${imputed(key)})`, v]),
    ['ELBO', m.elbo],
    ...Object.entries(m.cross_corr_frobenius).map(([pair, v]): [string, number] => [
      `‖latent cross-correlation‖_F${Object.keys(m.cross_corr_frobenius).length > 1 ? ` ${pair}` : ''}`,
      v,
    ]),
    ['active units (fraction)', m.active_units.fraction],
  ];
  // Count views: the imputation's errors in counts, each at its loss's point (jpvae eval's counts).
  for (const [key, c] of Object.entries(m.counts?.impute ?? {}))
    rows.push(
      [`${imputed(key)}: MAE per count, at the ${m.counts!.maeAt}`, c.mae],
      [`${imputed(key)}: RMSE per count, at the ${m.counts!.rmseAt}`, c.rmse],
    );
  const table = document.createElement('table');
  table.id = 'metricsTable';
  table.innerHTML =
    `<caption>Held-out rows ${state.run!.heldOutFrom + 1}–${state.run!.rows} (${m.n} rows, ${m.complete_rows} with ${state.views.length > 2 ? 'every view' : 'both views'})</caption>` +
    rows.map(([k, v]) => `<tr><th style="text-align:left">${k}</th><td>${fmt(v)}</td></tr>`).join('');
  $('metrics').replaceChildren(table);
}

/** One row of a view as an image `w` pixels wide: grey levels from the view's range (dark = high). */
function image(values: Float32Array, w: number, lo: number, hi: number): HTMLCanvasElement {
  const c = document.createElement('canvas'),
    h = Math.ceil(values.length / w);
  c.width = w;
  c.height = h;
  c.style.width = `${3 * w}px`;
  c.style.height = `${3 * h}px`;
  const g = c.getContext('2d')!,
    img = g.createImageData(w, h);
  values.forEach((v, i) => {
    const level = v === v ? 255 * (1 - Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1)))) : 255;
    img.data.set([level, level, v === v ? level : 200, 255], i * 4);
  });
  g.putImageData(img, 0, 0);
  return c;
}

const SHOWN = 12; // rows drawn or tabulated; the CSV has all of them

function render(imp: Imputations): void {
  const n = imp.rows.length,
    shown = Math.min(SHOWN, n),
    w = Number(value('imageWidth'));
  const row = (a: Float32Array, i: number, width: number) => a.subarray(i * width, (i + 1) * width);
  const widths = imp.given.map((g) => state.views[g - 1]!.cols);
  $('images').replaceChildren();
  $('table').replaceChildren();
  const from = imp.given.length > 1 ? `views ${imp.given.join(', ')}` : `view ${imp.given[0]}`;
  const caption = `view ${imp.target} imputed from ${from} for ${n} rows (the first ${shown} shown)`;
  if (w > 0 && imp.width % w === 0 && widths.every((d) => d % w === 0)) {
    const s = state.views[imp.target - 1]!;
    const figures = Array.from({ length: shown }, (_, i) => {
      const f = document.createElement('figure');
      const parts = imp.given.map((g, a) => {
        const v = state.views[g - 1]!;
        return image(row(imp.inputs[a], i, widths[a]), w, v.min, v.max);
      });
      parts.push(image(row(imp.imputed, i, imp.width), w, s.min, s.max));
      const truth = row(imp.truth, i, imp.width);
      if (truth.every((v) => v === v)) parts.push(image(truth, w, s.min, s.max));
      const label = document.createElement('figcaption');
      label.textContent = `row ${imp.rows[i] + 1}`;
      f.append(...parts, label);
      return f;
    });
    $('images').append(...figures);
    $('table').textContent =
      `${caption}: per row, from the top, the given view${imp.given.length > 1 ? 's' : ''}, the imputation, and the truth where the row has it`;
    return;
  }
  const cols = Math.min(8, imp.width);
  const table = document.createElement('table');
  table.id = 'imputedTable';
  table.innerHTML =
    `<caption>${caption}; imputed (true) per column${imp.width > cols ? `, the first ${cols} of ${imp.width}` : ''}</caption>` +
    `<tr><th>row</th>${Array.from({ length: cols }, (_, j) => `<th>x${imp.target}[${j + 1}]</th>`).join('')}</tr>` +
    Array.from({ length: shown }, (_, i) => {
      const y = row(imp.imputed, i, imp.width),
        t = row(imp.truth, i, imp.width);
      return `<tr><td>${imp.rows[i] + 1}</td>${Array.from({ length: cols }, (_, j) => `<td>${y[j].toPrecision(5)} (${t[j] === t[j] ? t[j].toPrecision(5) : '–'})</td>`).join('')}</tr>`;
    }).join('');
  $('table').append(table);
}

/** The impute select's choices: each loaded view from all the others (for two views, each from the other). */
function targetOptions(): void {
  const select = $<HTMLSelectElement>('target'),
    m = state.views.length,
    chosen = select.value;
  select.replaceChildren(
    ...state.views.map((_, i) => {
      const others = state.views.map((_, j) => j + 1).filter((v) => v !== i + 1);
      const text = `view ${i + 1} from ${m > 2 ? 'the others' : `view ${others[0]}`}`;
      return new Option(text, String(i + 1));
    }),
  );
  // Two views: view 2 from view 1 first, as before a third view was possible.
  if (m === 2) select.prepend(select.options[1]);
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : select.options[0].value;
}

async function showImputations(): Promise<void> {
  if (state.status !== 'done') return;
  const target = Number(value('target'));
  const imp = await worker.impute(target, value('which') as 'held-out' | 'all');
  state.imputed = { target, given: imp.given, rows: imp.rows };
  render(imp);
  button('downloadCsv').disabled = imp.rows.length === 0;
}
for (const id of ['target', 'which', 'imageWidth']) $(id).addEventListener('change', guarded(showImputations));

function download(bytes: Uint8Array | string, name: string, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
button('downloadCsv').addEventListener(
  'click',
  guarded(async () => {
    download(await worker.imputedCsv(), `view${state.imputed!.target}-imputed.csv`, 'text/csv');
  }),
);
button('downloadModel').addEventListener(
  'click',
  guarded(async () => download(await worker.modelZip(), 'jpvae-model.zip', 'application/zip')),
);
button('downloadOnnx').addEventListener(
  'click',
  guarded(async () => download(await worker.onnxZip(), 'jpvae-onnx.zip', 'application/zip')),
);

state.isolated = (await worker.init(new URL('.', location.href).href)).isolated;
// All the cores on a cross-origin isolated page; one elsewhere.
const cores = state.isolated ? navigator.hardwareConcurrency || 1 : 1;
$<HTMLInputElement>('threads').max = String(cores);
$<HTMLInputElement>('threads').value = String(cores);
setButtons();
document.body.dataset.ready = '1';

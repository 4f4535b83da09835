// npm run test:browser: the training page (web/train.html, built by npm
// run demo:build) in headless Debian Chromium via playwright-core. Two
// real-valued CSV views (means 1000 and −50, missing rows), or three (a
// view added on the page), go in through the file inputs; a small model trains in the page's worker, is cancelled
// part way and continued; then the downloaded model directory loads in the
// CLI, whose `jpvae eval` and `jpvae impute` on the same rows give the
// page's metrics and imputed CSV, and the downloaded ONNX export imputes
// the same in Node. The main thread has no long task over 100 ms while
// training, and no request leaves the page's origin. Screenshots go to
// build/browser-test/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { serveDemo } from '../../web/serve.ts';
import { parseMatrix } from '../../src/data/parse.ts';
import { createImputer } from '../../src/runtime/imputer.ts';
import type { Metrics } from '../../src/eval/metrics.ts';
import type { EpochRecord } from '../../src/train/trainer.ts';
import { writePlantedCsv } from '../planted-files.ts';
import { plantedCounts } from '../planted-counts.ts';
import { jpvae, THREE_VIEW_IMPUTATIONS } from '../cli-util.ts';

const ROOT = new URL('../../', import.meta.url);
const DEMO = fileURLToPath(new URL('build/web/', ROOT)),
  SHOTS = fileURLToPath(new URL('build/browser-test/', ROOT));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const LONG_TASK_MS = 100,
  STARVED_CPU_MS = 50;

/** The page's main-thread tasks in a Chromium trace: wall and thread (CPU) time, ms. */
function mainThreadTasks(trace: Buffer): { wall: number; cpu: number }[] {
  type Event = {
    ph: string;
    name: string;
    pid: number;
    tid: number;
    dur?: number;
    tdur?: number;
    args?: { name?: string };
  };
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: Event[] }).traceEvents;
  const main = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  assert.ok(main.size > 0, 'the trace names the renderer main thread');
  return events
    .filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ wall: (e.dur ?? 0) / 1000, cpu: (e.tdur ?? 0) / 1000 }));
}

interface PageState {
  isolated: boolean;
  views: (object | null)[];
  status: string;
  run: { heldOutFrom: number; rows: number; threads: number } | null;
  history: EpochRecord[];
  training: { start: number; end?: number }[];
  metrics: Metrics | null;
  imputed: { target: number; given: number[]; rows: number[] } | null;
  warnings: string[];
}

let server: Awaited<ReturnType<typeof serveDemo>>;
const data = mkdtempSync(join(tmpdir(), 'jpvae-train-page-'));

before(async () => {
  assert.ok(existsSync(join(DEMO, 'train.html')), `${DEMO}train.html missing: run npm run demo:build first`);
  mkdirSync(SHOTS, { recursive: true });
  server = await serveDemo(DEMO);
});
after(async () => {
  await server?.close();
});

/** A page on a fresh browser that records every request and every long task from its first script on. */
async function open(): Promise<{ browser: Browser; context: BrowserContext; page: Page; requests: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1000, height: 900 } });
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  await context.addInitScript(() => {
    const tasks: { start: number; duration: number }[] = [];
    Object.assign(window, { longTasks: tasks });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${server.url}train.html`);
  await page.waitForFunction(() => document.body.dataset.ready === '1' || document.body.dataset.error, null, {
    timeout: 60_000,
  });
  assert.equal(await page.evaluate(() => document.body.dataset.error), undefined);
  return { browser, context, page, requests };
}

const pageState = (page: Page) => page.evaluate(() => (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain);

async function waitStatus(page: Page, status: string, timeout = 90_000): Promise<PageState> {
  await page.waitForFunction(
    (want) =>
      document.body.dataset.error || (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.status === want,
    status,
    { timeout },
  );
  assert.equal(await page.evaluate(() => document.body.dataset.error), undefined);
  return pageState(page);
}

async function downloaded(page: Page, button: string, path: string): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  await d.saveAs(path);
  return path;
}

function unzipTo(zip: string, dir: string): void {
  for (const [name, bytes] of Object.entries(unzipSync(readFileSync(zip)))) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
}

/** Lines `rows` of a CSV file (empty lines too: a missing view). */
const csvLines = (file: string, rows: number[]) => {
  const lines = readFileSync(file, 'utf8').split('\n');
  return rows.map((r) => lines[r]).join('\n') + '\n';
};
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Largest |a − b| / (1 + |b|): relative for large values, absolute near 0. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return d;
}

/** The metrics jpvae eval prints that the page shows, as numbers. */
const shown = (m: Metrics) => [
  m.recon.x1,
  m.recon.x2,
  m.impute.x1_given_x2,
  m.impute.x2_given_x1,
  m.elbo,
  m.cross_corr_frobenius.x1_x2,
  m.active_units.fraction,
  ...[m.counts?.impute.x1_given_x2, m.counts?.impute.x2_given_x1].flatMap((c) => (c ? [c.mae, c.rmse] : [])),
];

/**
 * The page's downloads against the CLI and the ONNX runtime, for a run on
 * DIR/train1.csv and DIR/train2.csv that ended: the model directory,
 * unzipped, in `jpvae eval` on the held-out rows gives the page's metrics;
 * the page's imputed CSV (view 2 of the held-out rows that have view 1) is
 * `jpvae impute` on those rows; the ONNX export imputes the same in Node
 * (onnxruntime-web's wasm EP). Returns the largest differences and the
 * CLI's imputation.
 */
async function matchesCli(page: Page, s: PageState, dir: string, cols2: number) {
  const out = mkdtempSync(join(tmpdir(), 'jpvae-train-page-out-'));
  const [train1, train2] = [join(dir, 'train1.csv'), join(dir, 'train2.csv')];
  unzipTo(await downloaded(page, '#downloadModel', join(out, 'model.zip')), out);
  const modelDir = join(out, 'jpvae-model');
  const held = range(s.run!.heldOutFrom, s.run!.rows);
  writeFileSync(join(out, 'held1.csv'), csvLines(train1, held));
  writeFileSync(join(out, 'held2.csv'), csvLines(train2, held));
  const ev = jpvae(
    'eval',
    '--model',
    modelDir,
    '--view1',
    join(out, 'held1.csv'),
    '--view2',
    join(out, 'held2.csv'),
    '--json',
  );
  assert.equal(ev.code, 0, ev.err);
  const cli = JSON.parse(ev.out) as Metrics;
  assert.equal(cli.n, held.length);
  assert.equal(s.metrics!.n, held.length);
  const metricsDiff = maxDiff(shown(s.metrics!), shown(cli));
  if (metricsDiff > 1e-5) console.log(JSON.stringify(s.metrics), '\n', JSON.stringify(cli));
  assert.ok(metricsDiff <= 1e-5, `page metrics vs jpvae eval: ${metricsDiff}`);
  const cells = await page.$$eval('#metricsTable td', (tds) => tds.map((td) => Number(td.textContent)));
  assert.equal(cells.length, shown(cli).length);
  const shownDiff = Math.max(...cells.map((v, i) => Math.abs(v - shown(cli)[i]) / (1 + Math.abs(shown(cli)[i]))));
  assert.ok(shownDiff <= 1e-4, `the metrics on the page vs jpvae eval: ${shownDiff}`); // shown to 4 decimals

  const imputed = s.imputed!;
  assert.deepEqual([imputed.target, imputed.given], [2, [1]]);
  const withView1 = held.filter((r) => csvLines(train1, [r]).trim() !== '').length;
  assert.equal(imputed.rows.length, withView1, 'every held-out row that has view 1');
  assert.ok(withView1 < held.length, 'some held-out rows lack view 1');
  const pageCsv = await downloaded(page, '#downloadCsv', join(out, 'page-imputed.csv'));
  writeFileSync(join(out, 'given1.csv'), csvLines(train1, imputed.rows));
  const im = jpvae(
    'impute',
    '--model',
    modelDir,
    '--given',
    '1',
    '--input',
    join(out, 'given1.csv'),
    '--out',
    join(out, 'cli-imputed.csv'),
  );
  assert.equal(im.code, 0, im.err);
  const mine = parseMatrix(readFileSync(pageCsv), 'page.csv'),
    theirs = parseMatrix(readFileSync(join(out, 'cli-imputed.csv')), 'cli.csv');
  assert.deepEqual([mine.rows, mine.cols], [imputed.rows.length, cols2]);
  const imputeDiff = maxDiff(mine.data, theirs.data);
  assert.ok(imputeDiff <= 1e-5, `page CSV vs jpvae impute: ${imputeDiff}`);

  unzipTo(await downloaded(page, '#downloadOnnx', join(out, 'onnx.zip')), out);
  const onnx = await createImputer(join(out, 'jpvae-onnx'), { executionProviders: ['wasm'] });
  let onnxDiff: number;
  try {
    const given = parseMatrix(readFileSync(join(out, 'given1.csv')), 'given1.csv');
    onnxDiff = maxDiff(await onnx.impute(given.data, { given: 1 }), theirs.data);
  } finally {
    await onnx.close();
  }
  assert.ok(onnxDiff <= 1e-4, `ONNX export vs jpvae impute: ${onnxDiff}`);
  return { metricsDiff, imputeDiff, onnxDiff, cli: theirs };
}

test('two CSV views train in the worker, cancel and continue; the downloads match jpvae eval, impute and the ONNX runtime', async () => {
  // Real-valued views far from 0 and 1; every 10th row lacks a view.
  writePlantedCsv(data, 3000, 1, 0.1, 7, {
    units: [
      [1000, 0.05],
      [-50, 300],
    ],
  });
  const { browser, page, requests } = await open();
  try {
    // Views of different lengths: one clear line on the page, and the next file clears it.
    await page.setInputFiles('#file1', join(data, 'train1.csv'));
    await page.setInputFiles('#file2', join(data, 'test2.csv'));
    await page.waitForFunction(() => (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.views.every(Boolean));
    await page.click('#train');
    await page.waitForFunction(() => document.body.dataset.error);
    assert.equal(
      await page.textContent('#error'),
      'views[1] has 1 rows but views[0] has 3000; views pair by row, so the counts must match',
    );
    await page.setInputFiles('#file2', join(data, 'train2.csv'));
    await page.waitForFunction(() => !document.body.dataset.error);
    await page.waitForFunction(() => (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.views.every(Boolean));
    assert.equal(await page.inputValue('#likelihood1'), 'gaussian'); // guessed from the values' range
    await page.fill('#latent', '3,5');
    await page.fill('#hidden', '128,64');
    await page.fill('#epochs', '400');
    await browser.startTracing(page, { categories: ['toplevel'] }); // each task's wall and CPU time, for the long-task check
    await page.click('#train');
    await page.waitForFunction(
      () => (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.history.length >= 2,
      null,
      { timeout: 60_000 },
    );
    await page.click('#cancel');
    let s = await waitStatus(page, 'stopped');
    const stoppedAt = s.history.length;
    assert.ok(stoppedAt >= 2 && stoppedAt < 400, `cancelled after ${stoppedAt} epochs`);
    await page.fill('#epochs', String(stoppedAt + 40));
    await page.click('#continue');
    s = await waitStatus(page, 'done');
    assert.deepEqual(
      s.history.map((h) => h.epoch),
      range(1, stoppedAt + 41),
    );
    assert.ok(
      s.history.every((h) => h.test && Number.isFinite(h.test.elbo)),
      'a held-out loss every epoch',
    );
    const cores = await page.evaluate(() => navigator.hardwareConcurrency || 1);
    assert.deepEqual(s.run, { heldOutFrom: 2700, rows: 3000, threads: cores }); // the page's default: its cores
    assert.deepEqual(s.warnings, []);
    await page.waitForSelector('#imputedTable');
    const trace = await browser.stopTracing();
    s = await pageState(page); // with the metrics and imputations, shown after the last epoch

    // The main thread stayed free while the worker trained: no long task over 100 ms. On a machine
    // loaded past its cores, the OS can stretch a task of a few ms of work past that, so a task over
    // 100 ms of wall time passes only if the trace shows that the main thread did < 50 ms of work in it.
    const tasks: { start: number; duration: number }[] = await page.evaluate(
      () => (window as unknown as { longTasks: [] }).longTasks,
    );
    const during = tasks.filter((t) => s.training.some((w) => t.start + t.duration >= w.start && t.start <= w.end!));
    const worst = Math.max(0, ...during.map((t) => t.duration));
    const cpu = mainThreadTasks(trace);
    const worstCpu = Math.max(0, ...cpu.map((t) => t.cpu)),
      worstWall = Math.max(0, ...cpu.map((t) => t.wall));
    assert.ok(
      worst <= LONG_TASK_MS || worstCpu < STARVED_CPU_MS,
      `a main-thread long task of ${worst} ms while training, ${worstCpu.toFixed(0)} ms of it on the CPU`,
    );
    assert.ok(worstCpu <= LONG_TASK_MS, `a main-thread task ran ${worstCpu} ms on the CPU`);
    const trainedMs = s.training.reduce((a, w) => a + w.end! - w.start, 0);

    const { metricsDiff, imputeDiff, onnxDiff, cli } = await matchesCli(page, s, data, 6);
    assert.ok(
      cli.data.some((v) => Math.abs(v) > 10),
      'raw units (about −50 ± 300)',
    );

    await page.screenshot({ path: `${SHOTS}train-gaussian.png`, fullPage: true });
    const foreign = requests.filter((u) => !u.startsWith(server.url) && !/^(blob|data):/.test(u));
    assert.deepEqual(foreign, [], 'requests beyond the page origin');
    const rates = s.history.map((h) => h.samplesPerSec);
    console.log(
      `gaussian CSVs: cancelled after epoch ${stoppedAt}, continued to ${s.history.length}; ` +
        `${(trainedMs / 1000).toFixed(1)} s training, ${Math.round(Math.max(...rates))} samples/s best epoch; ` +
        `main thread while training: longest long task ${worst.toFixed(0)} ms (${during.length} over 50 ms; ${tasks.length} in the page's life), longest task in the trace ${worstWall.toFixed(0)} ms wall, ${worstCpu.toFixed(1)} ms CPU (of ${cpu.length} tasks; load ${loadavg()[0].toFixed(1)}); ` +
        `page vs CLI: metrics ${metricsDiff.toExponential(1)}, imputed CSV ${imputeDiff.toExponential(1)}, ONNX ${onnxDiff.toExponential(1)}; ` +
        `${requests.length} requests, all to ${server.url}`,
    );
  } finally {
    await browser.close();
  }
});

test('count CSVs train with the negative binomial the page guesses; its count scores and downloads match jpvae eval, impute and the ONNX runtime', async () => {
  // Counts of a shared latent, a few per feature (log baseline 1.5), 20% of the rows missing one view (empty lines).
  const counts = plantedCounts({ n: 1500, baseline: 1.5, seed: 5 });
  const dir = mkdtempSync(join(tmpdir(), 'jpvae-train-page-counts-'));
  for (const [i, x, d, has] of [
    [1, counts.xs[0], counts.dims[0], 1],
    [2, counts.xs[1], counts.dims[1], 2],
  ] as const) {
    const lines = Array.from({ length: counts.n }, (_, r) =>
      counts.present![r] & has ? Array.from(x.subarray(r * d, (r + 1) * d)).join(',') : '',
    );
    writeFileSync(join(dir, `train${i}.csv`), lines.join('\n') + '\n');
  }
  const { browser, page } = await open();
  try {
    await page.setInputFiles('#file1', join(dir, 'train1.csv'));
    await page.setInputFiles('#file2', join(dir, 'train2.csv'));
    await page.waitForFunction(() => (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.views.every(Boolean));
    assert.equal(await page.inputValue('#likelihood1'), 'nb'); // whole numbers ≥ 0, not only 0 and 1
    assert.equal(await page.inputValue('#likelihood2'), 'nb');
    await page.selectOption('#likelihood2', 'poisson');
    await page.fill('#latent', '2');
    await page.fill('#hidden', '64');
    await page.fill('#epochs', '8');
    await page.click('#train');
    let s = await waitStatus(page, 'done', 120_000);
    assert.equal(s.history.length, 8);
    await page.waitForSelector('#imputedTable');
    s = await pageState(page);
    assert.ok(
      s.metrics!.counts?.impute.x1_given_x2 && s.metrics!.counts?.impute.x2_given_x1,
      'count scores for both views',
    );
    const { metricsDiff, imputeDiff, onnxDiff, cli } = await matchesCli(page, s, dir, counts.dims[1]);
    assert.ok(cli.data.every((v) => v > 0) && cli.data.some((v) => v > 5), 'expected counts, many above 5');
    await page.screenshot({ path: `${SHOTS}train-counts.png`, fullPage: true });
    console.log(
      `count CSVs (nb, poisson): held-out MAE per count ${s.metrics!.counts!.impute.x1_given_x2!.mae.toFixed(3)} / ${s.metrics!.counts!.impute.x2_given_x1!.mae.toFixed(3)}; ` +
        `page vs CLI: metrics ${metricsDiff.toExponential(1)}, imputed CSV ${imputeDiff.toExponential(1)}, ONNX ${onnxDiff.toExponential(1)}`,
    );
  } finally {
    await browser.close();
  }
});

test('the bundled hvdMNIST sample trains and its imputations show as images', async () => {
  const { browser, page, requests } = await open();
  try {
    await page.click('#sample');
    await page.waitForFunction(() => (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.views.every(Boolean));
    assert.match((await page.textContent('#summary1')) ?? '', /2000 rows × 392 columns, 0 missing/);
    assert.equal(await page.inputValue('#likelihood2'), 'bernoulli');
    await page.fill('#latent', '10,10');
    await page.fill('#hidden', '256');
    await page.fill('#epochs', '6');
    await page.click('#train');
    const s = await waitStatus(page, 'done', 120_000);
    assert.equal(s.history.length, 6);
    assert.ok(s.history[5].test!.elbo > s.history[0].test!.elbo, 'the held-out ELBO rises');
    await page.waitForFunction(() => document.querySelectorAll('#images figure').length === 12);
    assert.equal(await page.$$eval('#images figure canvas', (c) => c.length), 36); // given, imputed, truth
    await page.screenshot({ path: `${SHOTS}train-hvdmnist.png`, fullPage: true });
    const foreign = requests.filter((u) => !u.startsWith(server.url) && !/^(blob|data):/.test(u));
    assert.deepEqual(foreign, []);
    console.log(
      `hvdMNIST sample: held-out −ELBO ${(-s.history[0].test!.elbo).toFixed(1)} → ${(-s.history[5].test!.elbo).toFixed(1)} over 6 epochs; ` +
        `${Math.round(Math.max(...s.history.map((h) => h.samplesPerSec)))} samples/s best epoch`,
    );
  } finally {
    await browser.close();
  }
});

test('on the cross-origin isolated page the sample trains on 1 and 2 threads: the same weights, and samples/s of each', async () => {
  const { browser, page } = await open();
  try {
    assert.equal((await pageState(page)).isolated, true);
    await page.click('#sample');
    await page.waitForFunction(() => (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.views.every(Boolean));
    // The reference model of "Speed" (392→512→512→20 per view, batch 32, orthogonal prior), 2 epochs a run.
    await page.fill('#latent', '20,20');
    await page.fill('#hidden', '512,512');
    await page.fill('#epochs', '2');
    const out = mkdtempSync(join(tmpdir(), 'jpvae-train-page-threads-'));
    const rates: Record<number, number[]> = { 1: [], 2: [] },
      weights: Record<number, Uint8Array> = {};
    for (const [round, threads] of [1, 2, 1, 2].entries()) {
      await page.fill('#threads', String(threads));
      await page.click('#train');
      const s = await waitStatus(page, 'done', 120_000);
      assert.equal(s.run!.threads, threads, `trained on ${s.run!.threads} threads: ${s.warnings.join('; ')}`);
      assert.deepEqual(s.warnings, []);
      rates[threads].push(...s.history.map((h) => h.samplesPerSec));
      await page.waitForSelector('#images figure');
      const dir = join(out, String(round));
      unzipTo(await downloaded(page, '#downloadModel', join(out, `model-${round}.zip`)), dir);
      const json = JSON.parse(readFileSync(join(dir, 'jpvae-model', 'model.json'), 'utf8'));
      const w = new Uint8Array(readFileSync(join(dir, 'jpvae-model', json.files.weights.name)));
      if (weights[threads]) assert.deepEqual(w, weights[threads], 'a second run on as many threads');
      weights[threads] = w;
    }
    assert.ok(Buffer.from(weights[1]).equals(Buffer.from(weights[2])), 'the weights on 1 and 2 threads, bit for bit');
    const best = (t: number) => Math.max(...rates[t]);
    console.log(
      `threads in the browser (reference model, hvdMNIST sample, 1800 training rows, best epoch of 4 per count, ` +
        `rounds 1, 2, 1, 2 threads; load ${loadavg()[0].toFixed(1)}): 1 thread ${Math.round(best(1))} samples/s, ` +
        `2 threads ${Math.round(best(2))} samples/s, ${(best(2) / best(1)).toFixed(2)}×; ` +
        `per epoch ${JSON.stringify(Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, v.map(Math.round)])))}`,
    );
  } finally {
    await browser.close();
  }
});

test('three CSV views train in the worker (a view added on the page), cancel and continue; the model evaluates and plots in the CLI', async () => {
  // Real-valued views (one with means near 100, one with sds near 30), every 8th row missing one of them.
  const fixtures = fileURLToPath(new URL('test/fixtures/legacy/', ROOT));
  const files = [1, 2, 3].map((v) => join(fixtures, `three${v}.csv`));
  const { browser, page } = await open();
  try {
    await page.setInputFiles('#file1', files[0]);
    await page.setInputFiles('#file2', files[1]);
    await page.click('#addView');
    assert.equal(await page.inputValue('#prior'), 'factor', "the paper's two-view priors give way to the factor prior");
    await page.setInputFiles('#file3', files[2]);
    await page.waitForFunction(() => {
      const views = (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.views;
      return views.length === 3 && views.every(Boolean);
    });
    assert.equal(await page.inputValue('#likelihood3'), 'gaussian'); // guessed from the values' range
    await page.fill('#latent', '2');
    await page.fill('#hidden', '16');
    await page.fill('#epochs', '400');
    await page.fill('#threads', '1');
    await page.click('#train');
    // Cancel once two epochs are in, then continue from the run's checkpoint for ten more.
    await page.waitForFunction(() => (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.history.length >= 2);
    await page.click('#cancel');
    const stoppedAt = (await waitStatus(page, 'stopped')).history.length;
    assert.ok(stoppedAt >= 2 && stoppedAt < 400, `cancelled after ${stoppedAt} epochs`);
    await page.fill('#epochs', String(stoppedAt + 10));
    await page.click('#continue');
    await waitStatus(page, 'done', 120_000);
    // The metrics and imputations come after the last epoch: the page sets them once the worker has them.
    await page.waitForFunction(() => (window as unknown as { jpvaeTrain: PageState }).jpvaeTrain.imputed !== null);
    const s = await pageState(page);
    assert.deepEqual(
      s.history.map((h) => h.epoch),
      range(1, stoppedAt + 11),
    );
    assert.deepEqual(Object.keys(s.metrics!.impute).sort(), THREE_VIEW_IMPUTATIONS);
    assert.deepEqual([s.imputed!.target, s.imputed!.given], [2, [1, 3]]);
    await page.screenshot({ path: `${SHOTS}train-three-views.png`, fullPage: true });

    // The downloaded model in the CLI: eval on the held-out rows gives the page's metrics; plot draws it.
    const out = mkdtempSync(join(tmpdir(), 'jpvae-train-page-three-'));
    unzipTo(await downloaded(page, '#downloadModel', join(out, 'model.zip')), out);
    const modelDir = join(out, 'jpvae-model'),
      held = range(s.run!.heldOutFrom, s.run!.rows);
    const heldFiles = files.map((f, v) => {
      writeFileSync(join(out, `held${v + 1}.csv`), csvLines(f, held));
      return ['--view', join(out, `held${v + 1}.csv`)];
    });
    const ev = jpvae('eval', '--model', modelDir, ...heldFiles.flat(), '--json');
    assert.equal(ev.code, 0, ev.err);
    const cli = JSON.parse(ev.out) as Metrics;
    const numbers = (m: Metrics) => [...Object.values(m.recon), ...Object.values(m.impute), m.elbo];
    const diff = maxDiff(numbers(s.metrics!), numbers(cli));
    assert.ok(diff <= 1e-5, `page metrics vs jpvae eval: ${diff}`);
    const plot = jpvae(
      'plot',
      '--model',
      modelDir,
      ...files.flatMap((f) => ['--view', f]),
      '--samples',
      '3',
      '--out',
      join(out, 'figures'),
    );
    assert.equal(plot.code, 0, plot.err);
    for (const f of ['cross-correlation', 'training-curves', 'calibration'])
      assert.ok(existsSync(join(out, 'figures', `${f}.png`)), f);
    console.log(
      `three views in the page: cancelled after epoch ${stoppedAt}, continued to ${s.history.length}; ` +
        `held-out −ELBO ${(-s.history.at(-1)!.test!.elbo).toFixed(2)}; page vs jpvae eval ${diff.toExponential(1)}`,
    );
  } finally {
    await browser.close();
  }
});

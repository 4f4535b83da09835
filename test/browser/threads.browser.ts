// Training threads in a browser (run by npm run test:browser, not npm
// test): fit({ threads: 2 }) in headless Debian Chromium, on a page served
// with COOP/COEP (cross-origin isolated: shared wasm memory, a Web Worker
// per training thread), on the page's main thread and in a module worker,
// must write the weights Node writes for the same rows, seed and N, byte
// for byte. The same page served without COOP/COEP trains on one thread
// with one warning. Samples/s of the reference model at 1 and 2 threads in
// the page's worker are printed, not asserted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serveDemo } from '../../web/serve.ts';
import { plantedBinary } from '../planted.ts';
import type { TrainResult } from './threads-page.ts';
import { trainRequest as inNode, type TrainOutcome, type TrainRequest } from './train-request.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

const dir = mkdtempSync(join(tmpdir(), 'jpvae-threads-'));
const planted = plantedBinary(200, 24, 11);
const SMALL: TrainRequest = {
  views: { view1: Array.from(planted.xs[0]), view2: Array.from(planted.xs[1]), width: 24 },
  threads: 2,
  seed: 5,
  epochs: 3,
  hidden: [40, 24],
  latent: 4,
};
let isolated: Awaited<ReturnType<typeof serveDemo>>, plain: Awaited<ReturnType<typeof serveDemo>>, browser: Browser;

before(async () => {
  await build({
    entryPoints: {
      'threads-page': join(ROOT, 'test/browser/threads-page.ts'),
      'threads-fit-worker': join(ROOT, 'test/browser/threads-page.ts'),
      'threads-worker': join(ROOT, 'src/threads/web-worker.ts'),
    },
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['node:*'],
    logLevel: 'warning',
  });
  for (const f of ['simd', 'relaxed', 'simd-threads', 'relaxed-threads'])
    copyFileSync(join(ROOT, 'build', `${f}.wasm`), join(dir, `${f}.wasm`));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><link rel="icon" href="data:,"><body><script type="module" src="threads-page.js"></script>',
  );
  isolated = await serveDemo(dir);
  plain = await serveDemo(dir, 0, { isolate: false });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
});
after(async () => {
  await browser?.close();
  await isolated?.close();
  await plain?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(url: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('console', (m) => m.type() === 'error' && console.error('page console:', m.text()));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  return page;
}

type Where = 'train' | 'trainInWorker';
const train = (page: Page, where: Where, r: TrainRequest): Promise<TrainResult> =>
  page.evaluate(
    ([where, r]) =>
      (window as unknown as { threadsTest: Record<Where, (r: TrainRequest) => Promise<TrainResult>> }).threadsTest[
        where
      ](r),
    [where, r] as const,
  );

test('on a COOP/COEP page fit trains on 2 threads, on the main thread and in a worker, with the weights of Node', async () => {
  const want = (await inNode(SMALL)).weights;
  const page = await open(isolated.url);
  try {
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    for (const where of ['train', 'trainInWorker'] as const) {
      const got = await train(page, where, SMALL);
      assert.deepEqual(got.warnings, [], where);
      assert.equal(got.laneWorkers, 1, `${where}: one training thread's Worker besides the owner`);
      assert.equal(got.weights.length, want.length);
      assert.ok(got.weights === want, `${where}: the browser's weights differ from Node's (same rows, seed, N = 2)`);
    }
  } finally {
    await page.close();
  }
});

test('without COOP/COEP fit trains on one thread with one warning, and the same weights', async () => {
  const page = await open(plain.url);
  try {
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    const got = await train(page, 'train', SMALL);
    assert.equal(got.warnings.length, 1, got.warnings.join('\n'));
    assert.match(got.warnings[0], /^2 threads asked for, training on one: the page is not cross-origin isolated/);
    assert.equal(got.laneWorkers, 0);
    assert.ok(got.weights === (await inNode({ ...SMALL, threads: 1 })).weights, 'one thread: the weights of Node');
    console.log(`without COOP/COEP: ${got.warnings[0]}`);
  } finally {
    await page.close();
  }
});

test("a training thread's worker that cannot start makes fit reject, not hang", async () => {
  const page = await open(isolated.url);
  try {
    const error = await page.evaluate(
      (r) =>
        (
          window as unknown as { threadsTest: { train: (r: TrainRequest, url: string) => Promise<unknown> } }
        ).threadsTest
          .train(r, 'no-such-worker.js')
          .then(
            () => 'trained',
            (e: Error) => e.message,
          ),
      SMALL,
    );
    assert.match(error, /^training thread did not start: /);
  } finally {
    await page.close();
  }
});

test('samples/s of the reference model in a worker at 1 and 2 threads, beside Node (printed, not asserted)', async () => {
  const page = await open(isolated.url);
  try {
    const rates: Record<string, number[]> = {},
      builds = new Set<string>();
    const rate = (r: TrainOutcome) => r.rows / ((r.epochEnds[1] - r.epochEnds[0]) / 1000); // the middle epoch: no start-up, no latent fit
    for (const threads of [1, 2, 1, 2]) {
      const request: TrainRequest = {
        views: { random: 2048 },
        threads,
        seed: 1,
        epochs: 3,
        hidden: [512, 512],
        latent: 20,
      };
      const r = await train(page, 'trainInWorker', request);
      assert.equal(r.laneWorkers, threads - 1);
      builds.add(r.backend);
      (rates[`browser ${threads}`] ??= []).push(rate(r));
      (rates[`node ${threads}`] ??= []).push(rate(await inNode(request)));
    }
    console.log(
      `reference model, batch 32, ${[...builds].join(', ')}, samples/s over one epoch of 2048 rows, two interleaved rounds; headless Chromium ${browser.version()} (in a worker) and Node ${process.version}, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}:`,
    );
    for (const [key, xs] of Object.entries(rates))
      console.log(`  ${key} thread(s): ${xs.map((x) => x.toFixed(0)).join(', ')}`);
  } finally {
    await page.close();
  }
});

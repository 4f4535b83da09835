// npm run test:browser (not part of npm test): the built demo (npm run
// demo:build) in headless Debian Chromium via playwright-core. The imputer
// runs in a web Worker on the WebGPU execution provider (SwiftShader's
// software adapter here) and matches onnxruntime-web's wasm EP in Node
// within 1e-3; with the GPU disabled it falls back to wasm. A Gaussian
// model trained here on real-valued rows (means 1000 and −50) loads into
// the page's worker on every provider and matches Node in raw units.
// Screenshots go to build/browser-test/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createImputer, type Imputer } from '../../src/runtime/imputer.ts';
import { serveDemo } from '../../web/serve.ts';
import { readMatrix } from '../../src/data/matrix.ts';
import { plantedGaussianModel } from '../planted-files.ts';
import { jpvae, maxRelErr } from '../cli-util.ts';

const ROOT = new URL('../../', import.meta.url);
const DEMO = fileURLToPath(new URL('build/web/', ROOT)),
  SHOTS = fileURLToPath(new URL('build/browser-test/', ROOT));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// node.md's flags for this machine's closed network, without --disable-gpu.
const FLAGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TOL = 1e-3;

interface DemoState {
  executionProvider: string;
  fallbacks: string[];
  imputations: number;
  last: { given: 1 | 2; digit: number | null; input: number[]; output: number[]; ms: number } | null;
}

let server: Awaited<ReturnType<typeof serveDemo>>, node: Imputer;
const data = mkdtempSync(join(tmpdir(), 'jpvae-browser-'));

before(async () => {
  assert.ok(existsSync(DEMO), `${DEMO} missing: run npm run demo:build first`);
  mkdirSync(SHOTS, { recursive: true });
  // A Gaussian model's export, served beside the demo.
  for (const args of [
    ['train', ...plantedGaussianModel(data), '--out', join(data, 'model')],
    ['export', '--model', join(data, 'model'), '--out', join(DEMO, 'gaussian')],
  ]) {
    const r = jpvae(...args);
    assert.equal(r.code, 0, r.err);
  }
  server = await serveDemo(DEMO);
  node = await createImputer(new URL('web/model/', ROOT), { executionProviders: ['wasm'] });
});
after(async () => {
  await node?.close();
  await server?.close();
});

async function open(flags: string[], query: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...flags] });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${server.url}index.html${query}`);
  return { browser, page };
}

const demoState = (page: Page) => page.evaluate(() => (window as unknown as { jpvaeDemo: DemoState }).jpvaeDemo);

/** Wait until the page has made more than `after` imputations; returns its state. */
async function imputed(page: Page, after: number): Promise<DemoState> {
  await page.waitForFunction(
    (n) => {
      const s = (window as unknown as { jpvaeDemo?: DemoState }).jpvaeDemo;
      return document.body.dataset.error || (s && s.imputations > n);
    },
    after,
    { timeout: 120_000 },
  );
  const error = await page.evaluate(() => document.body.dataset.error);
  assert.equal(error, undefined, `the demo failed: ${error}`);
  return demoState(page);
}

/** The page's last imputation against the Node imputer's on the same input. */
async function matchesNode(s: DemoState): Promise<number> {
  const { given, input, output } = s.last!;
  const ours = await node.impute(Float32Array.from(input), { given });
  assert.equal(output.length, ours.length);
  const diff = output.reduce((m, v, i) => Math.max(m, Math.abs(v - ours[i])), 0);
  assert.ok(diff <= TOL, `max |browser − node| = ${diff} > ${TOL}`);
  return diff;
}

test('the demo imputes in a worker on the WebGPU EP and matches Node', async () => {
  const { browser, page } = await open(['--enable-unsafe-webgpu'], '?digit=3');
  try {
    let s = await imputed(page, 0);
    assert.equal(s.executionProvider, 'webgpu', `fell back: ${s.fallbacks.join('; ')}`);
    assert.deepEqual([s.last!.given, s.last!.digit], [1, 3]);
    const diffs = [await matchesNode(s)];

    await page.check('input[name=given][value="2"]'); // give the bottom half instead
    s = await imputed(page, s.imputations);
    assert.equal(s.last!.given, 2);
    diffs.push(await matchesNode(s));

    // Draw a stroke on the given (bottom) half: the imputation follows it.
    const box = (await page.locator('#digit').boundingBox())!;
    const count = s.imputations;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.9, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(
      (n) => {
        const st = (window as unknown as { jpvaeDemo: DemoState }).jpvaeDemo;
        return st.imputations > n && st.last?.digit === null;
      },
      count,
      { timeout: 60_000 },
    );
    s = await demoState(page); // `last` is always one call's input and output, even while edits still arrive
    diffs.push(await matchesNode(s));

    await page.click('#sample');
    await page.waitForFunction(() => document.querySelectorAll('#draws canvas').length === 4, null, {
      timeout: 60_000,
    });
    await page.screenshot({ path: `${SHOTS}demo-webgpu.png`, fullPage: true });
    console.log(
      `webgpu: max |browser − node| ${diffs.map((d) => d.toExponential(1)).join(', ')}; last imputation ${s.last!.ms.toFixed(1)} ms`,
    );
  } finally {
    await browser.close();
  }
});

test('without a GPU the demo falls back to the wasm EP and still matches Node', async () => {
  const { browser, page } = await open(['--disable-gpu'], '?digit=5');
  try {
    const s = await imputed(page, 0);
    assert.equal(s.executionProvider, 'wasm');
    assert.match(s.fallbacks[0], /^webgpu: /);
    const diff = await matchesNode(s);
    await page.screenshot({ path: `${SHOTS}demo-wasm-fallback.png`, fullPage: true });
    console.log(
      `wasm fallback (${s.fallbacks[0]}): max |browser − node| ${diff.toExponential(1)}; imputation ${s.last!.ms.toFixed(1)} ms`,
    );
  } finally {
    await browser.close();
  }
});

test("a Gaussian model imputes in the page's worker in raw units on every provider, as in Node", async () => {
  const { browser, page } = await open(['--enable-unsafe-webgpu'], '');
  await page.goto(`${server.url}check.html`);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  const x1 = Array.from(readMatrix(join(data, 'test1.csv'), 'test').data);
  const inNode = await createImputer(join(DEMO, 'gaussian'), { executionProviders: ['wasm'] });
  try {
    const want = await inNode.impute(Float32Array.from(x1), { given: 1 });
    for (const ep of ['webgpu', 'wasm', 'jpvae-wasm']) {
      const got = await page.evaluate(
        async ({ ep, x1 }) => {
          const { createImputer } = (
            window as unknown as {
              jpvae: { createImputer: typeof import('../../src/runtime/imputer.ts').createImputer };
            }
          ).jpvae;
          const imputer = await createImputer('gaussian/', {
            executionProviders: [ep as 'wasm'],
            wasm: { simd: 'simd.wasm', relaxed: 'relaxed.wasm' },
          });
          try {
            return {
              ep: imputer.executionProvider,
              fallbacks: imputer.fallbacks,
              y: Array.from(await imputer.impute(Float32Array.from(x1), { given: 1 })),
            };
          } finally {
            await imputer.close();
          }
        },
        { ep, x1 },
      );
      assert.equal(got.ep, ep, `fell back: ${got.fallbacks.join('; ')}`);
      const err = maxRelErr(got.y, want);
      assert.ok(err <= 1e-4, `${ep}: max relative |browser − node| ${err}`);
      assert.ok(
        got.y.some((v) => Math.abs(v) > 10),
        `${ep}: values in raw units (around −50 ± 300), not probabilities`,
      );
      console.log(`gaussian on ${ep}: max relative |browser − node| ${err.toExponential(1)}`);
    }
  } finally {
    await inNode.close();
    await browser.close();
  }
});

test("in the page, the caller's array survives impute, and a worker that cannot start or a closed imputer rejects at once", async () => {
  const { browser, page } = await open([], '');
  try {
    await page.goto(`${server.url}check.html`);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    const r = await page.evaluate(async () => {
      const { createImputer } = (
        window as unknown as { jpvae: { createImputer: typeof import('../../src/runtime/imputer.ts').createImputer } }
      ).jpvae;
      const opts = {
        executionProviders: ['jpvae-wasm' as const],
        wasm: { simd: 'simd.wasm', relaxed: 'relaxed.wasm' },
      };
      const imputer = await createImputer('gaussian/', opts);
      const x = new Float32Array(3 * imputer.manifest.views[0].dim).fill(1);
      const first = await imputer.impute(x, { given: 1 });
      const again = await imputer.impute(x, { given: 1 });
      await imputer.close();
      return {
        length: x.length,
        same: first.every((v, i) => v === again[i]),
        closed: await imputer.impute(x, { given: 1 }).then(String, (e: Error) => e.message),
        missing: await createImputer('gaussian/', {
          ...opts,
          workerUrl: new URL('no-such-worker.js', location.href),
        }).then(String, (e: Error) => e.message),
      };
    });
    assert.equal(r.length, 3 * 8, 'the array keeps its values after impute (copied, not transferred)');
    assert.ok(r.same, 'the same array twice gives the same imputation');
    assert.equal(r.closed, 'imputer: closed; create another imputer to impute again');
    assert.match(r.missing, /^imputer worker: failed to start .*no-such-worker\.js \(a bundler that does not follow/);
  } finally {
    await browser.close();
  }
});

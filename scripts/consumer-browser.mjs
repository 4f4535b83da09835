// The consumer test's browser part (scripts/consumer-test.sh): esbuild
// bundles the browser example from the consumer project (its jpvae is the
// installed tarball), a static server serves it with jpvae's wasm files and
// the example data, and headless Chromium runs it: the worker fits and
// imputes, and its imputations are compared with the same fit in Node
// through the same installed package. Prints the result as one JSON line;
// exits 1 on failure.
//   node scripts/consumer-browser.mjs CONSUMER_DIR
import { createServer } from 'node:http';
import { copyFileSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const consumer = process.argv[2],
  site = join(consumer, 'site');
mkdirSync(site, { recursive: true });
await build({
  absWorkingDir: consumer,
  entryPoints: ['examples/browser/main.js', 'examples/browser/worker.js'],
  outdir: site,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});
copyFileSync(join(consumer, 'examples/browser/index.html'), join(site, 'index.html'));
for (const w of ['simd.wasm', 'relaxed.wasm'])
  copyFileSync(join(consumer, 'node_modules/jpvae/build', w), join(site, w));
cpSync(join(consumer, 'examples/data'), join(site, 'data'), { recursive: true });

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.csv': 'text/csv' };
const server = createServer((req, res) => {
  try {
    const body = readFileSync(join(site, new URL(req.url, 'http://x').pathname.replace(/\.\./g, '')));
    res.writeHead(200, { 'content-type': TYPES[extname(req.url)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
  await page.waitForFunction(() => document.body.dataset.error || window.jpvaeExample, null, { timeout: 120_000 });
  const error = await page.evaluate(() => document.body.dataset.error);
  if (error) throw new Error(`the browser example failed: ${error}`);
  const r = await page.evaluate(() => window.jpvaeExample);
  // The worker's calls, in Node, through the consumer's jpvae.
  const { fit, parseMatrix } = await import(join(consumer, 'node_modules/jpvae/dist/index.js'));
  const read = (name) => {
    const m = parseMatrix(readFileSync(join(consumer, 'examples/data', name)), name);
    return { data: m.data, width: m.cols };
  };
  const model = await fit(
    { view1: read('view1.csv'), view2: read('view2.csv') },
    { likelihood: ['gaussian', 'gaussian'], latent: 2, hidden: [32], epochs: 60, seed: 1, backend: r.backend },
  );
  const node = model.impute(read('new-view1.csv'), { given: 1 });
  const maxDiff = Math.max(...r.imputed.map((v, i) => Math.abs(v - node[i])));
  console.log(
    JSON.stringify({
      backend: r.backend,
      rows: r.rows,
      identical: r.identical,
      maxAbsDiffFromNode: maxDiff,
      first: r.imputed.slice(0, 3),
    }),
  );
  // Values are around 100: the browser and Node agree to float32 rounding over 60 epochs.
  if (!r.identical || r.rows !== 50 || !r.imputed.every(Number.isFinite) || !(maxDiff < 1e-2)) process.exitCode = 1;
} finally {
  await browser.close();
  server.close();
}

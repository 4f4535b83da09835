// The consumer test's bundler part (scripts/consumer-test.sh): the app of
// examples/bundlers (a fit in a Web Worker with default options, then
// jpvae/runtime on onnxruntime-web's wasm and on jpvae-wasm) built by each
// bundler as docs/deployment.md sets it up, from the consumer project
// (its jpvae is the installed tarball), served with and without COOP/COEP
// and run in headless Chromium. Its imputations are compared with Node's
// through the same installed package: the fit's with the same fit in Node,
// the runtime's with the library's imputation of the exported model.
// Prints one JSON line per bundler and page (with the bundle's minified
// JavaScript size); exits 1 on any failure.
//   node scripts/consumer-bundlers.mjs CONSUMER_DIR [vite|webpack|esbuild …]
import { createServer } from 'node:http';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { chromium } from 'playwright-core';

const consumer = process.argv[2],
  bundlers = process.argv.length > 3 ? process.argv.slice(3) : ['vite', 'webpack', 'esbuild'];
const jpvae = await import(join(consumer, 'node_modules/jpvae/dist/index.js'));
const data = join(consumer, 'examples/data');
const read = (name) => {
  const m = jpvae.parseMatrix(readFileSync(join(data, name)), name);
  return { data: m.data, width: m.cols };
};

// Node's side: the app's fit (one thread: the weights do not depend on it) and the exported model it imputes with.
const FIT = { likelihood: ['gaussian', 'gaussian'], latent: 2, hidden: [32], epochs: 20, seed: 1, threads: 1 };
const model = await jpvae.fit({ view1: read('view1.csv'), view2: read('view2.csv') }, FIT);
const nodeFit = model.impute(read('new-view1.csv'), { given: 1 });
const exported = join(consumer, 'exported');
mkdirSync(exported, { recursive: true });
for (const [f, b] of Object.entries(model.exportOnnx().files)) writeFileSync(join(exported, f), b);
const nodeRuntime = model.impute(read('new-view1.csv'), { given: 1 });

/** Each bundler's build of the app in `app` into `out`, as docs/deployment.md shows it. */
const BUILD = {
  async vite(app, out) {
    const { build } = await import('vite');
    await build({ root: app, configFile: false, logLevel: 'warn', build: { outDir: out } });
  },
  async webpack(app, out) {
    const { default: webpack } = await import('webpack');
    const stats = await new Promise((resolve, reject) =>
      webpack({ mode: 'production', context: app, entry: './main.js', output: { path: out } }, (e, s) =>
        e ? reject(e) : resolve(s),
      ),
    );
    if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }));
    cpSync(join(app, 'index.html'), join(out, 'index.html'));
  },
  async esbuild(app, out) {
    const { build } = await import('esbuild');
    await build({
      absWorkingDir: app,
      entryPoints: {
        main: 'main.js',
        'fit-worker': 'fit-worker.js',
        // esbuild does not follow new Worker(new URL(…, import.meta.url)): jpvae's two workers are entry points.
        worker: 'jpvae/runtime/worker',
        'web-worker': 'jpvae/threads/worker',
      },
      outdir: out,
      bundle: true,
      minify: true,
      format: 'esm',
      logLevel: 'warning',
    });
    cpSync(join(app, 'index.html'), join(out, 'index.html'));
    // Nor does it copy the wasm files the code finds by new URL(…, import.meta.url): copied where those URLs point.
    cpSync(join(app, '../node_modules/jpvae/build'), join(out, 'build'), { recursive: true });
    cpSync(
      join(app, '../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm'),
      join(out, 'ort-wasm-simd-threaded.jsep.wasm'),
    );
  },
};

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
};
/** A static server of `dir`, with the cross-origin isolation headers or without. */
async function serve(dir, isolated) {
  const server = createServer((req, res) => {
    try {
      const body = readFileSync(
        join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\.\./g, '')),
      );
      res.writeHead(200, {
        'content-type': TYPES[extname(req.url)] ?? 'application/octet-stream',
        ...(isolated && {
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
        }),
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** The largest |a − b| over the largest |b|. */
const relDiff = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / Math.max(...b.map(Math.abs));
const jsBytes = (dir) =>
  readdirSync(dir, { recursive: true })
    .filter((f) => /\.m?js$/.test(f))
    .reduce((s, f) => s + statSync(join(dir, f)).size, 0);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const bundler of bundlers) {
    const app = join(consumer, `app-${bundler}`),
      out = join(app, 'dist');
    cpSync(join(consumer, 'examples/bundlers'), app, { recursive: true });
    await BUILD[bundler](app, out);
    const size = jsBytes(out);
    cpSync(data, join(out, 'data'), { recursive: true });
    cpSync(exported, join(out, 'model'), { recursive: true });
    for (const isolated of [true, false]) {
      const server = await serve(out, isolated);
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error(`${bundler}: page error: ${e.message}`));
      try {
        await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
        await page.waitForFunction(() => window.jpvaeApp, null, { timeout: 180_000 });
        const r = await page.evaluate(() => window.jpvaeApp);
        if (r.error) throw new Error(`${bundler}: the app failed: ${r.error}`);
        const diff = {
          fit: relDiff(r.imputed, nodeFit),
          wasm: relDiff(r.runtime.wasm, nodeRuntime),
          'jpvae-wasm': relDiff(r.runtime['jpvae-wasm'], nodeRuntime),
        };
        const line = {
          bundler,
          isolated: r.isolated,
          jsBytes: size,
          backend: r.backend,
          warnings: r.warnings,
          relDiffFromNode: diff,
        };
        console.log(JSON.stringify(line));
        // Isolated: every core, no warning; not: one thread, one warning.
        if (r.isolated !== isolated || r.warnings.length !== (isolated ? 0 : 1)) process.exitCode = 1;
        if (!Object.values(diff).every((d) => d <= 1e-5)) process.exitCode = 1;
      } finally {
        await page.close();
        server.close();
      }
    }
  }
} finally {
  await browser.close();
}

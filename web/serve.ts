// npm run demo:serve: a static server for build/web/ that sends the
// COOP/COEP headers; they make the page cross-origin isolated, which
// SharedArrayBuffer and so onnxruntime-web's multi-threaded wasm need.

import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.csv': 'text/csv',
  '.npy': 'application/octet-stream',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.map': 'application/json',
};

/** Serve `root` on 127.0.0.1:`port` (0: any free port); resolves once listening. `isolate: false` leaves out COOP/COEP (for tests of a page without them). */
export function serveDemo(
  root: string,
  port = 0,
  { isolate = true } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    const found = file.startsWith(root) && statSync(file, { throwIfNoEntry: false })?.isFile();
    if (isolate) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    if (!found) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${bound}/`, close: () => new Promise((done) => server.close(() => done())) });
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('../build/web/', import.meta.url));
  const { url } = await serveDemo(root, Number(process.env.PORT ?? 8080));
  console.log(
    `jpvae demo at ${url} (imputation) and ${url}train.html (training), from ${root}; build it with npm run demo:build; Ctrl-C stops`,
  );
}

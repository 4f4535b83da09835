// How much memory reading a large CSV takes: writes a CSV of about MB
// megabytes (rows of 50 numbers) to a temporary directory, reads it with
// readMatrix and prints the file size, the matrix's bytes and the peak RSS
// the read added. A second argument names another matrix.ts to measure (an
// older version, say).
//   node --import=tsx bench/memory-light.ts [MB] [path/to/matrix.ts]

import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from '../src/data/rng.ts';

const megabytes = Number(process.argv[2] ?? 200),
  COLS = 50;
const reader = process.argv[3] ? pathToFileURL(resolve(process.argv[3])).href : '../src/data/matrix.ts';
const { readMatrix } = (await import(reader)) as typeof import('../src/data/matrix.ts');
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

const dir = mkdtempSync(join(tmpdir(), 'jpvae-memory-')),
  path = join(dir, 'big.csv');
try {
  // Written a block of lines at a time, so writing does not raise the peak we measure.
  const fd = openSync(path, 'w'),
    rng = new Rng(1);
  for (let written = 0; written < megabytes * 2 ** 20;) {
    const lines =
      Array.from({ length: 1000 }, () => Array.from({ length: COLS }, () => rng.normal().toFixed(6)).join(',')).join(
        '\n',
      ) + '\n';
    written += writeSync(fd, lines);
  }
  closeSync(fd);
  const before = process.resourceUsage().maxRSS * 1024,
    t0 = performance.now();
  const m = readMatrix(path, '--view1');
  const seconds = (performance.now() - t0) / 1000,
    peak = process.resourceUsage().maxRSS * 1024;
  const size = statSync(path).size;
  console.log(`reader ${reader}`);
  console.log(`file ${mb(size)} (${m.rows} rows × ${m.cols}); matrix ${mb(m.data.byteLength)}`);
  console.log(
    `peak RSS ${mb(before)} before the read, ${mb(peak)} after: +${mb(peak - before)} (${((peak - before) / m.data.byteLength).toFixed(2)}× the matrix)`,
  );
  console.log(`read in ${seconds.toFixed(1)} s (${mb(size / seconds)}/s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

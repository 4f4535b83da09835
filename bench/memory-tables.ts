// Peak memory of reading a large Parquet file and a large AnnData .h5ad:
// generates each (about MB megabytes of float32 values, 1000 feature
// columns, random normals) in a child process, reads it with readMatrix in
// a fresh child process, and records the file size, the float32 matrix's
// bytes and the peak RSS the read added (and the process's whole peak).
// The files are deleted at the end. Results go to stdout and, with
// --out F, to a JSON file. Reads through dist/ (npm run build first).
//   node --import=tsx bench/memory-tables.ts [MB] [--only parquet|h5ad] [--out bench/results/memory-tables.json]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonText } from '../src/io/json-keys.ts';

const COLS = 1000,
  BLOCK = 16384; // rows per Parquet row group / HDF5 write
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const self = fileURLToPath(import.meta.url),
  reader = join(dirname(self), 'memory-read.mjs'); // plain node over dist/: no loader in the measured process
const [mode, ...rest] = process.argv.slice(2);

/** Rows×COLS normals, a block at a time (a cheap generator: the file's size is what matters). */
function* blocks(rows: number): Generator<Float32Array> {
  let s = 12345;
  for (let r = 0; r < rows; r += BLOCK) {
    const n = Math.min(BLOCK, rows - r),
      out = new Float32Array(n * COLS);
    for (let i = 0; i < out.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) | 0;
      out[i] = ((s >>> 8) / 2 ** 24 - 0.5) * 6;
    }
    yield out;
  }
}

async function generate(format: string, path: string, rows: number): Promise<void> {
  if (format === 'parquet') {
    const { ParquetWriter } = await import('hyparquet-writer');
    const { fileWriter } = await import('hyparquet-writer/src/node.js');
    const names = Array.from({ length: COLS }, (_, j) => `g${j}`);
    const w = new ParquetWriter({
      writer: fileWriter(path),
      codec: 'UNCOMPRESSED', // random floats do not compress; snappy would only slow the generator
      statistics: false,
      schema: [
        { name: 'root', num_children: COLS + 1 },
        { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        ...names.map((name) => ({ name, type: 'FLOAT' as const, repetition_type: 'REQUIRED' as const })),
      ],
    });
    let first = 0;
    for (const b of blocks(rows)) {
      const n = b.length / COLS;
      w.write({
        columnData: [
          { name: 'id', data: Array.from({ length: n }, (_, r) => `cell${first + r}`) },
          ...names.map((name, j) => ({ name, data: Float32Array.from({ length: n }, (_, r) => b[r * COLS + j]) })),
        ],
        rowGroupSize: n,
      });
      first += n;
    }
    w.finish();
  } else {
    const h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
    const f = new h5wasm.File(path, 'w');
    const X = f.create_dataset({
      name: 'X',
      data: new Float32Array(COLS),
      shape: [1, COLS],
      maxshape: [null, COLS],
      chunks: [1024, COLS],
    });
    X.resize([rows, COLS]);
    let first = 0;
    for (const b of blocks(rows)) {
      X.write_slice([[first, first + b.length / COLS], []], b);
      first += b.length / COLS;
    }
    const obs = f.create_group('obs');
    obs.create_attribute('_index', '_index');
    obs.create_dataset({ name: '_index', data: Array.from({ length: rows }, (_, r) => `cell${r}`) });
    f.close();
  }
}

if (mode === 'generate') await generate(rest[0], rest[1], Number(rest[2]));
else {
  const megabytes = Number(mode ?? 1024),
    outAt = process.argv.indexOf('--out'),
    onlyAt = process.argv.indexOf('--only');
  const rows = Math.ceil((megabytes * 2 ** 20) / (4 * COLS));
  const dir = mkdtempSync(join(tmpdir(), 'jpvae-memory-tables-'));
  const node = (...args: string[]) => {
    const r = spawnSync(
      process.execPath,
      args[0] === 'read' ? [reader, ...args.slice(1)] : ['--import=tsx', self, ...args],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    );
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const results: Record<string, unknown>[] = [];
  try {
    for (const [format, file, id] of [
      ['parquet', 'big.parquet', 'id'],
      ['h5ad', 'big.h5ad', undefined],
    ] as const) {
      if (onlyAt > 0 && process.argv[onlyAt + 1] !== format) continue;
      const path = join(dir, file);
      const g0 = performance.now();
      node('generate', format, path, String(rows));
      const generateSeconds = (performance.now() - g0) / 1000;
      const r = JSON.parse(node('read', path, ...(id ? [id] : [])));
      const size = statSync(path).size;
      rmSync(path);
      const row = {
        format,
        fileBytes: size,
        ...r,
        readRatio: (r.peak - r.before) / r.matrixBytes,
        processRatio: r.peak / r.matrixBytes,
        generateSeconds,
      };
      results.push(row);
      console.log(
        `${format}: file ${mb(size)} (${r.rows} rows × ${r.cols}), matrix ${mb(r.matrixBytes)}; peak RSS +${mb(r.peak - r.before)} over ${mb(r.before)} before the read = ${row.readRatio.toFixed(3)}× the matrix (whole process ${row.processRatio.toFixed(3)}×); read in ${r.seconds.toFixed(1)} s`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (outAt > 0)
    writeFileSync(
      process.argv[outAt + 1],
      jsonText(
        {
          command: `node --import=tsx ${relative(join(dirname(self), '..'), self)} ${process.argv.slice(2).join(' ')}`,
          date: new Date().toISOString(),
          node: process.version,
          cpu: cpus()[0]?.model,
          loadavg: loadavg(),
          results,
        },
        { indent: 2 },
      ),
    );
}

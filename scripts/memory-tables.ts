// Peak memory of reading a large Parquet file and a large AnnData .h5ad:
// generates each (about MB megabytes of float32 values, 1000 feature
// columns, uniform in ±3; the Parquet file as one row group of 1 MB snappy
// pages plus a string ID column, the .h5ad's X dense in 1024-row chunks
// or, for h5ad-csr, CSR holding a tenth of the cells)
// in a child process, reads it with readMatrix in a fresh plain-node child
// process, and records the file size, the float32 matrix's bytes and the
// reader's peak RSS: the whole process's (total_ratio, the bound) and what
// the read added to it (read_ratio), beside an empty node process's peak.
// The files are deleted at the end. Results go to stdout and, with
// --out F, to a JSON file. Reads through dist/ (npm run build first).
//   node --import=tsx scripts/memory-tables.ts [MB] [--only parquet,h5ad,h5ad-csr] [--out bench/results/memory-F.json]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonText } from '../src/io/json-keys.ts';

const COLS = 1000,
  BLOCK = 16384; // rows a generator makes at a time
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
    // One row group of every row (polars writes 262,144-row groups, pyarrow up to 1,048,576: a file's
    // worth here), written a column at a time: each column chunk is cut into 1 MB snappy pages.
    const { ParquetWriter } = await import('hyparquet-writer');
    const { fileWriter } = await import('hyparquet-writer/src/node.js');
    const names = Array.from({ length: COLS }, (_, j) => `g${j}`);
    const w = new ParquetWriter({
      writer: fileWriter(path),
      codec: 'SNAPPY',
      statistics: false,
      schema: [
        { name: 'root', num_children: COLS + 1 },
        { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        ...names.map((name) => ({ name, type: 'FLOAT' as const, repetition_type: 'REQUIRED' as const })),
      ],
    });
    const columns = Array.from({ length: COLS }, () => new Float32Array(rows));
    let first = 0;
    for (const b of blocks(rows)) {
      const n = b.length / COLS;
      for (let r = 0; r < n; r++) for (let j = 0; j < COLS; j++) columns[j][first + r] = b[r * COLS + j];
      first += n;
    }
    w.write({
      columnData: [
        { name: 'id', data: Array.from({ length: rows }, (_, r) => `cell${r}`), encoding: 'PLAIN' },
        ...names.map((name, j) => ({ name, data: columns[j], encoding: 'PLAIN' as const })),
      ],
      rowGroupSize: rows,
    });
    w.finish();
  } else {
    const h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
    const f = new h5wasm.File(path, 'w');
    if (format === 'h5ad') {
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
    } else {
      // CSR, a tenth of the cells stored (single-cell counts keep a few to a few tens of percent).
      const X = f.create_group('X');
      X.create_attribute('encoding-type', 'csr_matrix');
      X.create_attribute('encoding-version', '0.1.0');
      X.create_attribute('shape', BigInt64Array.from([BigInt(rows), BigInt(COLS)]));
      const grown = (name: string, data: Float32Array | Int32Array) =>
        X.create_dataset({ name, data: data.slice(0, 1), shape: [1], maxshape: [null], chunks: [1 << 18] });
      const data = grown('data', new Float32Array(1)),
        indices = grown('indices', new Int32Array(1));
      const indptr = new BigInt64Array(rows + 1);
      let nnz = 0,
        row = 0;
      for (const b of blocks(rows)) {
        const v: number[] = [],
          j: number[] = [];
        for (let r = 0; r < b.length / COLS; r++, row++) {
          for (let c = 0; c < COLS; c++) {
            const x = b[r * COLS + c];
            if (Math.abs(x) < 0.3) (v.push(x * 10), j.push(c)); // |x| < 0.3 of uniform ±3: a tenth
          }
          indptr[row + 1] = BigInt(nnz + v.length);
        }
        data.resize([nnz + v.length]);
        indices.resize([nnz + v.length]);
        data.write_slice([[nnz, nnz + v.length]], Float32Array.from(v));
        indices.write_slice([[nnz, nnz + v.length]], Int32Array.from(j));
        nnz += v.length;
      }
      X.create_dataset({ name: 'indptr', data: indptr });
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
  const node = (args: string[]) => {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  // An empty node process's peak RSS: the floor under every total below.
  const emptyNodeRss = Number(node(['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS * 1024))']));
  console.log(`an empty node process: peak RSS ${mb(emptyNodeRss)}`);
  const results: Record<string, unknown>[] = [];
  try {
    for (const [format, file, id] of [
      ['parquet', 'big.parquet', 'id'],
      ['h5ad', 'big.h5ad', undefined],
      ['h5ad-csr', 'csr.h5ad', undefined],
    ] as const) {
      if (onlyAt > 0 && !process.argv[onlyAt + 1].split(',').includes(format)) continue;
      const path = join(dir, file);
      const g0 = performance.now();
      node(['--import=tsx', self, 'generate', format, path, String(rows)]);
      const generateSeconds = (performance.now() - g0) / 1000;
      const size = statSync(path).size;
      const r = JSON.parse(node([reader, path, ...(id ? [id] : [])]));
      rmSync(path);
      const row = {
        format,
        file_bytes: size,
        ...r,
        empty_node_rss: emptyNodeRss,
        // The bound: the whole process's peak (Node, the libraries, the read) over the float32 matrix.
        total_ratio: r.peak_rss / r.matrix_bytes,
        read_ratio: (r.peak_rss - r.rss_before_read) / r.matrix_bytes,
        generate_seconds: generateSeconds,
      };
      results.push(row);
      console.log(
        `${format}: file ${mb(size)} (${r.rows} rows × ${r.cols}), matrix ${mb(r.matrix_bytes)}; ` +
          `peak RSS ${mb(r.peak_rss)} = ${row.total_ratio.toFixed(3)}× the matrix (${mb(r.rss_before_read)} before the read, ` +
          `so the read added ${row.read_ratio.toFixed(3)}×); read in ${r.read_seconds.toFixed(1)} s`,
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
          command: `node --import=tsx scripts/${process.argv
            .slice(1)
            .join(' ')
            .replace(/^.*scripts\//, '')}`,
          date: new Date().toISOString(),
          node: process.version,
          cpu: cpus()[0]?.model,
          cores: cpus().length,
          memory_bytes: totalmem(),
          loadavg: loadavg(),
          results,
        },
        { indent: 2 },
      ),
    );
}

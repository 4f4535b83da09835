// Small files that state huge sizes: an Arrow batch whose length its
// buffers do not hold, footers that list one batch or row group twice, a
// Parquet footer and a CSV whose matrices no file of their size holds,
// Parquet pages that state more bytes or values than their group can have,
// AnnData files whose datasets were declared huge and never written, a
// truncated AnnData file. Each goes through `jpvae train` in a child whose
// peak RSS is measured (process.resourceUsage, at exit): one line naming
// the file, exit 2, no stack trace, --out never made, and under 1 GB
// whatever the file claims (before these checks, one of them reached 15 GB).

import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import h5wasm from 'h5wasm/node';
import { BIN } from './util.ts';
import { writeH5ad } from './h5ad-file.ts';
import { floatParquet, withFooter, withPageHeader } from './parquet-file.ts';

const RSS_LIMIT_MB = 1024;
const dir = mkdtempSync(join(tmpdir(), 'jpvae-hostile-'));
test.before(async () => {
  await h5wasm.ready;
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Uint8Array | string) => {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
};

/** `jpvae args…` in a child: exit code, stderr, and the child's peak RSS in MB (written at exit). */
function measured(...args: string[]): Promise<{ code: number | null; err: string; rssMb: number }> {
  const rssFile = join(dir, `rss-${Math.random().toString(36).slice(2)}`);
  const hook = `import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));`;
  const child = spawn(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, BIN, ...args],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, err, rssMb: Number(readFileSync(rssFile, 'utf8')) / 1024 })),
  );
}

/** Four float32 columns as Arrow, one batch per entry of `batches` (its rows' value), in the IPC `format`. */
function arrowFile(batches: { rows: number; stored: number }[], format: 'file' | 'stream'): Uint8Array {
  const fields = ['a', 'b', 'c', 'd'].map((k) => new arrow.Field(k, new arrow.Float32()));
  const batch = ({ rows, stored }: { rows: number; stored: number }) =>
    new arrow.RecordBatch(
      new arrow.Schema(fields),
      arrow.makeData({
        type: new arrow.Struct(fields),
        length: rows,
        nullCount: 0,
        // arrow's writer writes the buffers it is given: `stored` values under a length of `rows`.
        children: fields.map(() =>
          arrow.makeData({ type: new arrow.Float32(), length: rows, nullCount: 0, data: new Float32Array(stored) }),
        ),
      }),
    );
  return arrow.tableToIPC(new arrow.Table(batches.map(batch)), format);
}

/** An Arrow file whose footer lists its first record batch twice (in the place of the second). */
function arrowListingTwice(): Uint8Array {
  const bytes = arrowFile(
      [
        { rows: 2, stored: 2 },
        { rows: 2, stored: 2 },
      ],
      'file',
    ),
    [first, second] = [...arrow.RecordBatchReader.from(bytes).open().footer!.recordBatches()];
  const block = (b: { offset: number; metaDataLength: number; bodyLength: number }) => {
    const out = Buffer.alloc(24); // the footer's Block struct: offset, metadata length (padded), body length
    out.writeBigInt64LE(BigInt(b.offset), 0);
    out.writeInt32LE(b.metaDataLength, 8);
    out.writeBigInt64LE(BigInt(b.bodyLength), 16);
    return out;
  };
  const out = Buffer.from(bytes),
    at = out.lastIndexOf(block(second));
  block(first).copy(out, at);
  return out;
}

/** An AnnData file whose X is written small and then declared `rows`×`cols` (HDF5 reads what was never written as zeros). */
function declaredH5ad(name: string, rows: number, cols: number, sparse: boolean): string {
  const path = join(dir, name);
  const f = new h5wasm.File(path, 'w');
  const grow = (
    group: InstanceType<typeof h5wasm.Group>,
    key: string,
    data: Int32Array | Float32Array,
    shape: number[],
  ) =>
    group
      .create_dataset({
        name: key,
        data,
        shape: shape.map((d, i) => (i === 0 ? data.length / shape.slice(1).reduce((a, b) => a * b, 1) : d)),
        maxshape: shape.map((d, i) => (i === 0 ? null : d)),
        chunks: shape.map((d, i) => (i === 0 ? 1024 : d)),
      })
      .resize(shape);
  if (sparse) {
    const X = f.create_group('X');
    X.create_attribute('encoding-type', 'csr_matrix');
    X.create_attribute('shape', BigInt64Array.from([BigInt(rows), BigInt(cols)]));
    X.create_dataset({ name: 'data', data: Float32Array.from([1]) });
    X.create_dataset({ name: 'indices', data: Int32Array.from([0]) });
    grow(X, 'indptr', Int32Array.from([0, 1]), [rows + 1]); // all zeros past the second entry
  } else grow(f, 'X', new Float32Array(cols), [rows, cols]);
  const obs = f.create_group('obs');
  obs.create_attribute('_index', '_index');
  obs.create_dataset({ name: '_index', data: ['s0'] });
  f.close();
  return path;
}

const good = file('good.csv', '1,2\n3,4\n5,6\n');
const cases: [string, () => string, RegExp][] = [
  [
    'an Arrow stream whose batch states 2^28 rows over buffers of 3 values',
    () => file('batch.arrows', arrowFile([{ rows: 2 ** 28, stored: 3 }], 'stream')),
    /batch\.arrows: not a readable Arrow IPC file: record batch 1 states 268435456 rows, but column 'a' holds values for 4/,
  ],
  [
    'an Arrow file whose footer lists one record batch twice',
    () => file('twice.arrow', arrowListingTwice()),
    /twice\.arrow: record batch 1 and record batch 2 overlap \(a footer that lists the same data twice\?\)/,
  ],
  [
    'a Parquet footer that lists its row group 1000 times',
    () =>
      file(
        'groups.parquet',
        withFooter(floatParquet({ a: [1, 2, 3] }), (meta) => {
          meta.row_groups = Array(1000).fill(meta.row_groups[0]);
          meta.num_rows = 3000n;
        }),
      ),
    /groups\.parquet: row group 1's column 'a' and row group 2's column 'a' overlap/,
  ],
  [
    'a Parquet footer that states 2^28 rows of four columns, each chunk 2^28 values',
    () =>
      file(
        'rows.parquet',
        withFooter(floatParquet({ a: [1], b: [2], c: [3], d: [4] }), (meta) => {
          meta.num_rows = meta.row_groups[0].num_rows = 2n ** 28n;
          for (const c of meta.row_groups[0].columns) c.meta_data!.num_values = 2n ** 28n;
        }),
      ),
    /rows\.parquet: states 268435456 rows × 4 columns \(4290 MB of float32\) in 0\.\d+ MB, more than 1000 times the file's size/,
  ],
  [
    'a Parquet page that states 2 GB uncompressed',
    () =>
      file(
        'page.parquet',
        withPageHeader(floatParquet({ a: [1, 2, 3] }), (h) => {
          h.uncompressed_page_size = 2 ** 31 - 1;
        }),
      ),
    /page\.parquet: not a readable Parquet file: column 'a' of row group 1 does not decode \(page at byte \d+ states 2147483647 bytes uncompressed, more than the file can hold\)/,
  ],
  [
    'a Parquet page that states 2^28 values in a group of 3 rows',
    () =>
      file(
        'values.parquet',
        withPageHeader(floatParquet({ a: [1, 2, 3] }), (h) => {
          h.data_page_header_v2!.num_values = h.data_page_header_v2!.num_rows = 2 ** 28;
        }),
      ),
    /values\.parquet: not a readable Parquet file: column 'a' of row group 1 does not decode \(page at byte \d+: its pages state more values than the 3 rows\)/,
  ],
  [
    'a CSV of one wide line and 200,000 blank ones (each a missing row of 5,000 values)',
    () => file('blank.csv', Array(5000).fill('1').join(',') + '\n'.repeat(200_000)),
    /blank\.csv: states 200000 rows × 5000 columns \(4000 MB of float32\) in 0\.21 MB, more than 1000 times/,
  ],
  [
    'an AnnData CSR X of 2^28 rows whose indptr was declared and never written',
    () => declaredH5ad('indptr.h5ad', 2 ** 28, 4, true),
    /indptr\.h5ad: states 268435456 rows × 4 columns/,
  ],
  [
    'an AnnData CSR X whose unwritten indptr states more bytes than the file has',
    () => declaredH5ad('unwritten.h5ad', 2 ** 20, 2, true),
    /unwritten\.h5ad: X\/indptr states 1048577 values \(4194308 bytes\) in a file of \d+ bytes \(damaged\?\)/,
  ],
  [
    'an AnnData dense X declared 2^24×16 and never written',
    () => declaredH5ad('dense.h5ad', 2 ** 24, 16, false),
    /dense\.h5ad: states 16777216 rows × 16 columns/,
  ],
  [
    'a truncated AnnData file (it used to say "no X matrix")',
    () => {
      const path = join(dir, 'cut.h5ad');
      writeH5ad(path, [[1, 2, 3]], ['s0']);
      truncateSync(path, 2000);
      return path;
    },
    /cut\.h5ad: HDF5 file truncated: 2000 bytes of the \d+ its superblock states/,
  ],
];

for (const [title, make, message] of cases)
  test(`${title}: one line, exit 2, nothing written, peak RSS under 1 GB`, async (t) => {
    const bad = make(),
      out = join(dir, `never-${title.length}`);
    const r = await measured('train', '--view1', bad, '--view2', good, '--epochs', '1', '--out', out);
    t.is(r.code, 2, r.err);
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1, r.err);
    t.notRegex(r.err, /\n\s+at /);
    t.false(existsSync(out));
    t.true(r.rssMb < RSS_LIMIT_MB, `peak RSS ${r.rssMb.toFixed(0)} MB`);
    t.log(`peak RSS ${r.rssMb.toFixed(0)} MB`);
  });

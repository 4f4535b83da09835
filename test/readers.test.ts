import test from 'ava';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCsv } from '../src/data/csv.ts';
import { readIdx } from '../src/data/hvdmnist.ts';
import { openRows, readMatrix } from '../src/data/matrix.ts';
import { encodeNpy, type Matrix } from '../src/data/npy.ts';
import { createRowWriter } from '../src/data/row-writer.ts';
import { InputError } from '../src/errors.ts';
import { tempDir } from './util.ts';

type Dir = { teardown(fn: () => void): void };

/** `bytes` as the file `name` in a fresh temporary directory; its path. */
function file(t: Dir, name: string, bytes: string | Uint8Array): string {
  const path = join(tempDir(t), name);
  writeFileSync(path, bytes);
  return path;
}

/** The rows of a file, read `maxRows` at a time and `chunkBytes` of CSV text at a time. */
function rowsOf(path: string, maxRows: number, chunkBytes?: number): number[][] {
  const s = openRows(path, '--x', { chunkBytes }),
    out: number[][] = [];
  for (let m; (m = s.next(maxRows));)
    for (let r = 0; r < m.rows; r++) out.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
  s.close();
  return out;
}

const asRows = (m: Matrix) =>
  Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));

/** A .npy file with a hand-built header (dtype `descr`) and raw payload bytes. */
function npyBytes(descr: string, shape: string, payload: Uint8Array, fortran = 'False'): Uint8Array {
  const head = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  const pad = head + ' '.repeat(63 - ((10 + head.length) % 64)) + '\n';
  const out = new Uint8Array(10 + pad.length + payload.length);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, pad.length, true);
  out.set(new TextEncoder().encode(pad), 10);
  out.set(payload, 10 + pad.length);
  return out;
}

test('CSV: optional header, numbers, missing rows as NaN', (t) => {
  const m = readMatrix(file(t, 'x.csv', 'a,b,c\n1,2,3\n\n4.5,-1e-3,7\n,,\n'), '--x');
  t.deepEqual([m.rows, m.cols], [4, 3]);
  t.deepEqual(Array.from(m.data.subarray(0, 3)), [1, 2, 3]);
  t.true(m.data.subarray(3, 6).every(Number.isNaN));
  t.deepEqual(Array.from(m.data.subarray(6, 9)), [4.5, Math.fround(-1e-3), 7]);
  t.true(m.data.subarray(9).every(Number.isNaN));
  t.deepEqual(readMatrix(file(t, 'y.csv', formatCsv(m)), '--y').data.subarray(0, 3), m.data.subarray(0, 3));
});

test('CSV: ragged rows and non-numeric cells name the line; unreadable and empty files', (t) => {
  t.throws(() => readMatrix(file(t, 'r.csv', '1,2\n3,4,5\n'), '--x'), {
    instanceOf: InputError,
    message: /r\.csv:2: 3 cells, expected 2/,
  });
  t.throws(() => readMatrix(file(t, 'n.csv', '1,2\n3,x\n'), '--x'), {
    instanceOf: InputError,
    message: /n\.csv:2: column 2 holds 'x'/,
  });
  for (const text of ['', 'a,b\n', '\n\n'])
    t.throws(() => readMatrix(file(t, 'e.csv', text), '--x'), {
      instanceOf: InputError,
      message: /e\.csv: no data rows/,
    });
  const dir = join(tempDir(t), 'd.csv');
  mkdirSync(dir);
  t.throws(() => readMatrix(dir, '--x'), { instanceOf: InputError, message: /--x .*d\.csv: cannot read \(EISDIR\)/ });
  t.throws(() => readMatrix(join(dir, 'nope.csv'), '--x'), {
    instanceOf: InputError,
    message: /--x .*nope\.csv: cannot read \(ENOENT\)/,
  });
});

test('CSV: read in chunks of any size, lines, \\r\\n and UTF-8 split anywhere, equals the expected rows', (t) => {
  const N = NaN;
  const cases: [string, number[][]][] = [
    [
      'température,hauteur €\r\n1,2\r\n\r\n3,4\r\n',
      [
        [1, 2],
        [N, N],
        [3, 4],
      ],
    ],
    [
      '\n\n1,2,3\n\n4,5,6',
      [
        [N, N, N],
        [N, N, N],
        [1, 2, 3],
        [N, N, N],
        [4, 5, 6],
      ],
    ], // blank first lines, no final newline
    [
      'a,b\n\n \n1,2\nnan, \n',
      [
        [N, N],
        [N, N],
        [1, 2],
        [N, N],
      ],
    ],
    ['\uFEFFx\n0\n\n-0.5e1\r\n', [[0], [N], [-5]]],
    [
      '1,2\n3,4\n\n',
      [
        [1, 2],
        [3, 4],
        [N, N],
      ],
    ],
  ];
  for (const [i, [text, rows]] of cases.entries()) {
    const path = file(t, `c${i}.csv`, text);
    for (const chunkBytes of [1, 2, 3, 4, 5, 7, 11, 64, undefined])
      for (const maxRows of [1, 2, 1000]) {
        t.deepEqual(
          rowsOf(path, maxRows, chunkBytes),
          rows,
          `case ${i}, chunks of ${chunkBytes} bytes, ${maxRows} rows`,
        );
      }
  }
  // Errors keep their line numbers, and a multibyte cell split across chunks reads back whole.
  const bad = file(t, 'bad.csv', 'a,b\n1,2\n\n3,€é\n');
  for (const chunkBytes of [1, 2, 3, 5]) {
    t.throws(() => rowsOf(bad, 1, chunkBytes), { instanceOf: InputError, message: /bad\.csv:4: column 2 holds '€é'/ });
  }
  t.throws(() => rowsOf(file(t, 'rag.csv', '\n1,2\n\n4,5,6\n'), 2, 3), { message: /rag\.csv:4: 3 cells, expected 2/ });
});

test('NPY: float32 round trip; float64 and uint8 read; any block size; bad files rejected', (t) => {
  const m = { rows: 3, cols: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) };
  const path = file(t, 'm.npy', encodeNpy(m));
  t.deepEqual(readMatrix(path, '--x'), m);
  for (const k of [1, 2, 3, 4]) t.deepEqual(rowsOf(path, k), asRows(m));
  t.is(openRows(path, '--x').rows, 3);
  const bytes = encodeNpy(m);
  t.throws(() => readMatrix(file(t, 't.npy', bytes.subarray(0, bytes.length - 3)), '--x'), {
    instanceOf: InputError,
    message: /t\.npy: .*truncated/,
  });
  t.throws(() => readMatrix(file(t, 'z.npy', new Uint8Array(20)), '--x'), { message: /magic/ });
  t.throws(() => readMatrix(file(t, 'h.npy', bytes.subarray(0, 40)), '--x'), { message: /h\.npy: .*header truncated/ });
  const f8 = new Float64Array([0.25, -2]);
  t.deepEqual(readMatrix(file(t, 'f8.npy', npyBytes('<f8', '(2,)', new Uint8Array(f8.buffer))), '--x'), {
    rows: 2,
    cols: 1,
    data: Float32Array.from([0.25, -2]),
  });
  const u1 = file(t, 'u1.npy', npyBytes('|u1', '(3, 2)', Uint8Array.from([0, 1, 2, 253, 254, 255])));
  for (const k of [1, 2, 5])
    t.deepEqual(rowsOf(u1, k), [
      [0, 1],
      [2, 253],
      [254, 255],
    ]);
  t.throws(() => readMatrix(file(t, 'f.npy', npyBytes('<f8', '(2,)', new Uint8Array(f8.buffer), 'True')), '--x'), {
    message: /Fortran order/,
  });
  t.throws(() => readMatrix(file(t, 'i.npy', npyBytes('<i4', '(2,)', new Uint8Array(8))), '--x'), {
    message: /dtype '<i4'/,
  });
});

test('IDX: any block size; truncated and corrupt files are reported', (t) => {
  const ok = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
  const path = file(t, 'ok.idx', ok);
  t.deepEqual(readIdx(path).dims, [2, 3]);
  t.deepEqual(Array.from(readIdx(path).data), [1, 2, 3, 4, 5, 6]);
  for (const k of [1, 2, 3])
    t.deepEqual(rowsOf(path, k), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
  const cut = file(t, 'cut-ubyte', ok.subarray(0, 15));
  t.throws(() => readMatrix(cut, '--x'), {
    instanceOf: InputError,
    message: /cut-ubyte: .*need 6 bytes of data, the file has 3/,
  });
  t.throws(() => readIdx(cut), {
    instanceOf: InputError,
    message: /cut-ubyte: .*need 6 bytes of data, the file has 3/,
  });
  t.throws(() => readMatrix(file(t, 'bad.idx', Uint8Array.from([1, 2, 3, 4])), '--x'), { message: /magic/ });
  t.throws(() => readMatrix(file(t, 'head.idx', ok.subarray(0, 9)), '--x'), {
    message: /head\.idx: .*header truncated/,
  });
});

test('row writer: CSV and NPY written in blocks read back whole; abort leaves the target as it was', (t) => {
  const dir = tempDir(t),
    m = { rows: 5, cols: 3, data: Float32Array.from({ length: 15 }, (_, i) => (i - 7) / 3) };
  const writeBlocks = (path: string, size: number) => {
    const w = createRowWriter(path, '--out', m.cols);
    for (let r = 0; r < m.rows; r += size) {
      const end = Math.min(m.rows, r + size);
      w.write({ rows: end - r, cols: m.cols, data: m.data.subarray(r * m.cols, end * m.cols) });
    }
    w.commit();
  };
  writeBlocks(join(dir, 'm.csv'), 2);
  t.is(readFileSync(join(dir, 'm.csv'), 'utf8'), formatCsv(m));
  for (const size of [1, 2, 5]) {
    const path = join(dir, `m${size}.npy`);
    writeBlocks(path, size);
    const bytes = readFileSync(path),
      headerLength = 10 + bytes.readUInt16LE(8);
    t.is(headerLength % 64, 0, 'numpy aligns the data to 64 bytes');
    t.regex(
      bytes.subarray(10, headerLength).toString('latin1'),
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(5, 3\), \} +\n$/,
    );
    t.deepEqual(readMatrix(path, '--x'), m);
    t.deepEqual(bytes, Buffer.from(encodeNpy(m)), 'the same bytes as the whole-matrix encoder');
  }
  const empty = createRowWriter(join(dir, 'e.npy'), '--out', 4);
  empty.commit();
  t.regex(readFileSync(join(dir, 'e.npy')).toString('latin1'), /'shape': \(0, 4\)/); // a valid 0×4 file…
  t.throws(() => readMatrix(join(dir, 'e.npy'), '--x'), { message: /e\.npy: no data rows \(a 0×4 matrix\)/ }); // …that no reader takes for data

  const keep = join(dir, 'keep.npy');
  writeFileSync(keep, 'previous');
  for (const target of [keep, join(dir, 'new.csv')]) {
    const w = createRowWriter(target, '--out', 3);
    w.write(m);
    w.abort();
  }
  t.is(readFileSync(keep, 'utf8'), 'previous');
  t.deepEqual(readdirSync(dir).sort(), ['e.npy', 'keep.npy', 'm.csv', 'm1.npy', 'm2.npy', 'm5.npy']);
  t.throws(() => createRowWriter(join(dir, 'x.json'), '--out', 3), {
    instanceOf: InputError,
    message: /--out .*x\.json: expected a \.csv or \.npy/,
  });
  t.throws(() => createRowWriter(join(dir, 'no', 'x.csv'), '--out', 3), {
    instanceOf: InputError,
    message: /--out .*x\.csv: cannot write \(ENOENT\)/,
  });
});

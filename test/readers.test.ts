import test from 'ava';
import { parseCsv, formatCsv } from '../src/data/csv.ts';
import { encodeNpy, parseNpy } from '../src/data/npy.ts';
import { parseIdx } from '../src/data/idx.ts';
import { InputError } from '../src/errors.ts';

test('CSV: optional header, numbers, missing rows as NaN', (t) => {
  const m = parseCsv('a,b,c\n1,2,3\n\n4.5,-1e-3,7\n,,\n', 'x.csv');
  t.deepEqual([m.rows, m.cols], [4, 3]);
  t.deepEqual(Array.from(m.data.subarray(0, 3)), [1, 2, 3]);
  t.true(m.data.subarray(3, 6).every(Number.isNaN));
  t.deepEqual(Array.from(m.data.subarray(6, 9)), [4.5, Math.fround(-1e-3), 7]);
  t.true(m.data.subarray(9).every(Number.isNaN));
  t.deepEqual(parseCsv(formatCsv(m), 'y.csv').data.subarray(0, 3), m.data.subarray(0, 3));
});

test('CSV: ragged rows and non-numeric cells name the line', (t) => {
  t.throws(() => parseCsv('1,2\n3,4,5\n', 'r.csv'), { instanceOf: InputError, message: /r\.csv:2: 3 cells, expected 2/ });
  t.throws(() => parseCsv('1,2\n3,x\n', 'n.csv'), { instanceOf: InputError, message: /n\.csv:2: column 2 holds 'x'/ });
});

test('NPY: float32 round trip; float64 and uint8 read; bad files rejected', (t) => {
  const m = { rows: 3, cols: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) };
  t.deepEqual(parseNpy(encodeNpy(m), 'm.npy'), m);
  const bytes = encodeNpy(m);
  t.throws(() => parseNpy(bytes.subarray(0, bytes.length - 3), 't.npy'), { message: /t\.npy: .*truncated/ });
  t.throws(() => parseNpy(new Uint8Array(20), 'z.npy'), { message: /magic/ });
  // float64, hand-built header
  const head = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  const pad = head + ' '.repeat(64 - ((10 + head.length + 1) % 64)) + '\n';
  const f8 = new Uint8Array(10 + pad.length + 16);
  f8.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(f8.buffer).setUint16(8, pad.length, true);
  f8.set(new TextEncoder().encode(pad), 10);
  new DataView(f8.buffer).setFloat64(10 + pad.length, 0.25, true);
  new DataView(f8.buffer).setFloat64(10 + pad.length + 8, -2, true);
  t.deepEqual(parseNpy(f8, 'f8.npy'), { rows: 2, cols: 1, data: Float32Array.from([0.25, -2]) });
  const fortran = Uint8Array.from(f8);
  fortran.set(new TextEncoder().encode('True '), 10 + pad.indexOf('False'));
  t.throws(() => parseNpy(fortran, 'f.npy'), { message: /Fortran order/ });
});

test('IDX: truncated and corrupt files are reported', (t) => {
  const ok = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
  t.deepEqual(parseIdx(ok, 'ok').dims, [2, 3]);
  t.throws(() => parseIdx(ok.subarray(0, 15), 'cut'), { message: /cut: .*need 6 bytes of data, the file has 3/ });
  t.throws(() => parseIdx(Uint8Array.from([1, 2, 3, 4]), 'bad'), { message: /magic/ });
});

// The reader gaps of hostile input: a first row of Infinity is data, not a
// header; hex/binary/octal literals are not numbers; an NPY of a negative
// or empty shape is refused (and never replaces --out with an empty file);
// impute refuses Bernoulli values outside [0, 1] and an existing --out
// without --force; one very long CSV line costs a small multiple of itself.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../src/errors.ts';
import { readMatrix } from '../src/data/matrix.ts';
import { jpvae, tempDir } from './util.ts';

const npy = (shape: string, payload = new Uint8Array()) => {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`.padEnd(117) + '\n';
  const head = new Uint8Array(128);
  head.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  new DataView(head.buffer).setUint16(8, 118, true);
  head.set(Buffer.from(dict), 10);
  return Buffer.concat([head, payload]);
};

test('CSV: Infinity in the first row is data (then refused as not finite), 0x1F and 0b101 are not numbers, inf and NaN are', (t) => {
  const dir = tempDir(t),
    f = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
  const inf = readMatrix(f('inf.csv', 'Infinity,1\n2,3\n'), '--view1');
  t.is(inf.rows, 2);
  t.is(inf.data[0], Infinity);
  t.deepEqual(Array.from(readMatrix(f('words.csv', '-inf,nan,INF,\n1,2,3,4\n'), '--view1').data.slice(0, 4)), [
    -Infinity,
    NaN,
    Infinity,
    NaN,
  ]);
  t.is(readMatrix(f('head.csv', 'a,b\n1,2\n'), '--view1').rows, 1); // a real header still is one
  for (const cell of ['0x1F', '0b101', '0o17', '1_0']) {
    t.throws(() => readMatrix(f(`${cell}.csv`, `1,2\n3,${cell}\n`), '--view1'), {
      instanceOf: InputError,
      message: `${join(dir, `${cell}.csv`)}:2: column 2 holds '${cell}', not a number`,
    });
  }
});

test('NPY: a negative or empty shape is refused; 0-row files never give an empty output', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'neg.npy'), npy('(-1, 5)'));
  writeFileSync(join(dir, 'empty.npy'), npy('(0, 5)'));
  t.throws(() => readMatrix(join(dir, 'neg.npy'), '--input'), {
    message: /neg\.npy: not a readable \.npy file: shape \(-1, 5\); expected 1-D or 2-D, of sizes ≥ 0/,
  });
  t.throws(() => readMatrix(join(dir, 'empty.npy'), '--input'), {
    message: /empty\.npy: no data rows \(a 0×5 matrix\)/,
  });
  writeFileSync(join(dir, 'empty.csv'), '\n');
  t.throws(() => readMatrix(join(dir, 'empty.csv'), '--input'), { message: /no data rows/ });
});

test('impute: Bernoulli values outside [0, 1], an empty input, an existing --out without --force, a first row with a typo or a NUL byte, garbage, an unnamed ID column: one line, exit 2, --out untouched', (t) => {
  const dir = tempDir(t),
    m = join(dir, 'm'),
    out = join(dir, 'out.csv');
  t.is(jpvae('train', '--train-limit', '200', '--hidden', '16', '--latent', '2', '--epochs', '1', '--out', m).code, 0);
  writeFileSync(
    join(dir, 'big.csv'),
    Array(392).fill('0.5').join(',') + '\n' + Array(392).fill('1.5').join(',') + '\n',
  );
  writeFileSync(join(dir, 'ok.csv'), Array(392).fill('0.5').join(',') + '\n');
  writeFileSync(join(dir, 'empty.npy'), npy('(0, 392)'));
  writeFileSync(out, 'previous\n');
  const cases: [string[], RegExp][] = [
    [['--input', join(dir, 'big.csv'), '--force'], /--input .*big\.csv: row 2, column 1 is 1\.5, outside \[0, 1\]/],
    [['--input', join(dir, 'empty.npy'), '--force'], /empty\.npy: no data rows/],
    [['--input', join(dir, 'ok.csv')], /--out .*out\.csv: exists; pass --force to replace it/],
    // A first row of numbers with one bad cell, or a NUL byte, is that cell's error: never a header swallowing a row.
    [
      ['--input', join(dir, 'typo.csv'), '--force'],
      /typo\.csv:1: column 3 holds '0\.5x', not a number \(a header holds names only\)/,
    ],
    [['--input', join(dir, 'nul.csv'), '--force'], /nul\.csv:1: a NUL byte \(byte 9\); a CSV file is text/],
    // A garbage file's line quotes a few escaped characters, on one line.
    [
      ['--input', join(dir, 'garbage.csv'), '--force'],
      /garbage\.csv:2: column 1 holds '\\x1b\[2J\\x0dnot\\u\{2028\}this\\x0b\\x0cx{9}…', not a number/,
    ],
    // Numeric IDs in a column of their own: the line says how to name it.
    [
      ['--input', join(dir, 'ids.csv'), '--force'],
      /ids\.csv: rows have 393 values, but view 1 of the model has 392; if one column holds sample IDs, name it as --id-column/,
    ],
  ];
  const half = Array(392).fill('0.5');
  writeFileSync(
    join(dir, 'typo.csv'),
    [['0.5', '0.5', '0.5x', ...half.slice(3)], half].map((r) => r.join(',')).join('\n'),
  );
  writeFileSync(join(dir, 'nul.csv'), ['0.5,0.5,\u00000.5', ...half.slice(3)].join(',') + '\n' + half.join(',') + '\n');
  writeFileSync(
    join(dir, 'garbage.csv'),
    `${half.join(',')}\n${['\x1b[2J\rnot\u2028this\v\f' + 'x'.repeat(40), ...half.slice(1)].join(',')}\n`,
  );
  writeFileSync(join(dir, 'ids.csv'), ['17', ...half].join(',') + '\n' + ['18', ...half].join(',') + '\n');
  for (const [args, message] of cases) {
    const r = jpvae('impute', '--model', m, '--given', '1', '--out', out, ...args);
    t.is(r.code, 2, r.err);
    t.regex(r.err, message);
    t.is(r.err.trim().split('\n').length, 1);
  }
  t.is(readFileSync(out, 'utf8'), 'previous\n');
  t.is(jpvae('impute', '--model', m, '--given', '1', '--out', out, '--input', join(dir, 'ok.csv'), '--force').code, 0);
  t.is(readFileSync(out, 'utf8').trim().split(',').length, 392);
});

test('one 60 MB CSV line is read at a small multiple of its size', (t) => {
  const dir = tempDir(t),
    path = join(dir, 'wide.csv');
  writeFileSync(path, '0.5,'.repeat(15e6 - 1) + '0.5\n'); // 60 MB, 15 M values
  const bytes = readFileSync(path).length;
  // In a fresh process, so that its peak RSS is this read's alone.
  const script = `import { readMatrix } from ${JSON.stringify(new URL('../src/data/matrix.ts', import.meta.url).pathname)};
    const base = process.memoryUsage().rss, m = readMatrix(${JSON.stringify(path)}, '--input');
    process.stdout.write(JSON.stringify({ rows: m.rows, cols: m.cols, base, peak: process.resourceUsage().maxRSS * 1024 }));`;
  const r = spawnSync(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const { rows, cols, base, peak } = JSON.parse(r.stdout);
  t.is(rows, 1);
  t.true(cols > 14e6);
  const grew = (peak - base) / 1e6;
  t.log(
    `${(bytes / 1e6).toFixed(0)} MB line, ${cols} values (${((cols * 4) / 1e6).toFixed(0)} MB as float32): peak RSS grew by ${grew.toFixed(0)} MB`,
  );
  t.true(grew < (10 * bytes) / 1e6, `grew by ${grew.toFixed(0)} MB`); // (the reader before: 1,450 MB, splitting the line into 15 M strings)
});

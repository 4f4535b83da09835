// The examples as a user runs them from a checkout (`jpvae` resolves to this
// package by its own name): the Node example fits on the two CSV files,
// imputes far better than guessing view 2's column means, and its reloaded
// model imputes identically; the example data is what make-data.mjs writes.
// The installed-package runs, and the browser example, are in
// scripts/consumer-test.sh.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './util.ts';

const examples = new URL('../examples/', import.meta.url).pathname;

test('examples/data is what examples/make-data.mjs writes', (t) => {
  const dir = tempDir(t);
  execFileSync(process.execPath, [join(examples, 'make-data.mjs'), dir]);
  for (const name of readdirSync(join(examples, 'data')))
    t.deepEqual(readFileSync(join(dir, name)), readFileSync(join(examples, 'data', name)), name);
});

test('the Node example fits, imputes well, and its saved model reloads to identical imputations', (t) => {
  const dir = tempDir(t);
  const out = execFileSync(
    process.execPath,
    [join(examples, 'node/fit-impute.mjs'), join(examples, 'data'), join(dir, 'model')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const r = JSON.parse(out);
  t.is(r.rows, 50);
  t.true(r.identical);
  t.true(r.meanAbsError < r.columnMeansError / 2, out);
  t.true(readdirSync(join(dir, 'model')).includes('model.json'));
});

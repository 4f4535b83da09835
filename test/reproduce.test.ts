// jpvae reproduce end to end on a sliver of hvdMNIST: tables, figures, and
// a second invocation that finds every job done.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './util.ts';

const BIN = new URL('../bin/jpvae.mjs', import.meta.url).pathname;
const reproduce = (out: string, ...extra: string[]) => spawnSync(process.execPath,
  [BIN, 'reproduce', '--priors', 'zero,orthogonal', '--seeds', '1', '--epochs', '1', '--train-limit', '200', '--classifier-epochs', '1', '--out', out, ...extra],
  { encoding: 'utf8' });

test('reproduce writes the tables and figures, and a rerun resumes with nothing left to do', (t) => {
  const out = tempDir(t);
  const first = reproduce(out);
  t.is(first.status, 0, first.stderr);
  for (const f of ['table1.md', 'table3.md', 'figures.md', 'figure1-imputations.png', 'figure4-cross-correlation.png', 'summary.json']) {
    t.true(existsSync(join(out, f)), f);
  }
  const table1 = readFileSync(join(out, 'table1.md'), 'utf8');
  t.regex(table1, /\| C = 0 \| ours \(1 seed\) \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
  t.regex(table1, /\| C = αO \| ours \(1 seed\) \|/);
  t.regex(readFileSync(join(out, 'table3.md'), 'utf8'), /\| \(X1,X1\) \| [\d.]+ \| 93.59 \|/);
  const result = join(out, 'runs', 'zero-seed1', 'result.json'), before = statSync(result).mtimeMs;
  const again = reproduce(out);
  t.is(again.status, 0, again.stderr);
  t.regex(again.stderr, /3 jobs \(3 already done\)/);
  t.is(statSync(result).mtimeMs, before);
  const other = reproduce(out, '--epochs', '2');
  t.is(other.status, 2);
  t.regex(other.stderr, /holds a run with epochs = 1, not 2/);
});

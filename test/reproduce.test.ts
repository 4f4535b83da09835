// jpvae reproduce end to end on a sliver of hvdMNIST: tables, figures, and
// a second invocation that finds every job done; jobs that run from the
// package's own bin when the path reproduce was launched by is gone.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, camelCaseFields, jpvae, tempDir } from './util.ts';

const reproduce = (out: string, ...extra: string[]) =>
  jpvae(
    'reproduce',
    '--priors',
    'zero,orthogonal',
    '--seeds',
    '1',
    '--epochs',
    '1',
    '--train-limit',
    '200',
    '--classifier-epochs',
    '1',
    '--out',
    out,
    ...extra,
  );

test('reproduce writes the tables and figures, and a rerun resumes with nothing left to do', (t) => {
  const out = tempDir(t);
  const first = reproduce(out);
  t.is(first.code, 0, first.err);
  for (const f of [
    'table1.md',
    'table3.md',
    'figures.md',
    'figure1-imputations.png',
    'figure1-imputations.svg',
    'figure4-cross-correlation.png',
    'figure4-cross-correlation.svg',
    'summary.json',
  ]) {
    t.true(existsSync(join(out, f)), f);
  }
  const table1 = readFileSync(join(out, 'table1.md'), 'utf8');
  t.regex(table1, /\| C = 0 \| ours \(1 seed\) \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
  t.regex(table1, /\| C = αO \| ours \(1 seed\) \|/);
  t.regex(readFileSync(join(out, 'table3.md'), 'utf8'), /\| \(X1,X1\) \| [\d.]+ \| 93.59 \|/);
  const result = join(out, 'runs', 'zero-seed1', 'result.json'),
    before = statSync(result).mtimeMs;
  const again = reproduce(out);
  t.is(again.code, 0, again.err);
  t.regex(again.err, /3 jobs \(3 already done\)/);
  t.is(statSync(result).mtimeMs, before);
  // What reproduce writes and reads back, in one spelling: snake_case field names.
  const written = [
    'plan.json',
    'summary.json',
    ...readdirSync(join(out, 'runs')).flatMap((d) =>
      readdirSync(join(out, 'runs', d))
        .filter((f) => f.endsWith('.json'))
        .map((f) => join('runs', d, f)),
    ),
  ];
  t.true(written.length >= 7, written.join(' '));
  for (const f of written) t.deepEqual(camelCaseFields(JSON.parse(readFileSync(join(out, f), 'utf8'))), [], f);
  t.true(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).wall_seconds > 0);
  const other = reproduce(out, '--epochs', '2');
  t.is(other.code, 2);
  t.regex(other.err, /holds a run with epochs = 1, not 2/);
});

test('reproduce runs its jobs from its own module when the path it was launched by is gone', (t) => {
  const dir = tempDir(t),
    shim = join(dir, 'npx-shim', 'jpvae.mjs');
  // An npx-like launcher whose directory disappears once it has started jpvae.
  mkdirSync(join(dir, 'npx-shim'));
  writeFileSync(
    shim,
    `import { rmSync } from 'node:fs';\nrmSync(new URL('.', import.meta.url), { recursive: true });\nawait import(${JSON.stringify(pathToFileURL(BIN).href)});\n`,
  );
  const args = [
    '--priors',
    'zero',
    '--seeds',
    '1',
    '--epochs',
    '1',
    '--train-limit',
    '200',
    '--classifier-epochs',
    '0',
  ];
  const r = spawnSync(process.execPath, [shim, 'reproduce', ...args, '--jobs', '1', '--out', join(dir, 'out')], {
    encoding: 'utf8',
  });
  t.false(existsSync(shim));
  t.is(r.status, 0, r.stderr);
  t.true(existsSync(join(dir, 'out', 'table1.md')));
});

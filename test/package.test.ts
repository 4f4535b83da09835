// The package as npm ships it: its version in one place, and a tarball that
// holds what users run (compiled JS, types, both wasm builds) and nothing
// else. The consumer test (scripts/consumer-test.sh) installs that tarball.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PACKAGE_VERSION } from '../src/version.ts';
import { jpvae } from './util.ts';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

test("PACKAGE_VERSION is package.json's version, and jpvae --version prints it", (t) => {
  t.is(PACKAGE_VERSION, pkg.version);
  const r = jpvae('--version');
  t.is(r.code, 0);
  t.is(r.out, `jpvae ${pkg.version}\n`);
});

test('the tarball holds dist/, the wasm builds (and their threads variants), LICENSE and CHANGELOG, and no sources, tests or results', (t) => {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  const files: string[] = packed.files.map((f: { path: string }) => f.path);
  for (const f of [
    'build/simd.wasm',
    'build/relaxed.wasm',
    'build/simd-threads.wasm',
    'build/relaxed-threads.wasm',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/bin.js',
    'dist/runtime/worker.js',
    'LICENSE',
    'CHANGELOG.md',
    'README.md',
  ]) {
    t.true(files.includes(f), f);
  }
  t.deepEqual(
    files.filter(
      (f) =>
        !/^(dist\/.*\.(js|d\.ts|proto)|build\/[\w-]+\.wasm|LICENSE|CHANGELOG\.md|README\.md|package\.json)$/.test(f),
    ),
    [],
  );
  t.false(pkg.private ?? false);
  t.is(pkg.bin.jpvae, 'dist/cli/bin.js');
  t.false('tsx' in (pkg.dependencies ?? {}), 'tsx is a dev tool only');
});

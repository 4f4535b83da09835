// Test helpers that need no test runner (the ava suite re-exports them from
// util.ts; the Chromium tests under test/browser, run by node:test, import
// them from here): the compiled jpvae command, a file's weights, errors.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** max |a−b| / max |b|: error relative to the result's scale (robust where single entries cancel to ~0). */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-30);
}

/** The jpvae command, as a user runs it: the compiled package's bin (npm test builds it first). */
export const BIN = new URL('../dist/cli/bin.js', import.meta.url).pathname;

/** Run `jpvae args…` to completion: exit code, stdout, stderr. */
export function jpvae(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The path of a model directory's weights file, as its model.json names it. */
export const weightsPath = (dir: string): string =>
  join(dir, JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).files.weights.name);

/** The imputation metrics' keys of a three-view model, sorted: each view from each other view and from both. */
export const THREE_VIEW_IMPUTATIONS = [
  'x1_given_x2',
  'x1_given_x2_x3',
  'x1_given_x3',
  'x2_given_x1',
  'x2_given_x1_x3',
  'x2_given_x3',
  'x3_given_x1',
  'x3_given_x1_x2',
  'x3_given_x2',
];

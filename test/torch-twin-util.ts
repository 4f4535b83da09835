// The PyTorch twin (python/jpvae_torch) as its tests run it: Debian's
// python3 with torch, or the tests skipped with a note naming what is
// missing (.ci/run installs python3-torch, so CI runs them).

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PYTHON } from '../src/bench/peers.ts';

const PYTHON_DIR = fileURLToPath(new URL('../python', import.meta.url));
/** Does Debian's python3 import torch here? */
export const hasTorch = spawnSync(DEFAULT_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

/** ava's test where torch imports, else its skip (with one note per file). */
export function withTorch(file: string) {
  if (hasTorch) return test;
  console.log(`${file} skipped: ${DEFAULT_PYTHON} has no torch (Debian: apt-get install python3-torch)`);
  return test.skip;
}

/** `python3 -m jpvae_torch args…`, one thread per process: exit code, stdout, stderr. */
export function twin(...args: string[]): { code: number | null; out: string; err: string } {
  const env = { ...process.env, PYTHONPATH: PYTHON_DIR, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const r = spawnSync(DEFAULT_PYTHON, ['-m', 'jpvae_torch', ...args], { encoding: 'utf8', env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// Two-view trainings give the same weight bytes as the recorded runs: the
// hashes below were taken before the two-view and M-view engines became one
// (at 06dba09), so any change in seed streams, row-group order, gradient
// writing or the prior's view ordering moves them and fails here. One
// epoch of small models, one thread on the plain simd build (its bits do
// not depend on the processor), through `jpvae train` as a user runs it.

import test from 'ava';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors } from '../src/io/safetensors.ts';
import { plantedCounts } from './planted-counts.ts';
import { plantedGaussianViews, writePlantedCountCsv } from './planted-files.ts';
import { jpvae, tempDir, weightsPath } from './util.ts';

/** sha256 over the weights' tensors, by name: each name and its f32 bytes. */
function weightsHash(dir: string): string {
  const path = weightsPath(dir),
    { tensors } = decodeSafetensors(readFileSync(path), path);
  const h = createHash('sha256');
  for (const name of [...tensors.keys()].sort()) {
    const data = tensors.get(name)!.data;
    h.update(name).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

const SMALL = ['--hidden', '16,8', '--epochs', '1', '--backend', 'wasm-simd', '--threads', '1', '--force'];

const RECORDED: Record<string, string> = {
  'hvdmnist zero': 'e1f6bfee915a1fbb',
  'hvdmnist svd': '5870c760311f8aea',
  'hvdmnist orthogonal': '97857e0b1cc23a19',
  'csv n1 < n2': '34b23966883edd3f',
  'csv n1 > n2': 'db587410d70dac76',
  'csv counts': '917369e419853fd1',
};

function trained(t: { teardown(fn: () => void): void }, args: string[]): string {
  const out = join(tempDir(t), 'm');
  const r = jpvae('train', ...args, ...SMALL, '--out', out);
  if (r.code !== 0) throw new Error(`train failed (${r.code}): ${r.err}`);
  return weightsHash(out);
}

for (const prior of ['zero', 'svd', 'orthogonal']) {
  test(`two-view weights are the recorded bytes: hvdmnist ${prior}`, (t) => {
    const hash = trained(t, ['--train-limit', '400', '--latent', '4', '--prior', prior]);
    t.is(hash, RECORDED[`hvdmnist ${prior}`]);
  });
}

/** Real-valued views far from 0 and 1, a tenth of the rows missing one view. */
const plantedArgs = (t: { teardown(fn: () => void): void }) =>
  plantedGaussianViews(tempDir(t), { nTest: 10, seed: 7, likelihood2: 'gaussian:0.5' });

test('two-view weights are the recorded bytes: csv n1 < n2', (t) => {
  t.is(trained(t, [...plantedArgs(t), '--latent', '3,5']), RECORDED['csv n1 < n2']);
});

test('two-view weights are the recorded bytes: csv n1 > n2', (t) => {
  t.is(trained(t, [...plantedArgs(t), '--latent', '5,3', '--swap-views', '--prior', 'svd']), RECORDED['csv n1 > n2']);
});

test('two-view weights are the recorded bytes: csv counts', (t) => {
  const files = writePlantedCountCsv(tempDir(t), plantedCounts({ n: 300, seed: 3, baseline: 0.5 }));
  const args = ['--view1', files[0], '--view2', files[1], '--likelihood1', 'nb', '--likelihood2', 'poisson'];
  t.is(trained(t, [...args, '--latent', '2,3']), RECORDED['csv counts']);
});

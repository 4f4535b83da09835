// The PyTorch peer bench (bench/peers/): its script trains, and `jpvae bench
// --only peers --json` reports both sides' rates, every configuration of
// PyTorch's threads and core type, and the ratio. Timing is
// the bench's business: no figure is asserted beyond being a rate. Skipped
// with a note where Debian's python3-torch is not installed (CI needs none).

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PYTHON } from '../src/bench/peers.ts';
import { torchSplits } from '../src/bench/torch-peer.ts';

const SCRIPT = fileURLToPath(new URL('../bench/peers/torch_jpvae.py', import.meta.url));
const BENCH = fileURLToPath(new URL('../bench/index.ts', import.meta.url));
const torch = spawnSync(DEFAULT_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
const withTorch = torch.status === 0 ? test : test.skip;
if (torch.status !== 0)
  console.log(`peers tests skipped: ${DEFAULT_PYTHON} has no torch (Debian: apt-get install python3-torch)`);

withTorch('the PyTorch peer script trains the reference model (its loss falls)', (t) => {
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const r = spawnSync(DEFAULT_PYTHON, [SCRIPT, '--omp', '1', '--check', '40'], { encoding: 'utf8', env });
  t.is(r.status, 0, r.stderr);
  const { loss_first, loss_last } = JSON.parse(r.stdout);
  t.true(loss_first > 392 * 2 * 0.3, `a fresh model's loss is about the BCE of chance on 784 pixels (${loss_first})`);
  t.true(
    loss_last < 0.75 * loss_first,
    `40 Adam steps on one batch bring it down by a quarter (${loss_first} → ${loss_last})`,
  );
});

test('PyTorch runs every split of 1..n threads between OpenMP and OpenBLAS', (t) => {
  const pairs = (n: number) => torchSplits(n).map((s) => `${s.omp}/${s.blas}`);
  t.deepEqual(pairs(1), ['1/1']);
  t.deepEqual(pairs(2), ['1/1', '2/1', '1/2', '2/2']);
  t.deepEqual(pairs(3), ['1/1', '2/1', '1/2', '2/2', '3/1', '1/3', '3/3']);
});

withTorch(
  'jpvae bench --only peers --json reports torch and jpvae rates, torch per configuration, and their ratio',
  (t) => {
    // A forced core type, as some machines set: the CPU's own kernels run too once their products check out.
    const r = spawnSync(process.execPath, ['--import=tsx', BENCH, '--only', 'peers', '--quick', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_CORETYPE: 'Haswell' },
    });
    t.is(r.status, 0, r.stderr);
    const { peers } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    t.is(peers.skipped, undefined);
    t.deepEqual(Object.keys(peers.torch_samples_per_s), peers.threads.map(String));
    for (const table of [peers.torch_samples_per_s, peers.jpvae_samples_per_s])
      for (const rate of Object.values(table)) t.true((rate as number) > 0);
    t.true(peers.ratio_best > 0);
    const best =
      peers.jpvae_samples_per_s[peers.best_threads.jpvae] / peers.torch_samples_per_s[peers.best_threads.torch];
    t.true(Math.abs(peers.ratio_best / best - 1) < 0.01, `ratio_best ${peers.ratio_best} is best ÷ best (${best})`);
    t.regex(peers.torch.torch, /^\d+\.\d+/);
    const splits = torchSplits(peers.threads.length).map((s) => `${s.omp}/${s.blas}`);
    const configs = (forced: boolean) =>
      peers.torch_configs
        .filter((c: { forced: boolean }) => c.forced === forced)
        .map((c: { omp: number; blas: number }) => `${c.omp}/${c.blas}`);
    t.deepEqual(configs(true), splits);
    t.true(
      peers.torch_configs.every(
        (c: { samples_per_s: number; coretype: string }) => c.samples_per_s > 0 && c.coretype !== '',
      ),
    );
    if (/both measured/.test(peers.torch_coretype_note)) t.deepEqual(configs(false), splits);
    else t.regex(peers.torch_coretype_note, /forced kernels only/);
    const torchBest = Math.max(...peers.torch_configs.map((c: { samples_per_s: number }) => c.samples_per_s));
    t.is(peers.torch_samples_per_s[peers.threads.length], torchBest, 'the best configuration is the one compared');
  },
);

test('without a Python that runs, the peers section is skipped with a note naming it', (t) => {
  const python = '/nonexistent/python3';
  const r = spawnSync(
    process.execPath,
    ['--import=tsx', BENCH, '--only', 'peers', '--quick', '--json', '--python', python],
    { encoding: 'utf8' },
  );
  t.is(r.status, 0, r.stderr);
  const { peers } = JSON.parse(r.stdout.trim().split('\n').pop()!);
  t.regex(peers.skipped, new RegExp(`${python} did not start \\(ENOENT\\)`));
});

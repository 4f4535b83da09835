// Training an M-view model on threads: the pool of the two-view model runs
// the views' halves of each group of rows (views assigned to teams, the KL
// on the training thread), so the weights must be bit for bit those of one
// thread, for any N; and without shared memory it trains on one thread
// with one warning.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Training } from '../src/api/training.ts';
import type { Likelihood } from '../src/data/likelihood.ts';
import type { ViewData } from '../src/data/view-data.ts';
import type { ModelConfig } from '../src/model/config.ts';
import type { DataRecord } from '../src/data/record.ts';
import { ADAM_CHUNK, adamChunks } from '../src/threads/adam-share.ts';
import { roles, teamCount, viewSplits } from '../src/threads/team.ts';
import { plantedThree } from './planted-three.ts';
import { BIN, bitsEqual, matchesOneThread, tempDir, THREADS_TRAINING, trainToEnd } from './util.ts';

const DIM = 12,
  GAUSSIAN: Likelihood = { kind: 'gaussian', variance: 'learnt' };

/** The planted three views as real values (their logits: roughly N(0, 5²), off 0 and 1), some rows missing one or two views. */
function planted(): ViewData {
  const d = plantedThree(240, DIM, 7);
  for (const x of d.xs) for (let i = 0; i < x.length; i++) x[i] = 10 + 3 * Math.log(x[i] / (1 - x[i]));
  const partial = [3, 5, 6, 1, 2, 4]; // every pair and every single view
  d.present = Uint8Array.from({ length: d.n }, (_, r) => (r % 4 === 1 ? partial[(r >> 2) % 6] : 7));
  return d;
}

const CONFIG: ModelConfig = {
  dims: [DIM, DIM, DIM],
  hidden: [40, 24],
  latent: [2, 4, 3], // unequal views: the teams' shares are balanced by cost
  prior: { kind: 'factor', alpha: 0.9, factors: 4 },
  likelihood: [GAUSSIAN, GAUSSIAN, GAUSSIAN],
};
const RECORD: DataRecord = {
  dataset: 'arrays',
  likelihood: CONFIG.likelihood!,
  holdout: 0,
  standardize: [null, null, null],
  trainRows: 240,
  heldOutRows: 0,
};

async function train(threads: number) {
  return trainToEnd(Training.start(CONFIG, THREADS_TRAINING, { train: planted() }, RECORD, 'wasm', threads));
}

test('teams: as many as the views allow, of equal size; each set of present views split by cost', (t) => {
  t.deepEqual(
    [2, 3, 4, 5, 6].map((n) => teamCount(n, 3)),
    [2, 3, 2, 1, 3],
  );
  t.deepEqual(
    [2, 3, 4].map((n) => teamCount(n, 2)),
    [2, 1, 2],
    'two views: a team each on an even count, one team on an odd one',
  );
  t.deepEqual(
    roles(4, 3).map((r) => [r.team, r.member, r.size]),
    [
      [0, 0, 2],
      [0, 1, 2],
      [1, 0, 2],
      [1, 1, 2],
    ],
  );
  const splits = viewSplits([5, 3, 4], 2);
  t.deepEqual(splits[7], [[0], [1, 2]], 'the costliest alone, the other two together');
  t.deepEqual(splits[6], [[2], [1]]);
  t.deepEqual(splits[2], [[1], []], 'one view: the first team');
  t.deepEqual(splits[0], [[], []]);
});

test('Adam chunks: for every set of present views, the teams cover the parameters once, on multiples of 4, a team past the first only its own views', (t) => {
  const views = [
      { lo: 0, hi: 20000 },
      { lo: 20000, hi: 20100 },
      { lo: 20100, hi: 45000 },
    ],
    size = 45040; // the prior's parameters after the views
  const splits = viewSplits([5, 3, 4], 2),
    table = adamChunks({ views: views.map((params) => ({ params })), layout: { size } }, splits);
  t.is(table.length, 8);
  table.forEach((teams, mask) => {
    const seen = new Uint8Array(size);
    teams.forEach((list, team) => {
      for (let i = 0; i < list.length; i += 2) {
        const [lo, n] = [list[i], list[i + 1]];
        t.true(lo % 4 === 0 && n % 4 === 0 && n > 0 && n <= ADAM_CHUNK, `mask ${mask}: chunk ${lo}+${n}`);
        seen.fill(seen[lo] + 1, lo, lo + n);
        if (team > 0) t.true(splits[mask][team].some((v) => lo >= views[v].lo && lo + n <= views[v].hi));
      }
    });
    t.true(
      seen.every((x) => x === 1),
      `mask ${mask}: every parameter once`,
    );
  });
});

test('three views on two threads train bit for bit the same weights across runs, and those of one thread', async (t) => {
  const [a, b, one] = [await train(2), await train(2), await train(1)];
  t.is(a.threads, 2);
  t.is(one.threads, 1);
  t.true(bitsEqual(a.params, b.params), 'N = 2 repeats itself');
  t.true(a.losses[2] < a.losses[0], `the loss falls: ${a.losses.join(', ')}`);
  a.losses.forEach((l, i) =>
    t.true(Math.abs(l - one.losses[i]) <= 1e-6 * Math.abs(l), `epoch ${i + 1}: ${l} vs ${one.losses[i]}`),
  );
  t.true(bitsEqual(a.params, one.params), 'N = 2 equals N = 1');
});

test('three views on three threads (a view each) and four (two teams splitting each GEMM by columns) train the weights of one thread', async (t) => {
  await matchesOneThread(t, train, [3, 4]);
});

test('train --view on threads: the weights of --threads 1; without SharedArrayBuffer, one thread and a one-line warning; eval --threads: the same metrics', (t) => {
  const dir = tempDir(t),
    data = planted();
  const files = data.xs.map((x, v) => {
    const file = join(dir, `v${v + 1}.csv`);
    const rows = Array.from({ length: data.n }, (_, r) =>
      (data.present![r] >> v) & 1 ? Array.from(x.subarray(r * DIM, (r + 1) * DIM)).join(',') : '',
    );
    writeFileSync(file, rows.join('\n') + '\n');
    return file;
  });
  const flags = [
    ...files.flatMap((f) => ['--view', f]),
    ...['--likelihood', 'gaussian', '--hidden', '16', '--latent', '2', '--epochs', '2', '--json'],
  ];
  const train = (threads: number, out: string, node: string[] = []) => {
    const r = spawnSync(
      process.execPath,
      [...node, BIN, 'train', ...flags, '--threads', String(threads), '--out', join(dir, out)],
      { encoding: 'utf8' },
    );
    t.is(r.status, 0, r.stderr);
    return { json: JSON.parse(r.stdout), warnings: r.stderr.split('\n').filter((l) => /warning/.test(l)) };
  };
  const weights = (out: string) => {
    const json = JSON.parse(readFileSync(join(dir, out, 'model.json'), 'utf8'));
    return readFileSync(join(dir, out, json.files.weights.name));
  };
  const two = train(2, 'two'),
    one = train(1, 'one');
  t.is(two.json.threads, 2);
  t.deepEqual(two.warnings, []);
  t.true(weights('two').equals(weights('one')), 'the weights file of one thread, byte for byte');
  const fallback = train(2, 'fallback', ['--import', 'data:text/javascript,delete globalThis.SharedArrayBuffer']);
  t.deepEqual(fallback.warnings, [
    'jpvae train: warning: 2 threads asked for, training on one: shared memory (SharedArrayBuffer) is unavailable here',
  ]);
  t.is(fallback.json.threads, 1);
  t.is(fallback.json.epochs, 2);
  t.true(weights('fallback').equals(weights('one')));
  t.is(one.json.threads, 1);
  const metrics = [1, 2, 3].map((n) => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'eval', '--model', join(dir, 'one'), '--json', '--threads', String(n)],
      {
        encoding: 'utf8',
      },
    );
    t.is(r.status, 0, r.stderr);
    return r.stdout;
  });
  t.true(Number.isFinite(JSON.parse(metrics[0]).recon.x1));
  t.is(metrics[1], metrics[0], 'eval on 2 threads: the metrics of 1, bit for bit');
  t.is(metrics[2], metrics[0], 'and on 3');
});

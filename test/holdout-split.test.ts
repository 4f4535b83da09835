// Which rows a hold-out takes (data/holdout.ts HoldoutSplit): position-paired
// views hold out their last rows (views of the data, as always); views
// paired by sample ID hold out the same fraction of each kind of row (both
// views, view 1 only, view 2 only), recorded in model.json so a reopened
// model gets its own split, and a model recorded without it reopens its
// last rows.

import test from 'ava';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { heldOutPerKind } from '../src/data/holdout.ts';
import { splitViews, type ViewData } from '../src/data/view-data.ts';
import { reopenSplit } from '../src/data/source.ts';
import { reopenViewFiles } from '../src/data/view-files.ts';
import { camelCaseKeys } from '../src/io/json-keys.ts';
import type { DataRecord } from '../src/data/record.ts';
import { jpvae, tempDir, trainViewsById } from './util.ts';

test('heldOutPerKind: the held-out rows shared in proportion by largest remainder, summing to the total', (t) => {
  t.deepEqual(heldOutPerKind([180, 60, 60], 30), [18, 6, 6]);
  t.deepEqual(heldOutPerKind([35, 5, 5], 5), [4, 1, 0]); // exact 3.89, 0.56, 0.56: the remainders' tie goes to view 1 only
  t.deepEqual(heldOutPerKind([10, 0, 0], 3), [3, 0, 0]);
  t.deepEqual(heldOutPerKind([1, 1, 1], 1), [1, 0, 0]);
  for (const [counts, held] of [
    [[997, 13, 2], 102],
    [[5, 400, 7], 83],
  ] as const) {
    const q = heldOutPerKind(counts, held);
    t.is(
      q.reduce((a, b) => a + b, 0),
      held,
    );
    const n = counts.reduce((x, y) => x + y, 0);
    q.forEach((k, i) => t.true(Math.abs(k - (held * counts[i]) / n) < 1, `${q}`));
  }
});

/** 20 rows: row r holds r in every value; rows 0–11 have both views, 12–15 view 1 only, 16–19 view 2 only (the order of an ID union). */
function unionLike(): ViewData {
  const n = 20;
  return {
    n,
    dims: [2, 1],
    xs: [
      Float32Array.from({ length: n * 2 }, (_, i) => Math.floor(i / 2)),
      Float32Array.from({ length: n }, (_, r) => r),
    ],
    present: Uint8Array.from({ length: n }, (_, r) => (r < 12 ? 3 : r < 16 ? 1 : 2)),
  };
}

test('splitViews: last-rows are views of the last rows; per-pairing holds out the last rows of each kind, moved last in place, each part in order', (t) => {
  const d = unionLike();
  const last = splitViews(d, Math.ceil(0.25 * d.n)); // a hold-out of 0.25
  t.is(last.heldOut!.xs[0].buffer, d.xs[0].buffer, 'views, no copy');
  t.deepEqual(Array.from(last.heldOut!.xs[1]), [15, 16, 17, 18, 19]);
  t.deepEqual(Array.from(last.heldOut!.present!), [1, 2, 2, 2, 2]);
  const per = splitViews(unionLike(), 5, 'per-pairing');
  // ⌈0.25·20⌉ = 5: 12, 4, 4 rows share it as 3, 1, 1.
  t.deepEqual(Array.from(per.heldOut!.xs[1]), [9, 10, 11, 15, 19]);
  t.deepEqual(Array.from(per.heldOut!.present!), [3, 3, 3, 1, 2]);
  t.deepEqual(Array.from(per.heldOut!.xs[0]), [9, 9, 10, 10, 11, 11, 15, 15, 19, 19]);
  t.deepEqual(Array.from(per.train.xs[1]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 16, 17, 18]);
  t.is(per.train.xs[0].buffer, per.heldOut!.xs[0].buffer, 'views of one array, no copy');
  t.deepEqual(
    Array.from(per.train.xs[0]),
    [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 12, 12, 13, 13, 14, 14, 16, 16, 17, 17, 18, 18],
  );
  t.deepEqual(Array.from(per.train.present!), [3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 2, 2, 2]);
  t.is(per.train.n + per.heldOut!.n, d.n);
  const none = splitViews(d, 0, 'per-pairing');
  t.is(none.heldOut, undefined);
  t.is(none.train.n, d.n);
  t.deepEqual(none.train.xs, d.xs);
  t.deepEqual(none.train.present, d.present);
});

test('jpvae train on views paired by ID: the held-out rows have the data’s mix, model.json records it, and an older record reopens its last rows', (t) => {
  const dir = tempDir(t);
  // View 1 has samples s0–s79, view 2 s20–s99 (in reverse order): the union is s0–s79, then view 2's own s80–s99.
  const value = (r: number, j: number) => (Math.sin(r * (j + 1)) * 40 + 300 + r).toFixed(3);
  const csv = (rows: number[], cols: number) =>
    'id,' +
    Array.from({ length: cols }, (_, j) => `f${j}`).join(',') +
    '\n' +
    rows.map((r) => `s${r},` + Array.from({ length: cols }, (_, j) => value(r, j)).join(',')).join('\n') +
    '\n';
  const a = join(dir, 'a.csv'),
    b = join(dir, 'b.csv'),
    m = join(dir, 'm');
  writeFileSync(a, csv([...Array(80).keys()], 3));
  writeFileSync(
    b,
    csv(
      [...Array(80).keys()].map((k) => 99 - k),
      2,
    ),
  );
  const r = jpvae(
    ...['train', '--view1', a, '--view2', b, '--id-column', 'id', '--likelihood1', 'gaussian'],
    ...['--likelihood2', 'gaussian', '--hidden', '8', '--latent', '2', '--epochs', '1', '--holdout', '0.2'],
    ...['--threads', '1', '--out', m],
  );
  t.is(r.code, 0, r.err);
  const json = JSON.parse(readFileSync(join(m, 'model.json'), 'utf8'));
  t.is(json.data.holdout_split, 'per-pairing');
  t.is(json.data.held_out_rows, 20);
  // 60 paired, 20 view 1 only, 20 view 2 only: 12, 4 and 4 held out.
  const source = camelCaseKeys(json.data) as DataRecord;
  const held = reopenSplit(source, 'test');
  const kinds = [3, 1, 2].map((k) => held.present!.filter((p) => p === k).length);
  t.deepEqual(kinds, [12, 4, 4]);
  const ev = jpvae('eval', '--model', m, '--json');
  t.is(ev.code, 0, ev.err);
  t.is(JSON.parse(ev.out).complete_rows, 12);
  // A model recorded before the split was per kind: its own (last) rows, all view 2's own samples.
  const { holdoutSplit: _, ...older } = source as DataRecord & { holdoutSplit?: string };
  const old = reopenSplit(older as DataRecord, 'test');
  t.deepEqual(Array.from(old.present!), Array(20).fill(2));
  // Position pairing records nothing new.
  const p = join(dir, 'p');
  const pa = join(dir, 'pa.csv'),
    pb = join(dir, 'pb.csv');
  writeFileSync(pa, readFileSync(a, 'utf8').replace(/^s\d+,|^id,/gm, ''));
  writeFileSync(pb, readFileSync(a, 'utf8').replace(/^s\d+,|^id,/gm, ''));
  const rp = jpvae(
    ...['train', '--view1', pa, '--view2', pb, '--likelihood1', 'gaussian', '--likelihood2', 'gaussian'],
    ...['--hidden', '8', '--latent', '2', '--epochs', '1', '--threads', '1', '--out', p],
  );
  t.is(rp.code, 0, rp.err);
  t.false('holdout_split' in JSON.parse(readFileSync(join(p, 'model.json'), 'utf8')).data);
});

test('M views paired by ID hold out per kind of row too, and the model reopens the same rows', (t) => {
  // Three views of 60 samples: view 1 has s0–s39, view 2 s20–s59, view 3 every sample; the union puts s40–s59 last.
  const dir = tempDir(t);
  const table = (name: string, ids: number[], cols: number) =>
    writeFileSync(
      join(dir, name),
      'sample,' +
        [...Array(cols).keys()].map((c) => `f${c}`).join(',') +
        '\n' +
        ids
          .map(
            (i) =>
              `s${i},` +
              [...Array(cols).keys()].map((c) => (Math.cos(i + c) * 30 + 200 * (c + 1)).toFixed(3)).join(','),
          )
          .join('\n') +
        '\n',
    );
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => a + k);
  table('a.csv', range(0, 40), 2);
  table('b.csv', range(20, 60), 3);
  table('c.csv', range(0, 60).reverse(), 1);
  const out = join(dir, 'm');
  const r = trainViewsById(
    ['a.csv', 'b.csv', 'c.csv'].map((f) => join(dir, f)),
    '0.25',
    out,
  );
  t.is(r.code, 0, r.err);
  const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  t.is(json.data.holdout_split, 'per-pairing');
  t.is(json.data.held_out_rows, 15);
  // Kinds: views 1+3 (s0–s19), all (s20–s39), 2+3 (s40–s59), 20 each: 5 of each held out, the last of each kind.
  const { heldOut } = reopenViewFiles(camelCaseKeys(json.data) as DataRecord, 'm');
  t.deepEqual(Array.from(heldOut!.present!), [5, 5, 5, 5, 5, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6]);
  const e = jpvae('eval', '--model', out, '--json');
  t.is(e.code, 0, e.err);
  t.is(JSON.parse(e.out).n, 15);
});

// Every model.json format written before the engines became one still
// loads, evaluates, imputes and exports as it did: a two-view model
// (format 3, the svd prior with n1 > n2, views swapped in the prior) and an
// M-view model (jpvae-multiview-model 3), trained on real-valued views
// with missing rows, and their eval --json and impute outputs, all written
// by jpvae at 06dba09 into test/fixtures/legacy/; and the committed paper
// runs in results/runs (format 1) against their result.json.

import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMatrix } from '../src/data/parse.ts';
import { load } from '../src/api/model.ts';
import { jpvae, tempDir } from './util.ts';

const FIX = new URL('fixtures/legacy/', import.meta.url).pathname;
const at = (f: string) => join(FIX, f);

/** Every number of `want` (a tree of objects) against the same path in `got`, to relative `tol`; `rename` maps a path of want to got's. */
function sameNumbers(
  got: unknown,
  want: unknown,
  tol: number,
  path = '',
  rename: Record<string, string> = {},
): string[] {
  const p = rename[path] ?? path;
  const at = p
    .split('.')
    .filter(Boolean)
    .reduce((o: unknown, k) => (o as Record<string, unknown> | undefined)?.[k], got);
  if (typeof want === 'number')
    return typeof at === 'number' && Math.abs(at - want) <= tol * Math.max(1, Math.abs(want))
      ? []
      : [`${path}: ${at} ≠ ${want}`];
  if (typeof want !== 'object' || want === null) return [];
  return Object.entries(want).flatMap(([k, v]) => sameNumbers(got, v, tol, path ? `${path}.${k}` : k, rename));
}

const EVALS = [
  {
    model: 'two-view-v3',
    views: ['--view1', at('test1.csv'), '--view2', at('test2.csv')],
    rename: { cross_corr_frobenius: 'cross_corr_frobenius.x1_x2' } as Record<string, string>,
    given: [1],
    inputs: [at('test1.csv')],
    impute: ['--given', '1', '--input', at('test1.csv')],
  },
  {
    model: 'multiview-v3',
    views: ['--view', at('three-test1.csv'), '--view', at('three-test2.csv'), '--view', at('three-test3.csv')],
    rename: {} as Record<string, string>,
    given: [1, 3],
    inputs: [at('three-test1.csv'), at('three-test3.csv')],
    impute: ['--given', '1,3', '--target', '2', '--input', at('three-test1.csv'), '--input', at('three-test3.csv')],
  },
];

for (const c of EVALS) {
  test(`a ${c.model} model evaluates and imputes as the code that wrote it did`, (t) => {
    const r = jpvae('eval', '--model', at(c.model), ...c.views, '--json', '--threads', '1');
    t.is(r.code, 0, r.err);
    const want = JSON.parse(readFileSync(at(`${c.model}.eval.json`), 'utf8'));
    t.deepEqual(sameNumbers(JSON.parse(r.out), want, 1e-9, '', c.rename), []);
    const out = join(tempDir(t), 'y.csv');
    const i = jpvae('impute', '--model', at(c.model), ...c.impute, '--out', out);
    t.is(i.code, 0, i.err);
    const [a, b] = [out, at(`${c.model}.impute2.csv`)].map((f) => parseMatrix(readFileSync(f), f).data);
    t.is(a.length, b.length);
    t.true(
      a.every((x, k) => Math.abs(x - b[k]) <= 1e-6 * Math.max(1, Math.abs(b[k]))),
      'the same imputations',
    );
  });

  test(`a ${c.model} model exports, and saves as the current format with the same imputations`, async (t) => {
    const dir = tempDir(t);
    const e = jpvae('export', '--model', at(c.model), '--out', join(dir, 'onnx'), '--json');
    t.is(e.code, 0, e.err);
    const m = await load(at(c.model));
    t.is(JSON.parse(e.out).manifest.imputers.length, m.views);
    await m.save(join(dir, 'saved'));
    const json = JSON.parse(readFileSync(join(dir, 'saved', 'model.json'), 'utf8'));
    t.is(json.format, 'jpvae-model');
    t.is(json.format_version, 4);
    const again = await load(join(dir, 'saved'));
    const inputs = c.inputs.map((f) => {
      const mat = parseMatrix(readFileSync(f), f);
      return { data: mat.data, width: mat.cols };
    });
    const [given, target] = [c.given, 2];
    t.deepEqual(again.impute(inputs, { given, target }), m.impute(inputs, { given, target }));
  });
}

const runs = new URL('../results/runs/', import.meta.url).pathname;
for (const run of readdirSync(runs).filter((r) => existsSync(join(runs, r, 'weights.safetensors')))) {
  test(`the committed paper run ${run} evaluates to the metrics of its result.json`, (t) => {
    const r = jpvae('eval', '--model', join(runs, run), '--json');
    t.is(r.code, 0, r.err);
    const want = JSON.parse(readFileSync(join(runs, run, 'result.json'), 'utf8')).metrics;
    delete want.latent_fit.split; // the fit's rows are all training rows; version 4 records their count only
    t.deepEqual(
      sameNumbers(JSON.parse(r.out), want, 1e-8, '', { cross_corr_frobenius: 'cross_corr_frobenius.x1_x2' }),
      [],
    );
  });
}

test("a loaded model's joint prior is its learnt one before any step has run (eval --conditional prior)", async (t) => {
  // The orthogonal prior's C = α·O has orthonormal columns: ‖C‖_F = α·√n1 = 0.95·√20. Older code read C before
  // anything had prepared it, as zeros, on a model just loaded.
  const m = await load(join(runs, 'orthogonal-seed1'));
  const C = m.net.crossCovariance();
  t.true(Math.abs(Math.hypot(...C) - 0.95 * Math.sqrt(20)) < 1e-4, `‖C‖_F = ${Math.hypot(...C)}`);
});

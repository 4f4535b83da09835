// The PyTorch twin (python/jpvae_torch) against jpvae on models jpvae
// trained: its loss terms (each view's reconstruction, the KL) on the
// first training rows with ε = 0 equal the engine's (Jpvae.loss without a
// stream) within 1e-5 relative, for every prior and likelihood, with rows
// missing a view; its mean imputations equal `jpvae impute`'s within 1e-4
// relative, on real-valued views far from 0 and 1 and on three views.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { reopenSplits } from '../src/data/source.ts';
import { decodeModel } from '../src/store/files.ts';
import { readModelFiles } from '../src/store/store.ts';
import { fitLatent, type LatentFit } from '../src/impute/latent-fit.ts';
import { poissonDraw } from '../src/data/count-draws.ts';
import { plantedGaussianViews, writePlantedCsv } from './planted-files.ts';
import { jpvae, maxRelErr, Rng } from './util.ts';
import avaTest from 'ava';
import { hasTorch, twin, withTorch } from './torch-twin-util.ts';

const test = withTorch('torch-twin tests');

const ROWS = 64;

/** jpvae's loss-term sums of the model's first ROWS training rows at the posterior mean (β = 1), and its latent fit of all of them. */
function engineTerms(dir: string) {
  const { net, json } = decodeModel(readModelFiles(dir), 'wasm', dir);
  const { train } = reopenSplits(json.data);
  const idx = Uint32Array.from({ length: Math.min(ROWS, train.n) }, (_, i) => i);
  return { ...net.loss(train, idx, 1, null), fit: fitLatent(net, train) };
}

/** Rows of a CSV file (blank lines: a missing view, as jpvae reads them). */
const csv = (rows: (number[] | null)[]) => rows.map((r) => (r ? r.join(',') : '')).join('\n') + '\n';

/**
 * Three views of a shared s ∈ R², far from 0 and 1 or counts: `kinds[v]` 'real' or 'counts'; every 6th row
 * lacks a view, or with `sparse` all but every 10th (too few complete rows for the latent fit of them alone).
 */
function writeThreeViews(dir: string, kinds: ('real' | 'counts')[], n = 240, sparse = false): string[] {
  const rng = new Rng(11),
    dims = [5, 4, 6];
  const A = dims.map((d) => Array.from({ length: d }, () => [rng.normal() * 0.5, rng.normal() * 0.5]));
  const rows: (number[] | null)[][] = [[], [], []];
  for (let r = 0; r < n; r++) {
    const s = [rng.normal(), rng.normal()];
    dims.forEach((_, v) => {
      const clean = A[v].map(([p, q]) => p * s[0] + q * s[1]);
      const x =
        kinds[v] === 'counts'
          ? clean.map((c) => poissonDraw(rng, Math.exp(1.5 + c)))
          : clean.map((c) => 200 * v - 40 + (3 + v) * (c + 0.2 * rng.normal()));
      const gone = sparse ? r % 10 !== 0 && r % 3 === v : r % 6 === 5 && r % 3 === v;
      rows[v].push(gone ? null : x);
    });
  }
  return rows.map((r, v) => {
    const f = join(dir, `v${v + 1}.csv`);
    writeFileSync(f, csv(r));
    return f;
  });
}

/** Two count views (a Poisson-like and an overdispersed one); every 8th row lacks view 2. */
function writeCountViews(dir: string, n = 240): string[] {
  const rng = new Rng(5),
    dims = [6, 5];
  const A = dims.map((d) => Array.from({ length: d }, () => rng.normal() * 0.6));
  const rows: (number[] | null)[][] = [[], []];
  for (let r = 0; r < n; r++) {
    const s = rng.normal(),
      depth = Math.exp(0.3 * rng.normal());
    dims.forEach((_, v) => {
      const x = A[v].map((a) => poissonDraw(rng, depth * Math.exp(1 + a * s + (v ? 0.5 * rng.normal() : 0))));
      rows[v].push(v === 1 && r % 8 === 3 ? null : x);
    });
  }
  return rows.map((r, v) => {
    const f = join(dir, `c${v + 1}.csv`);
    writeFileSync(f, csv(r));
    return f;
  });
}

interface Case {
  title: string;
  /** jpvae train's flags for the case's data (written into dir), without --out. */
  flags: (dir: string) => string[];
  /** Too few complete rows: the latent fit is the pairwise one (of every row). */
  pairwise?: boolean;
}

const SMALL = ['--hidden', '16,8', '--epochs', '2', '--threads', '1'];

const CASES: Case[] = [
  {
    title: 'orthogonal prior, Gaussian views (learnt variance) far from 0 and 1, latent 3 and 2',
    flags: (dir) => [...plantedGaussianViews(dir, { nTest: 20, seed: 4 }), '--latent', '3,2', ...SMALL],
  },
  {
    title: 'svd prior, Bernoulli views',
    flags: (dir) => {
      writePlantedCsv(dir, 240, 10, 0.1, 6, { binary: [true, true] });
      return ['--view1', join(dir, 'train1.csv'), '--view2', join(dir, 'train2.csv'), '--prior', 'svd', ...SMALL];
    },
  },
  {
    title: 'zero prior, a Bernoulli view and a Gaussian view of fixed variance',
    flags: (dir) => {
      writePlantedCsv(dir, 240, 10, 0.1, 7, { binary: [true, false] });
      const views = ['--view1', join(dir, 'train1.csv'), '--view2', join(dir, 'train2.csv')];
      return [...views, '--prior', 'zero', '--likelihood2', 'gaussian:0.5', ...SMALL];
    },
  },
  {
    title: 'orthogonal prior with a flip, Poisson and negative binomial views',
    flags: (dir) => {
      const [a, b] = writeCountViews(dir);
      const views = ['--view1', a, '--view2', b, '--likelihood1', 'poisson', '--likelihood2', 'nb'];
      return [...views, '--flips', '1', '--latent', '2', ...SMALL];
    },
  },
  {
    title: 'factor prior, three views: Gaussian, unscaled NB, Gaussian (K = 4)',
    flags: (dir) => {
      const files = writeThreeViews(dir, ['real', 'counts', 'real']);
      const views = files.flatMap((f) => ['--view', f]);
      return [
        ...views,
        '--likelihood',
        'gaussian',
        '--likelihood',
        'nb:unscaled',
        '--likelihood',
        'gaussian',
        '--prior',
        'factor',
        '--factors',
        '4',
        ...SMALL,
      ];
    },
  },
  {
    title: 'factor prior, three Gaussian views, most rows missing one (the pairwise latent fit)',
    pairwise: true,
    flags: (dir) => {
      const files = writeThreeViews(dir, ['real', 'real', 'real'], 120, true);
      const views = files.flatMap((f) => ['--view', f]);
      return [...views, '--likelihood', 'gaussian', '--latent', '5,4,6', '--holdout', '0', ...SMALL];
    },
  },
  {
    title: 'zero prior, three Gaussian views',
    flags: (dir) => {
      const files = writeThreeViews(dir, ['real', 'real', 'real']);
      return [...files.flatMap((f) => ['--view', f]), '--likelihood', 'gaussian', '--prior', 'zero', ...SMALL];
    },
  },
];

/** |a − b| ≤ tol·|b|, each term. */
function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.abs(b);
}

type Terms = { recon: number[]; counts: number[]; kl: number; rows: number; latent_fit: LatentFit };
/** Each case's model directory, and the twin's terms of it (one Python process for all). */
const models: string[] = [];
const twinTerms: Terms[] = [];

const root = mkdtempSync(join(tmpdir(), 'jpvae-twin-'));
avaTest.after.always(() => rmSync(root, { recursive: true, force: true }));

avaTest.before(() => {
  if (!hasTorch) return;
  CASES.forEach((c, k) => {
    const dir = join(root, `case${k}`),
      model = join(dir, 'model');
    mkdirSync(dir);
    const r = jpvae('train', ...c.flags(dir), '--out', model);
    if (r.code !== 0) throw new Error(`jpvae train of ${c.title}: ${r.err}`);
    models.push(model);
  });
  const p = twin('terms', ...models.flatMap((m) => ['--model', m]), '--rows', String(ROWS));
  if (p.code !== 0) throw new Error(`jpvae_torch terms: ${p.err}`);
  twinTerms.push(
    ...p.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Terms),
  );
});

CASES.forEach((c, k) => {
  test(`the twin's loss terms at ε = 0 equal jpvae's within 1e-5: ${c.title}`, (t) => {
    const mine = engineTerms(models[k]),
      theirs = twinTerms[k];
    t.deepEqual(theirs.counts, mine.counts, 'the same rows have each view');
    t.true(
      mine.counts.some((n) => n < ROWS),
      'some of the rows lack a view',
    );
    mine.recon.forEach((v, i) =>
      t.true(close(theirs.recon[i], v, 1e-5), `view ${i + 1}'s reconstruction: twin ${theirs.recon[i]}, jpvae ${v}`),
    );
    t.true(close(theirs.kl, mine.kl, 1e-5), `KL: twin ${theirs.kl}, jpvae ${mine.kl}`);
    // The latent fit the twin's train writes, from sufficient statistics, against jpvae's fitLatent.
    const fit = theirs.latent_fit;
    t.deepEqual([fit.rows, fit.complete], [mine.fit.rows, mine.fit.complete]);
    t.is(fit.rows > fit.complete, c.pairwise === true, 'the fit of every row (pairwise), or of the complete rows');
    for (const key of ['mean', 'cov'] as const) {
      const err = maxRelErr(fit[key], mine.fit[key]);
      t.true(err < 1e-5, `latent fit ${key}: relative error ${err}`);
    }
  });
});

/** The numbers of a headerless CSV file, row after row. */
const numbers = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .flatMap((l) => l.split(',').map(Number));

test("the twin's mean imputations equal jpvae impute's within 1e-4: two views far from 0 and 1", (t) => {
  const model = models[0],
    dir = dirname(model);
  for (const [given, input] of [
    ['1', 'test1.csv'],
    ['2', 'test2.csv'],
  ]) {
    const outs = ['js', 'py'].map((k) => join(dir, `${k}${given}.csv`));
    const args = ['--model', model, '--given', given, '--input', join(dir, input)];
    t.is(jpvae('impute', ...args, '--out', outs[0]).code, 0);
    const p = twin('impute', ...args, '--out', outs[1]);
    t.is(p.code, 0, p.err);
    const err = maxRelErr(numbers(outs[1]), numbers(outs[0]));
    t.true(err < 1e-4, `view ${3 - Number(given)} from view ${given}: relative error ${err}`);
  }
});

test("the twin's mean imputations equal jpvae impute's within 1e-4: three views, view 2 from 1 and 3", (t) => {
  const model = models[4],
    dir = dirname(model);
  // Complete rows of views 1 and 3 (the training files' rows that have both).
  const rows = [1, 3].map((v) =>
    readFileSync(join(dir, `v${v}.csv`), 'utf8')
      .split('\n')
      .slice(0, 40),
  );
  const keep = rows[0].map((l, r) => l !== '' && rows[1][r] !== '');
  const inputs = [1, 3].map((v, g) => {
    const f = join(dir, `in${v}.csv`);
    writeFileSync(f, rows[g].filter((_, r) => keep[r]).join('\n') + '\n');
    return f;
  });
  const outs = ['js', 'py'].map((k) => join(dir, `${k}.csv`));
  const args = ['--model', model, '--given', '1,3', '--input', inputs[0], '--input', inputs[1]];
  t.is(jpvae('impute', ...args, '--out', outs[0]).code, 0);
  const p = twin('impute', ...args, '--out', outs[1]);
  t.is(p.code, 0, p.err);
  const err = maxRelErr(numbers(outs[1]), numbers(outs[0]));
  t.true(err < 1e-4, `relative error ${err}`);
});

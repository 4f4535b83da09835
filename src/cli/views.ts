// `jpvae train --view F --view F --view F …`, and `impute` and `eval` of
// the M-view model it writes: the flags over data/multi-view-files.ts,
// model/multi-jpvae.ts, impute/multi-impute.ts, eval/multi-metrics.ts and
// store/multi-model.ts. Views are numbered from 1 as the --view flags
// give them.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createKernels, type BackendChoice } from '../core/index.ts';
import type { Likelihood } from '../data/likelihood.ts';
import { readMatrix } from '../data/matrix.ts';
import { loadViewFiles } from '../data/multi-view-files.ts';
import { prepareMultiView, sliceMultiView, standardizeMultiView, type MultiViewData } from '../data/multi-view.ts';
import { createRowWriter } from '../data/row-writer.ts';
import { Rng } from '../data/rng.ts';
import { parseLikelihood } from '../data/source.ts';
import { applyStandardize } from '../data/views.ts';
import { InputError } from '../errors.ts';
import { evaluateMultiMetrics } from '../eval/multi-metrics.ts';
import { fitMultiLatent, imputeMulti, multiConditional } from '../impute/multi-impute.ts';
import { checkOutputPath } from '../io/atomic.ts';
import { DEFAULT_ALPHA, DEFAULT_HIDDEN } from '../model/config.ts';
import { MultiJpvae, type MultiPriorKind } from '../model/multi-jpvae.ts';
import { checkOutDir } from '../store/store.ts';
import { loadMultiModel, saveMultiModel } from '../store/multi-model.ts';
import { ADAM_DEFAULTS } from '../train/adam.ts';
import { formatBeta, parseBeta } from '../train/beta.ts';
import { fitMultiView } from '../train/multi-fit.ts';
import { choiceFlag, intFlag, intListFlag, numberFlag, parseFlags } from './args.ts';
import { jsonText } from '../io/json-keys.ts';

const BACKENDS = ['wasm', 'wasm-simd', 'wasm-relaxed', 'js'] as const satisfies readonly BackendChoice[];

export const TRAIN_VIEWS_HELP = `usage: jpvae train --view F --view F [--view F …] [flags]

  --view F                a view's file (.csv, .npy or IDX), repeated once per view (2 to 8), paired by row;
                          an empty or all-NaN row marks the view missing there (the row trains with the
                          views it has, against their marginal prior)
  --likelihood L          bernoulli | gaussian | gaussian:V, repeated in the order of --view, or once for
                          every view (default bernoulli); Gaussian views are standardised on the training rows
  --holdout F             hold out the last F of the rows for evaluation (default 0.1)
  --prior P               factor (the learnt joint prior over all views: Σ_ij = α·A_i·A_jᵀ) | zero
                          (independent views, C = 0) (default factor)
  --alpha A               0 ≤ α < 1 (default ${DEFAULT_ALPHA})   --factors K   the shared factor's size (default: the largest latent)
  --latent n[,n2,…]       latent sizes, one for every view or one per view (default 20)
  --hidden h1,h2,…        (default ${DEFAULT_HIDDEN.join(',')})  --epochs E (default 30)  --batch B (default 32)  --lr LR (default 1e-3)
  --beta S                constant[:B] | linear:E | cyclical:E (default constant:1)   --seed N (default 1)
  --backend B             ${BACKENDS.join(' | ')} (default wasm); one thread (the two-view pool is not used)
  --out DIR               model directory to write (default runs/model)   --force   replace a model there
  --json                  print the result as one JSON object on stdout
`;

/** The value of --model in argv (before flags are parsed: it decides which command's flags apply). */
export function modelArg(argv: readonly string[]): string | undefined {
  const i = argv.indexOf('--model');
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith('--model='))?.slice('--model='.length);
}

/** A comma list of view numbers (1-based) as indices, each at most m, no repeats. */
function viewList(value: string | undefined, flag: string, m: number): number[] {
  if (value === undefined) throw new InputError(`${flag}: required (view numbers like 1,3)`);
  const xs = value.split(',').map(Number);
  if (!xs.every((x) => Number.isInteger(x) && x >= 1 && x <= m) || new Set(xs).size !== xs.length)
    throw new InputError(`${flag}: expected distinct view numbers from 1 to ${m} like 1,3, got '${value}'`);
  return xs.map((x) => x - 1);
}

export async function trainViewsCommand(argv: string[]): Promise<void> {
  const f = parseFlags(
    argv,
    {
      view: { type: 'string', multiple: true },
      likelihood: { type: 'string', multiple: true },
      holdout: { type: 'string' },
      prior: { type: 'string' },
      alpha: { type: 'string' },
      factors: { type: 'string' },
      latent: { type: 'string' },
      hidden: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      beta: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'train',
  );
  if (f.help) {
    process.stdout.write(TRAIN_VIEWS_HELP);
    return;
  }
  const paths = f.view ?? [],
    m = paths.length;
  if (m < 2) throw new InputError(`--view: give one file per view, at least two (got ${m})`);
  const liks = f.likelihood ?? [];
  if (liks.length !== 0 && liks.length !== 1 && liks.length !== m)
    throw new InputError(`--likelihood: give one per --view (${m}) or one for all, got ${liks.length}`);
  const likelihood: Likelihood[] = paths.map((_, i) =>
    parseLikelihood(liks[liks.length === 1 ? 0 : i], '--likelihood'),
  );
  const holdout = numberFlag(f.holdout, '--holdout', 0.1, (x) => x >= 0 && x < 1, 'a fraction in [0, 1)');
  const prior = choiceFlag(
    f.prior,
    '--prior',
    ['factor', 'zero'] as const satisfies readonly MultiPriorKind[],
    'factor',
  );
  const alpha = numberFlag(f.alpha, '--alpha', DEFAULT_ALPHA, (x) => x >= 0 && x < 1, '0 ≤ α < 1');
  const latentList = intListFlag(f.latent, '--latent', [20]);
  if (latentList.length !== 1 && latentList.length !== m)
    throw new InputError(`--latent: give one size for all views or one per view (${m}), got ${latentList.length}`);
  const latent = paths.map((_, i) => latentList[latentList.length === 1 ? 0 : i]);
  const factors = f.factors === undefined ? undefined : intFlag(f.factors, '--factors', 1);
  const hidden = intListFlag(f.hidden, '--hidden', DEFAULT_HIDDEN);
  const epochs = intFlag(f.epochs, '--epochs', 30),
    batch = intFlag(f.batch, '--batch', 32),
    seed = intFlag(f.seed, '--seed', 1, 0);
  const lr = numberFlag(f.lr, '--lr', ADAM_DEFAULTS.lr, (x) => x > 0, 'a positive learning rate');
  const beta = parseBeta(f.beta ?? 'constant');
  const backend = choiceFlag(f.backend, '--backend', BACKENDS, 'wasm');
  const out = f.out ?? 'runs/model';
  checkOutDir(out, '--out', !!f.force);

  const data = loadViewFiles(paths, likelihood);
  const { train, heldOut, standardize } = prepareMultiView(data, likelihood, holdout);
  const config = {
    dims: data.dims,
    hidden,
    latent,
    prior: { kind: prior, alpha, ...(factors === undefined ? {} : { factors }) },
    likelihood,
  };
  const model = new MultiJpvae(createKernels(backend), config, batch);
  const history = fitMultiView(model, train, {
    epochs,
    batch,
    seed,
    beta,
    adam: { ...ADAM_DEFAULTS, lr },
    onEpoch: (r) =>
      process.stderr.write(
        `epoch ${r.epoch}/${epochs}: recon ${r.train.recon.map((x) => x.toFixed(2)).join(' ')}  KL ${r.train.kl.toFixed(2)}  (${r.seconds.toFixed(1)} s)\n`,
      ),
  });
  const latentFit = fitMultiLatent(model, train);
  saveMultiModel(out, model, {
    data: {
      views: paths.map((p) => resolve(p)),
      likelihood,
      holdout,
      standardize,
      trainRows: train.n,
      heldOutRows: heldOut?.n ?? 0,
    },
    training: { epochs, batch, seed, lr, history },
    latentFit,
  });
  const metrics = heldOut ? evaluateMultiMetrics(model, heldOut, latentFit, 'held-out', seed) : undefined;
  if (f.json) process.stdout.write(jsonText({ model: out, views: m, beta: formatBeta(beta), history, metrics }));
  else process.stderr.write(`wrote ${out} (${m} views, ${train.n} training rows)\n`);
}

export const IMPUTE_VIEWS_HELP = `usage: jpvae impute --model DIR --given 1,3 --target 2 --input F [--input F …] --out F [flags]
  (for a model of three or more views, written by jpvae train --view …)

  --given LIST            the views the input rows are, e.g. 1,3
  --input F               rows of a given view, repeated in the order of --given (same row count each)
  --target LIST           the views to impute, e.g. 2 (default: every view not given)
  --out F                 .csv or .npy per target, repeated in the order of --target: the likelihood's mean
                          (probabilities for Bernoulli views, the original units for Gaussian ones)
  --samples K             K draws per row from the conditional of Eq. 12 (plus a Gaussian view's noise)
  --seed N                seed of the draws (default 1)    --force   replace --out files that exist
`;

export async function imputeViewsCommand(argv: string[]): Promise<void> {
  const f = parseFlags(
    argv,
    {
      model: { type: 'string' },
      given: { type: 'string' },
      target: { type: 'string' },
      input: { type: 'string', multiple: true },
      out: { type: 'string', multiple: true },
      samples: { type: 'string' },
      seed: { type: 'string' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'impute',
  );
  if (f.help) {
    process.stdout.write(IMPUTE_VIEWS_HELP);
    return;
  }
  if (!f.model) throw new InputError(`--model: required (see 'jpvae impute --help')`);
  const { model, json } = loadMultiModel(f.model, createKernels('wasm'));
  const m = model.m,
    given = viewList(f.given, '--given', m);
  const target =
    f.target === undefined ? [...Array(m).keys()].filter((i) => !given.includes(i)) : viewList(f.target, '--target', m);
  const both = target.find((t) => given.includes(t));
  if (both !== undefined) throw new InputError(`--target: view ${both + 1} is also in --given`);
  if (!target.length) throw new InputError('--target: every view is given; nothing to impute');
  const inputs = f.input ?? [],
    outs = f.out ?? [];
  if (inputs.length !== given.length)
    throw new InputError(`--input: give one file per --given view (${given.length}), got ${inputs.length}`);
  if (outs.length !== target.length)
    throw new InputError(`--out: give one file per --target view (${target.length}), got ${outs.length}`);
  for (const o of outs) {
    if (existsSync(o)) {
      if (statSync(o).isDirectory())
        throw new InputError(`--out ${o}: is a directory; expected a .csv or .npy file name`);
      if (!f.force) throw new InputError(`--out ${o}: exists; pass --force to replace it`);
    }
    checkOutputPath(o, '--out');
  }
  const samples = intFlag(f.samples, '--samples', 1),
    seed = intFlag(f.seed, '--seed', 1, 0);
  const std = json.data.standardize;
  let n = -1;
  const xs = given.map((g, a) => {
    const mat = readMatrix(inputs[a], '--input'),
      label = `--input ${inputs[a]}`,
      v = model.views[g];
    if (mat.cols !== v.dim)
      throw new InputError(`${label}: rows have ${mat.cols} values, but view ${g + 1} of the model has ${v.dim}`);
    if (n >= 0 && mat.rows !== n) throw new InputError(`${label}: ${mat.rows} rows, but --input ${inputs[0]} has ${n}`);
    n = mat.rows;
    const bad = mat.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0)
      throw new InputError(
        `${label}: row ${Math.floor(bad / v.dim) + 1}, column ${(bad % v.dim) + 1} is ${mat.data[bad]}; a given view must be complete and finite`,
      );
    if (v.likelihood.kind === 'bernoulli') {
      const off = mat.data.findIndex((x) => x < 0 || x > 1);
      if (off >= 0)
        throw new InputError(
          `${label}: row ${Math.floor(off / v.dim) + 1}, column ${(off % v.dim) + 1} is ${mat.data[off]}, outside [0, 1] as the model's Bernoulli view ${g + 1} needs`,
        );
    }
    const s = std[g];
    if (s) applyStandardize(mat.data, v.dim, s);
    return mat.data;
  });
  const rng = new Rng(seed),
    draws = samples > 1 ? { noise: () => rng.normal() } : undefined;
  const ys = imputeMulti(model, multiConditional(json.latentFit, given, target), xs, n, draws, samples);
  // Every output is written to its temporary name first; none is moved into place unless all were written.
  const writers = ys.map((y, t) => {
    const v = model.views[target[t]],
      s = std[target[t]];
    if (s) applyStandardize(y, v.dim, s, true);
    const w = createRowWriter(outs[t], '--out', v.dim);
    w.write({ rows: n * (draws ? samples : 1), cols: v.dim, data: y });
    return w;
  });
  for (const w of writers) w.commit();
  process.stderr.write(
    `imputed view${target.length > 1 ? 's' : ''} ${target.map((t) => t + 1).join(',')} from ${given.map((g) => g + 1).join(',')} for ${n} rows${draws ? ` × ${samples} draws` : ''}\n`,
  );
}

export const EVAL_VIEWS_HELP = `usage: jpvae eval --model DIR [--split test|train] [--json]
  (for a model of three or more views, written by jpvae train --view …)

  Reconstruction of every view, and imputation of every view from every non-empty subset of the others
  (Eq. 12 over the latent blocks): −log p(x), BCE for Bernoulli views, summed over the view's features and
  averaged over the rows that have the views involved. --json keys: recon.x1, impute.x2_given_x1_x3, …
  --split S               test (the held-out rows, default) or train
`;

export async function evalViewsCommand(argv: string[]): Promise<void> {
  const f = parseFlags(
    argv,
    {
      model: { type: 'string' },
      split: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'eval',
  );
  if (f.help) {
    process.stdout.write(EVAL_VIEWS_HELP);
    return;
  }
  if (!f.model) throw new InputError(`--model: required (see 'jpvae eval --help')`);
  const split = choiceFlag(f.split, '--split', ['test', 'train'] as const, 'test');
  const { model, json } = loadMultiModel(f.model, createKernels('wasm'));
  const d = json.data;
  const data: MultiViewData = loadViewFiles(d.views, d.likelihood);
  if (data.n !== d.trainRows + d.heldOutRows)
    throw new InputError(
      `--model ${f.model}: its view files now have ${data.n} rows, not the ${d.trainRows + d.heldOutRows} it was trained on`,
    );
  standardizeMultiView(data, d.standardize);
  if (split === 'test' && !d.heldOutRows)
    throw new InputError(
      '--split test: the model was trained with --holdout 0; it has no held-out rows; use --split train',
    );
  const rows =
    split === 'train' ? sliceMultiView(data, 0, d.trainRows) : sliceMultiView(data, d.trainRows, d.heldOutRows);
  const metrics = evaluateMultiMetrics(
    model,
    rows,
    json.latentFit,
    split === 'train' ? 'train' : 'held-out',
    json.training.seed,
  );
  if (f.json) {
    process.stdout.write(jsonText(metrics));
    return;
  }
  const r = (x: number) => x.toFixed(3);
  process.stdout.write(
    [
      `${metrics.split} rows: ${metrics.n}`,
      `reconstruction (sampled z): ${Object.entries(metrics.recon)
        .map(([k, v]) => `${k} ${r(v)}`)
        .join('   ')}`,
      ...Object.entries(metrics.impute).map(([k, v]) => `imputation ${k}: ${r(v)} (${metrics.impute_rows[k]} rows)`),
    ].join('\n') + '\n',
  );
}

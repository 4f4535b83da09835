// `jpvae impute`: fill in missing views of a user's rows (the flags over
// api/impute-file.ts, which streams one given view's file through the
// stored latent fit, and api/impute-view-files.ts, which pairs several).

import { UNKNOWN_CATEGORY } from '../data/covariate-columns.ts';
import { existsSync, statSync } from 'node:fs';
import { checkOutputPath } from '../io/atomic.ts';
import { InputError } from '../errors.ts';
import { choiceFlag, commandFlags, flags, intFlag } from './args.ts';
import { imputeFile } from '../api/impute-file.ts';
import { imputeViewFiles } from '../api/impute-view-files.ts';
import { JpvaeModel } from '../api/model.ts';
import { loadHdf5For } from '../data/anndata.ts';
import { DRAW_KINDS } from '../impute/impute.ts';
import { POINT_KINDS } from '../impute/point.ts';
import { loadModel } from '../store/load-model.ts';
import { asFlags, viewNumbers } from './view-flags.ts';

const HELP = `usage: jpvae impute --model DIR --given G --input F [--input F …] --out F [--out F …] [flags]

  --model DIR             a model directory written by jpvae train
  --given LIST            the views the input rows are, e.g. 1 (a two-view model's other view is imputed) or 1,3
  --target LIST           the views to impute, e.g. 2 (default: every view not given)
  --input F               rows of a given view, repeated in the order of --given, the width the model was
                          trained on: .csv, .npy, IDX, .parquet, .arrow, .h5ad or F.h5mu:MOD. Several inputs pair
                          by sample ID when every file names its rows (obs names, --id-column), the samples in
                          every --input imputed, else by row (same row count each)
  --out F                 per target, repeated in the order of --target: one row per input row (the
                          likelihood's mean: probabilities for Bernoulli views, values in the original units for
                          Gaussian ones), in kind: .csv or .parquet (with the input's sample IDs as the first
                          column when it has them; a CSV keeps a header line, columns x1, x2, …, when the
                          input had one), .npy, or .h5ad/.h5mu from an AnnData/MuData input:
                          a copy of it with the imputed view as obsm/X_jpvae_viewN (obsm, not layers: a layer has
                          X's width, the other view has its own)
  --id-column NAME        the input tables' column of sample IDs (default: the one the model trained with)
  --samples K             K draws per row from the model's predictive distribution instead of its mean: a
                          latent draw from the conditional of Eq. 12, decoded, plus a Gaussian view's own
                          observation noise, or a count view's counts from its Poisson or NB at the decoded
                          mean (Bernoulli views: the probabilities of each latent draw); K rows per input row
  --draws D               predictive | latent (default predictive): with --samples, what a draw is; latent
                          leaves a Gaussian view's observation noise or a count view's counts out (the
                          decoded latent draw alone, which understates the spread); Bernoulli views give
                          the same draws either way
  --point P               mean | median (default mean), without --samples: the point a count view's
                          imputation gives, its expected counts (the mean of its Poisson or NB at the decoded
                          conditional mean, what squared error rewards) or the median of that Poisson or NB
                          (what absolute error rewards); a Gaussian view's median is its mean
  --summary               with --samples, one --input and one --out: write the per-row mean and sd of the K
                          draws (2·width columns, named x1_mean, …, x1_sd, … in a CSV's header)
  --seed N                seed of the draws (default 1)
  --covariates F          for a model with covariates: read them from F (CSV with a header, Parquet, or an
                          AnnData/MuData file's obs) instead of the input files, paired by sample ID, else by row
  --unknown-category U    error | average (default error): for a model with covariates, a category it does
                          not know (a batch it never saw) stops with one line, or takes the average of the
                          known categories (docs/covariates.md; jpvae adapt learns the new one instead)
  --force                 replace --out files that exist (they are never overwritten otherwise)

One --input and one --out stream the file a chunk of rows at a time (any size).
`;

export async function imputeCommand(argv: string[]): Promise<void> {
  const names = 'model given target samples draws point seed id-column unknown-category covariates';
  const f = commandFlags(
    argv,
    'impute',
    HELP,
    flags({ string: names, boolean: 'summary force', multiple: 'input out' }),
  );
  if (!f) return;
  for (const flag of ['model', 'given', 'input', 'out'] as const)
    if (!f[flag]) throw new InputError(`--${flag}: required (see 'jpvae impute --help')`);
  const samples = intFlag(f.samples, '--samples', 1);
  if (f.summary && samples < 2) throw new InputError('--summary: needs --samples K with K ≥ 2');
  const draws = choiceFlag(f.draws, '--draws', DRAW_KINDS, 'predictive');
  if (f.draws !== undefined && samples < 2) throw new InputError('--draws: needs --samples K with K ≥ 2');
  const point = choiceFlag(f.point, '--point', POINT_KINDS, 'mean');
  if (f.point !== undefined && samples > 1)
    throw new InputError('--point: a point imputation; it does not apply to --samples draws');
  const seed = intFlag(f.seed, '--seed', 1, 0);
  // The weights only: imputing and exporting need no optimiser state.
  const loaded = loadModel(f.model!, { label: '--model' }),
    model = new JpvaeModel(loaded.model, loaded.json);
  if (!model.json.latentFit)
    throw new InputError(
      `--model ${f.model}: the model has no latent fit (training did not finish); resume it to the end first`,
    );
  const { given, target } = asFlags(
    () =>
      model.selection({
        given: viewNumbers(f.given, '--given'),
        target: f.target === undefined ? undefined : viewNumbers(f.target, '--target'),
      }),
    { given: '--given', target: '--target' },
  );
  const inputs = f.input!,
    outs = f.out!;
  if (inputs.length !== given.length)
    throw new InputError(`--input: give one file per --given view (${given.length}), got ${inputs.length}`);
  if (outs.length !== target.length)
    throw new InputError(`--out: give one file per --target view (${target.length}), got ${outs.length}`);
  const streamed = inputs.length === 1 && outs.length === 1 && f.covariates === undefined;
  if (f.summary && !streamed) throw new InputError('--summary: with one --input and one --out');
  for (const o of outs) {
    if (existsSync(o)) {
      if (statSync(o).isDirectory())
        throw new InputError(`--out ${o}: is a directory; expected a .csv, .npy, .parquet or .h5ad file name`);
      if (!f.force) throw new InputError(`--out ${o}: exists; pass --force to replace it`);
    }
    checkOutputPath(o, '--out');
  }
  await loadHdf5For([...inputs, ...outs]);
  const unknownCategory = choiceFlag(f['unknown-category'], '--unknown-category', UNKNOWN_CATEGORY, 'error');
  const common = { samples, seed, draws, point, idColumn: f['id-column'], unknownCategory };
  const { rows, skipped } = streamed
    ? {
        rows: imputeFile(model, inputs[0], outs[0], {
          ...common,
          given: given[0],
          target: target[0],
          summary: !!f.summary,
          names: { input: '--input', out: '--out', summary: '--summary', idColumn: '--id-column', point: '--point' },
        }),
        skipped: 0,
      }
    : asFlags(
        () =>
          imputeViewFiles(model, inputs, outs, {
            ...common,
            given,
            target,
            covariatesFile: f.covariates,
            names: { input: '--input', out: '--out', idColumn: '--id-column', covariatesFile: '--covariates' },
          }),
        { 'point median': '--point median' },
      );
  const what = samples > 1 ? ` × ${samples} ${draws} draws` : point === 'median' ? ' (medians)' : '';
  process.stderr.write(
    `imputed view${target.length > 1 ? 's' : ''} ${target.join(',')} from ${given.join(',')} for ${rows} rows${what}${skipped ? ` (${skipped} samples not in every --input left out)` : ''} → ${outs.join(', ')}\n`,
  );
}

// `jpvae impute`: fill in the missing view of a user's rows (the flags over
// api/impute-file.ts, which streams the file through the stored latent fit).

import { imputeViewsCommand, modelArg } from './views.ts';
import { isMultiModelDir } from '../store/multi-model.ts';
import { existsSync, statSync } from 'node:fs';
import { checkOutputPath } from '../io/atomic.ts';
import { InputError } from '../errors.ts';
import { choiceFlag, commandFlags, flags, intFlag } from './args.ts';
import { loadModel } from '../store/load-model.ts';
import { imputeFile } from '../api/impute-file.ts';
import { loadHdf5For } from '../data/anndata.ts';
import { DRAW_KINDS } from '../impute/impute.ts';
import { POINT_KINDS } from '../impute/point.ts';

const HELP = `usage: jpvae impute --model DIR --given 1|2 --input F --out F [flags]

  --model DIR             a model directory written by jpvae train
  --given 1|2             which view the input rows are; the other one is imputed
  --input F               rows of the given view, the width the model was trained on: .csv, .npy, IDX,
                          .parquet, .arrow, .h5ad or F.h5mu:MOD
  --out F                 the imputed view, one row per input row (the likelihood's mean: probabilities for
                          Bernoulli views, values in the original units for Gaussian ones), in kind: .csv or
                          .parquet (with the input's sample IDs as the first column, when it has them), .npy,
                          or .h5ad/.h5mu from an AnnData/MuData input: a copy of it with the imputed view as
                          obsm/X_jpvae_viewN (obsm, not layers: a layer has X's width, the other view has its own)
  --id-column NAME        the input table's column of sample IDs (default: the one the model trained with)
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
  --summary               with --samples: write the per-row mean and sd of the K draws (2·width columns)
  --seed N                seed of the draws (default 1)
  --force                 replace --out if it exists (it is never overwritten otherwise)
`;

export async function imputeCommand(argv: string[]): Promise<void> {
  if (modelArg(argv) !== undefined && isMultiModelDir(modelArg(argv)!)) return imputeViewsCommand(argv);
  const names = 'model given input out samples draws point seed id-column';
  const f = commandFlags(argv, 'impute', HELP, flags({ string: names, boolean: 'summary force' }));
  if (!f) return;
  for (const flag of ['model', 'given', 'input', 'out'] as const)
    if (!f[flag]) throw new InputError(`--${flag}: required (see 'jpvae impute --help')`);
  const given = choiceFlag(f.given, '--given', ['1', '2'] as const, '1') === '1' ? 1 : 2;
  const samples = intFlag(f.samples, '--samples', 1);
  if (f.summary && samples < 2) throw new InputError('--summary: needs --samples K with K ≥ 2');
  const draws = choiceFlag(f.draws, '--draws', DRAW_KINDS, 'predictive');
  if (f.draws !== undefined && samples < 2) throw new InputError('--draws: needs --samples K with K ≥ 2');
  const point = choiceFlag(f.point, '--point', POINT_KINDS, 'mean');
  if (f.point !== undefined && samples > 1)
    throw new InputError('--point: a point imputation; it does not apply to --samples draws');
  const seed = intFlag(f.seed, '--seed', 1, 0);
  if (existsSync(f.out!)) {
    if (statSync(f.out!).isDirectory())
      throw new InputError(`--out ${f.out}: is a directory; expected a .csv, .npy, .parquet or .h5ad file name`);
    if (!f.force) throw new InputError(`--out ${f.out}: exists; pass --force to replace it`);
  }
  checkOutputPath(f.out!, '--out');

  const { model, json } = loadModel(f.model!, { label: '--model' });
  if (!json.latentFit)
    throw new InputError(
      `--model ${f.model}: the model has no latent fit (training did not finish); resume it to the end first`,
    );
  await loadHdf5For([f.input, f.out]);
  const rows = imputeFile(model, json, f.input!, f.out!, {
    given,
    samples,
    summary: !!f.summary,
    seed,
    draws,
    point,
    idColumn: f['id-column'],
    names: { input: '--input', out: '--out', summary: '--summary', idColumn: '--id-column', point: '--point' },
  });
  process.stderr.write(
    `imputed view ${3 - given} for ${rows} rows${samples > 1 ? ` × ${samples} ${draws} draws` : point === 'median' ? ' (medians)' : ''} → ${f.out}\n`,
  );
}

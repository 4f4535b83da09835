// `jpvae eval`: the paper's metrics of a saved model (two views or more)
// on its own held-out or training rows, or on new rows from files.

import { UNKNOWN_CATEGORY } from '../data/covariate-columns.ts';
import { InputError } from '../errors.ts';
import { flagLabels } from './labels.ts';
import { fitLatent, priorGaussian, type LatentFit } from '../impute/latent-fit.ts';
import type { Metrics } from '../eval/metrics.ts';
import { writeImputationGrid } from '../plot/figures.ts';
import { DRAW_KINDS } from '../impute/impute.ts';
import { POINT_KINDS } from '../impute/point.ts';
import { checkOutputPath } from '../io/atomic.ts';
import { choiceFlag, commandFlags, flags, intFlag } from './args.ts';
import { loadModel } from '../store/load-model.ts';
import { reopenSplit } from '../data/source.ts';
import { loadHdf5For } from '../data/anndata.ts';
import { openNewViewFiles } from '../data/view-files.ts';
import type { ViewData } from '../data/view-data.ts';
import type { Pairing } from '../data/record.ts';
import { evaluateCalibration } from '../eval/calibration.ts';
import { evaluateMetrics } from '../eval/metrics.ts';
import { availableThreads, planThreads, withThreads } from '../threads/plan.ts';
import { jsonText } from '../io/json-keys.ts';
import { asFlags, calibrationLines, countScoreLine, pairingLine, viewFiles } from './view-flags.ts';
import { isImageBands } from '../eval/imputation-figure.ts';

const HELP = `usage: jpvae eval --model DIR [flags]

  --model DIR             a model directory written by jpvae train
  --split S               test | train (default test): the model's own data (hvdMNIST's test split, or its
                          files' held-out rows)
  --view F                or new rows from files, one per view of the model in its order (--view1 F --view2 F
                          for two), paired as its training files were: by the model's ID column, or by sample ID
                          when every file names its rows (obs names), else by row (an empty row marks a view
                          missing there; --mask F as in train); preprocessed as the model's training data
  --conditional C         fit | prior: the latent Gaussian used for imputation (default fit: fitted on the
                          training rows after training; prior: the model's joint prior Σ)
  --seed N                seed of the sampled-z reconstruction and of the draws (default 1)
  --covariates F          for a model with covariates: read them from F (CSV with a header, Parquet, or an
                          AnnData/MuData file's obs) instead of the input files, paired by sample ID, else by row
  --unknown-category U    error | average (default error): for a model with covariates, a category it does
                          not know in the --view files stops with one line, or takes the average of the
                          known categories (docs/covariates.md; jpvae adapt learns the new one instead)
  --samples K             also score the calibration of K draws (K ≥ 2) of each view given all the others, on
                          the rows with every view: coverage of the central 50% and 90% intervals, CRPS and the
                          PIT histogram for Gaussian views; per-pixel Brier and log scores, reliability and the
                          PIT histogram for Bernoulli views; coverage, the predictive NLL (nats per row) and the
                          PIT histogram of the mixture of K count pmfs at K latent draws for count views (under
                          "calibration" with --json, keyed as the imputations)
  --draws D               predictive | latent (default predictive): with --samples, what a draw is (as in
                          jpvae impute --draws); latent leaves a Gaussian view's observation noise out
  --point P               mean | median: score a count view's MAE and RMSE both at this point (what jpvae
                          impute --point P writes); default: MAE at the median and RMSE at the mean, each
                          loss's Bayes-optimal point of the predictive at the conditional mean
  --figure PNG            also write an imputation grid (PNG, and its SVG beside it) for a model whose views
                          are bands of 28-pixel-wide binary images (hvdMNIST's halves, MNIST's bands): per
                          digit, the true image and the image with each view imputed from all the others
  --threads N             threads for the forward passes of the reconstruction and ELBO terms (default: the
                          cores available; 1 = one thread); the metrics are the same, bit for bit, for any N
  --json                  print the metrics as one JSON object on stdout

Reconstruction of every view, and imputation of every view from every non-empty subset of the others
(Eq. 12 over the latent blocks; for two views, each from the other): −log p(x | ·) summed over a view's
features, mean over the rows that have the views involved: BCE for Bernoulli views (the paper's numbers),
the Gaussian NLL (standardised units), the Poisson or NB NLL (at the true row's size factor) of count views.
--json keys: recon.x1, impute.x1_given_x2, impute.x2_given_x1_x3, … Then the ELBO, active units and each
pair's latent cross-correlation ‖·‖F. Count views also get their imputation in counts (at size factor 1, as
jpvae impute writes): MAE per count of the median counts, RMSE per count of the expected counts (see
--point), and the NLL of the true counts at the expected counts (nats per row; under "counts" with --json,
with mae_at and rmse_at).
`;

export async function evalCommand(argv: string[]): Promise<void> {
  const names =
    'model split view1 view2 mask conditional seed figure threads samples draws point unknown-category covariates';
  const f = commandFlags(argv, 'eval', HELP, flags({ string: names, boolean: 'json', multiple: 'view' }));
  if (!f) return;
  if (!f.model) throw new InputError('--model: required (a model directory written by jpvae train)');
  const source = choiceFlag(f.conditional, '--conditional', ['fit', 'prior'] as const, 'fit');
  const samples = f.samples === undefined ? 0 : intFlag(f.samples, '--samples', 0, 2);
  const draws = choiceFlag(f.draws, '--draws', DRAW_KINDS, 'predictive');
  if (f.draws !== undefined && !samples) throw new InputError('--draws: needs --samples K');
  const point = f.point === undefined ? undefined : choiceFlag(f.point, '--point', POINT_KINDS, 'mean');
  const paths = viewFiles(f),
    files = paths.length > 0;
  if (f.mask !== undefined && !files) throw new InputError('--mask: with --view files only');
  if (files && f.split !== undefined) throw new InputError('--split and --view: choose one source of rows');
  const split = choiceFlag(f.split, '--split', ['test', 'train'] as const, 'test');
  const seed = intFlag(f.seed, '--seed', 1, 0);
  const plan = planThreads('wasm', intFlag(f.threads, '--threads', availableThreads()));
  if (plan.warning) process.stderr.write(`jpvae eval: warning: ${plan.warning}\n`);
  const { model, json } = loadModel(f.model, { threads: plan.threads > 1, label: '--model' });
  if (f.figure && !isImageBands(model))
    throw new InputError('--figure: draws digit images; for models whose views are bands of 28-pixel binary images');
  if (f.figure) checkOutputPath(f.figure, '--figure'); // before the metrics' work
  await loadHdf5For(files ? paths : json.data.dataset === 'files' ? (json.data.views ?? []) : []);
  let fit: LatentFit;
  if (source === 'prior') fit = priorGaussian(model);
  else if (json.latentFit) fit = json.latentFit;
  else {
    process.stderr.write(
      'the model has no stored latent fit (training did not finish): fitting on its training rows now\n',
    );
    fit = fitLatent(model, reopenSplit(json.data, 'train'));
  }
  const labels = { ...flagLabels(f.view1 !== undefined), idColumn: "the model's ID column" };
  let data: ViewData, pairing: Pairing | undefined;
  if (files) {
    const unknown = choiceFlag(f['unknown-category'], '--unknown-category', UNKNOWN_CATEGORY, 'error');
    const read = openNewViewFiles(
      json.data,
      model.config.dims,
      paths,
      labels,
      f.mask,
      unknown === 'average' ? 'mean' : 'error',
      f.covariates,
    );
    [data, pairing] = [read, read.pairing];
  } else data = reopenSplit(json.data, split, labels);
  const splitName = files ? 'files' : split;
  const m = await withThreads(model, plan, () => evaluateMetrics(model, data, fit, splitName, seed, point));
  const infinite = nonFinite({ recon: m.recon, recon_mean: m.recon_mean, elbo: m.elbo });
  if (infinite)
    throw new InputError(
      `--model ${f.model}: the model's ${infinite} is not finite on these rows (NaN or ∞): its weights are out of range`,
    );
  const calibration = samples
    ? asFlags(() => evaluateCalibration(model, data, fit, { samples, seed, draws }), { samples: '--samples' })
    : undefined;
  if (f.figure) await writeImputationGrid(f.figure, [{ name: 'model', model, fit }], data);
  if (f.json) {
    process.stdout.write(
      jsonText({ ...m, conditional: source, ...(pairing && { pairing }), ...(calibration && { calibration }) }),
    );
    return;
  }
  process.stdout.write(report(m, source, fit, pairing, calibration).join('\n') + '\n');
}

/** eval's text report. */
function report(
  m: Metrics,
  source: 'fit' | 'prior',
  fit: LatentFit,
  pairing: Pairing | undefined,
  calibration: ReturnType<typeof evaluateCalibration> | undefined,
): string[] {
  const r = (x: number) => x.toFixed(2),
    per = (o: Record<string, number>) =>
      Object.entries(o)
        .map(([k, v]) => `${k} ${r(v)}`)
        .join('   '),
    given = (k: string) => k.replace('_given_', '|').replaceAll('_', ',');
  const counts = m.counts;
  return [
    `split ${m.split} (${m.n} rows), imputation through the ${source === 'fit' ? `latent fit on ${fit.rows} training rows` : 'learnt prior Σ'}`,
    ...(pairing ? [pairingLine(pairing)] : []),
    `reconstruction loss, sampled z:   ${per(m.recon)}`,
    `reconstruction loss, mean z:     ${per(m.recon_mean)}`,
    `imputation loss:                 ${Object.entries(m.impute)
      .map(
        ([k, v]) => `${given(k)} ${r(v)}${m.impute_rows[k] !== m.complete_rows ? ` (${m.impute_rows[k]} rows)` : ''}`,
      )
      .join('   ')}`,
    `active units ${m.active_units.count}/${m.active_units.total}, cross-correlation ‖·‖F ${Object.entries(
      m.cross_corr_frobenius,
    )
      .map(([k, v]) => (Object.keys(m.cross_corr_frobenius).length > 1 ? `${k} ` : '') + v.toFixed(3))
      .join(', ')}, ELBO ${r(m.elbo)}`,
    ...(counts
      ? [
          'count imputation at size factor 1 (the median or the mean of the predictive at the conditional mean, as jpvae impute --point writes them):',
          ...Object.entries(counts.impute).map(([k, s]) => countScoreLine(given(k), s, counts)),
        ]
      : []),
    ...(calibration
      ? calibrationLines(
          calibration,
          Object.entries(calibration.impute).map(([k, v]) => [given(k), v]),
        )
      : []),
  ];
}

/** The path of the first number in `v` that is NaN or infinite, or undefined. */
function nonFinite(v: unknown, path = ''): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path || '(value)';
  if (typeof v !== 'object' || v === null) return undefined;
  for (const [k, x] of Object.entries(v)) {
    const bad = nonFinite(x, path ? `${path}.${k}` : k);
    if (bad) return bad;
  }
  return undefined;
}

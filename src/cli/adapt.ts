// `jpvae adapt`: a model with covariates adapted to a new cohort (a batch,
// a site it never saw): the cohort's view files (any it has), their
// covariate columns (a table's columns, an AnnData/MuData obs column), the
// new categories' rows trained with every other weight frozen, and the
// latent fit refreshed (api/adapt.ts); written as a new model directory.

import { adaptCovariates, ADAPT_LR, LATENT_FIT_CHOICES } from '../api/adapt.ts';
import { JpvaeModel } from '../api/model.ts';
import { loadHdf5For } from '../data/anndata.ts';
import { readPairedFiles } from '../data/paired-files.ts';
import { formatOf, TABLE_FORMATS } from '../data/parse.ts';
import { InputError } from '../errors.ts';
import { jsonText } from '../io/json-keys.ts';
import { loadModel } from '../store/load-model.ts';
import { openOutDir, writeModelFiles } from '../store/store.ts';
import { choiceFlag, commandFlags, flags, intFlag, numberFlag } from './args.ts';
import { flagLabels } from './labels.ts';

const HELP = `usage: jpvae adapt --model DIR --view1 F [--view2 F] --out DIR [flags]

  --model DIR             a model directory written by jpvae train with --covariate
  --view1 F, --view2 F    the new cohort's rows of each view it has (at least one), in any reader's format,
                          paired by sample ID when every file names its rows (obs names, --id-column), else
                          by row; each row's covariates from the files' columns (a CSV header's or a Parquet
                          column, an AnnData/MuData obs column) of the model's covariate names
  --covariate COLUMN      the model's covariates, to check (default: all of them, which adapting needs)
  --covariates F          read them from F (CSV with a header, Parquet, AnnData/MuData obs) instead, paired
                          with the view files by sample ID, else by row
  --id-column NAME        the tables' column of sample IDs (default: the one the model trained with)
  --epochs E              over the cohort's rows (default 40)   --batch B (default 32)   --seed N (default 1)
  --lr LR                 (default ${ADAPT_LR}: only the new categories' rows train)
  --latent-fit F          keep | pool (default keep): the latent fit of Eq. 12 after adapting: the training
                          rows' (the adapted encoders map the cohort into its latent space), or with the
                          cohort's posterior means pooled in, which changes every cohort's imputations
  --out DIR               the adapted model's directory   --force   replace a model already there
  --json                  print what was adapted as one JSON object on stdout

The cohort's categories the model does not know get new rows in every encoder's and decoder's covariate
weights, started at the mean of the known categories' rows and trained on the cohort's rows by the model's
loss, every other weight frozen; a view the cohort lacks keeps that mean (its batch effect cannot be learnt
without the view: it is decoded at the average of the known categories). jpvae impute and eval then take
the cohort's rows (docs/covariates.md).
`;

export async function adaptCommand(argv: string[]): Promise<void> {
  const f = commandFlags(
    argv,
    'adapt',
    HELP,
    flags({
      string: 'model view1 view2 id-column epochs batch seed lr out latent-fit covariates',
      boolean: 'force json',
      multiple: 'covariate',
    }),
  );
  if (!f) return;
  for (const flag of ['model', 'out'] as const)
    if (!f[flag]) throw new InputError(`--${flag}: required (see 'jpvae adapt --help')`);
  const epochs = intFlag(f.epochs, '--epochs', 40),
    batch = intFlag(f.batch, '--batch', 32),
    seed = intFlag(f.seed, '--seed', 1, 0),
    lr = numberFlag(f.lr, '--lr', ADAPT_LR, (x) => x > 0, 'a number > 0'),
    latentFit = choiceFlag(f['latent-fit'], '--latent-fit', LATENT_FIT_CHOICES, 'keep');
  const loaded = loadModel(f.model!, { label: '--model' }),
    model = new JpvaeModel(loaded.model, loaded.json);
  if (model.views !== 2)
    throw new InputError(
      `--model ${f.model}: a ${model.views}-view model; jpvae adapt takes two (the library's adaptCovariates takes any)`,
    );
  const known = model.config.covariates?.map((c) => c.name) ?? [];
  if (!known.length)
    throw new InputError(`--model ${f.model}: the model has no covariates (train it with --covariate)`);
  const odd =
    (f.covariate ?? []).find((c) => !known.includes(c)) ?? known.find((c) => f.covariate && !f.covariate.includes(c));
  if (odd !== undefined)
    throw new InputError(
      `--covariate ${odd}: the model's covariates are ${known.join(', ')}; adapting reads all of them`,
    );
  const given = ([f.view1, f.view2] as (string | undefined)[])
    .map((p, i) => ({ path: p, view: i }))
    .filter((v) => v.path !== undefined);
  if (!given.length) throw new InputError('--view1, --view2: give the file of each view the cohort has (at least one)');
  const paths = given.map((g) => g.path!),
    labels = flagLabels(true);
  await loadHdf5For(paths);
  const tables = paths.some((p, i) => TABLE_FORMATS.includes(formatOf(p, `${labels.view(given[i].view)} ${p}`)));
  const files = readPairedFiles(
    paths,
    tables ? (f['id-column'] ?? model.json.data.idColumn) : undefined,
    { ...labels, view: (i) => labels.view(given[i].view) },
    known,
    f.covariates,
  );
  const views = [0, 1].map((v) => {
    const at = given.findIndex((g) => g.view === v);
    return at < 0 ? null : files.matrices[at];
  });
  const close = openOutDir(f.out!, '--out', f.force ?? false, labels);
  try {
    const adapted = adaptCovariates(model, views, {
      covariates: Object.fromEntries(known.map((k) => [k, files.text.get(k)!])),
      epochs,
      batch,
      lr,
      seed,
      latentFit,
    });
    writeModelFiles(f.out!, adapted.toFiles());
    const added = adapted.config.covariates!.map((c, j) => ({
      name: c.name,
      new: c.categories.slice(model.config.covariates![j].categories.length),
    }));
    const rows = files.matrices[0].rows;
    if (f.json) process.stdout.write(jsonText({ out: f.out, rows, epochs, covariates: added }) + '\n');
    else
      process.stderr.write(
        `adapted to ${added.map((c) => `${c.name} ${c.new.join(', ') || '(nothing new)'}`).join('; ')} on ${rows} rows, ${epochs} epochs → ${f.out}\n`,
      );
  } finally {
    close();
  }
}

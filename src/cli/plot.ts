// `jpvae plot`: the figures of one model, or of several side by side (the
// flags over plot/figures.ts): Figure 1's imputation grid (hvdMNIST),
// Figure 4's latent cross-correlation, the training curves and the
// calibration plot, each as PNG and SVG.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { DRAW_KINDS } from '../impute/impute.ts';
import { writeModelFigures, type NamedModel } from '../plot/figures.ts';
import { loadModel } from '../store/load-model.ts';
import { reopenSplit } from '../data/source.ts';
import { isImageBands } from '../eval/imputation-figure.ts';
import { openNewViewFiles } from '../data/view-files.ts';
import { loadHdf5For } from '../data/anndata.ts';
import { flagLabels } from './labels.ts';
import { viewFiles } from './view-flags.ts';
import { choiceFlag, commandFlags, flags, intFlag } from './args.ts';
import { jsonText } from '../io/json-keys.ts';

const HELP = `usage: jpvae plot --model DIR[,DIR...] [--view F …] [flags]

  --model DIRS            a model directory written by jpvae train, or several, comma-separated, drawn side
                          by side (they must have been trained on the same data)
  --names LIST            the models' names in the figures, comma-separated (default: the directories' names)
  --view F                the rows to draw on, one file per view of the models in their order (--view1 F
                          --view2 F for two), paired and preprocessed as in eval (default: the models' own
                          test or held-out rows; a model trained from arrays, as the browser page trains, has
                          none to reopen)
  --out DIR               where the figures go (default: DIR/figures of the first model; made if missing)
  --samples K             draws per held-out row for the calibration plot (default 20, K ≥ 2)
  --draws D               predictive | latent (default predictive): what a draw is, as in jpvae impute
  --seed N                seed of the draws (default 1)
  --json                  print the files written and the calibrations as one JSON object on stdout

Writes, as .png and .svg: imputations (Figure 1, for models whose views are bands of 28-pixel binary
images: hvdMNIST's halves, MNIST's bands), cross-correlation (Figure 4, every pair of views),
training-curves (from the models' per-epoch history) and calibration (each view given all the others),
all on the models' test or held-out rows; and calibration.json, the numbers of the calibration plot.
`;

export async function plotCommand(argv: string[]): Promise<void> {
  const table = flags({ string: 'model names out samples draws seed view1 view2', boolean: 'json', multiple: 'view' });
  const f = commandFlags(argv, 'plot', HELP, table);
  if (!f) return;
  if (!f.model) throw new InputError('--model: required (a model directory written by jpvae train)');
  const dirs = f.model.split(',');
  const names = f.names === undefined ? dirs.map((d) => basename(resolve(d))) : f.names.split(',');
  if (names.length !== dirs.length)
    throw new InputError(`--names: ${names.length} names for ${dirs.length} models; give one per --model directory`);
  const samples = intFlag(f.samples, '--samples', 20, 2);
  const draws = choiceFlag(f.draws, '--draws', DRAW_KINDS, 'predictive');
  const seed = intFlag(f.seed, '--seed', 1, 0);
  const out = f.out ?? join(dirs[0], 'figures');
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new InputError(`--out ${out}: exists and is not a directory`);

  const loaded = dirs.map((dir, i) => {
    const { model, json } = loadModel(dir, { label: '--model' });
    if (!json.latentFit)
      throw new InputError(
        `--model ${dir}: the model has no latent fit (training did not finish); resume it to the end first`,
      );
    const history = json.training?.state.history;
    return { named: { name: names[i], model, fit: json.latentFit, history } as NamedModel, json };
  });
  const source = loaded[0].json.data;
  for (const [i, l] of loaded.entries())
    if (JSON.stringify(l.json.data) !== JSON.stringify(source))
      throw new InputError(
        `--model ${dirs[i]}: trained on other data than ${dirs[0]}; models drawn together must share their data`,
      );
  const hvd = source.dataset === 'hvdmnist',
    paths = viewFiles(f),
    labels = { ...flagLabels(f.view1 !== undefined), idColumn: "the model's ID column" };
  await loadHdf5For(paths);
  const data = paths.length
    ? openNewViewFiles(source, loaded[0].json.config.dims, paths, labels)
    : reopenSplit(loaded[0].json.data, 'test', labels);
  mkdirSync(out, { recursive: true });
  const { files, calibrations } = await writeModelFigures(
    out,
    loaded.map((l) => l.named),
    data,
    { samples, seed, draws, heldOut: hvd ? 'test' : 'held-out', digits: isImageBands(loaded[0].named.model) },
  );
  if (f.json) process.stdout.write(jsonText({ files, calibrations }));
  else process.stderr.write(`wrote ${files.join(', ')}\n`);
}

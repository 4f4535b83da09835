// `jpvae impute`: fill in the missing view of a user's rows. Reads the
// given view (CSV/NPY/IDX), preprocesses it as at training time, imputes
// through the stored latent fit (Eq. 12) and writes CSV or NPY by the
// output's extension, atomically.

import { extname } from 'node:path';
import { readMatrix } from '../data/matrix.ts';
import { encodeNpy } from '../data/npy.ts';
import { formatCsv } from '../data/csv.ts';
import { applyStandardize } from '../data/user-data.ts';
import { Rng } from '../data/rng.ts';
import { InputError } from '../errors.ts';
import { conditional, type LatentFit } from '../impute/conditional.ts';
import { imputeView } from '../impute/impute.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { choiceFlag, intFlag, parseFlags } from './args.ts';
import type { DataSource } from './data-source.ts';
import { loadModel } from './model-data.ts';

const HELP = `usage: jpvae impute --model DIR --given 1|2 --input F --out F [flags]

  --model DIR             a model directory written by jpvae train
  --given 1|2             which view the input rows are; the other one is imputed
  --input F               rows of the given view: .csv, .npy or IDX, the width the model was trained on
  --out F                 .csv or .npy: the imputed view, one row per input row (the likelihood's mean:
                          probabilities for Bernoulli views, values in the original units for Gaussian ones)
  --samples K             K draws from the latent conditional per row instead of its mean: K rows per input row
  --summary               with --samples: write the per-row mean and sd of the K draws (2·width columns)
  --seed N                seed of the draws (default 1)
`;

export async function imputeCommand(argv: string[]): Promise<void> {
  const f = parseFlags(argv, {
    model: { type: 'string' }, given: { type: 'string' }, input: { type: 'string' }, out: { type: 'string' },
    samples: { type: 'string' }, summary: { type: 'boolean' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 'impute');
  if (f.help) { process.stdout.write(HELP); return; }
  for (const flag of ['model', 'given', 'input', 'out'] as const) if (!f[flag]) throw new InputError(`--${flag}: required (see 'jpvae impute --help')`);
  const given = choiceFlag(f.given, '--given', ['1', '2'] as const, '1') === '1' ? 0 : 1;
  const target = (1 - given) as 0 | 1;
  const format = extname(f.out!).toLowerCase();
  if (format !== '.csv' && format !== '.npy') throw new InputError(`--out ${f.out}: expected a .csv or .npy file name`);
  const samples = intFlag(f.samples, '--samples', 1);
  if (f.summary && samples < 2) throw new InputError('--summary: needs --samples K with K ≥ 2');

  const { model, json } = loadModel(f.model!);
  if (!json.latentFit) throw new InputError(`--model ${f.model}: the model has no latent fit (training did not finish); resume it to the end first`);
  const input = readMatrix(f.input!, '--input');
  const width = model.views[given].dim;
  if (input.cols !== width) throw new InputError(`--input ${f.input}: rows have ${input.cols} values, but view ${given + 1} of the model has ${width}`);
  const bad = input.data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new InputError(`--input ${f.input}: row ${Math.floor(bad / width) + 1}, column ${(bad % width) + 1} is ${input.data[bad]}; the given view must be complete and finite`);
  const source = json.data as DataSource;
  const std = source.dataset === 'files' ? source.standardize : [null, null];
  if (std[given]) applyStandardize(input.data, width, std[given]!);

  const c = conditional(json.latentFit as LatentFit, target), dim = model.views[target].dim;
  const rng = new Rng(intFlag(f.seed, '--seed', 1, 0));
  // Each row repeated K times, each copy with its own draw of z_i | z_j.
  const rows = samples === 1 ? input.data : Float32Array.from({ length: input.rows * samples * width }, (_, i) => input.data[Math.floor(i / (width * samples)) * width + (i % width)]);
  const out = imputeView(model, c, rows, input.rows * samples, samples === 1 ? undefined : () => rng.normal());
  if (std[target]) applyStandardize(out, dim, std[target]!, true);
  const result = f.summary ? summarize(out, input.rows, samples, dim) : { rows: input.rows * samples, cols: dim, data: out };
  writeFileAtomic(f.out!, format === '.npy' ? encodeNpy(result) : formatCsv(result));
  process.stderr.write(`imputed view ${target + 1} for ${input.rows} rows${samples > 1 ? ` × ${samples} draws` : ''} → ${f.out}\n`);
}

/** Per input row, the mean and sd over its K draws, side by side. */
function summarize(draws: Float32Array, n: number, K: number, dim: number) {
  const data = new Float32Array(n * 2 * dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) {
    let s = 0, s2 = 0;
    for (let q = 0; q < K; q++) { const x = draws[(r * K + q) * dim + j]; s += x; s2 += x * x; }
    const mean = s / K;
    data[r * 2 * dim + j] = mean;
    data[r * 2 * dim + dim + j] = Math.sqrt(Math.max(0, s2 / K - mean * mean));
  }
  return { rows: n, cols: 2 * dim, data };
}

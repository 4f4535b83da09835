// `jpvae impute`: fill in the missing view of a user's rows. Streams the
// given view (CSV/NPY/IDX) a chunk of rows at a time: preprocesses it as at
// training time, imputes through the stored latent fit (Eq. 12) and writes
// CSV or NPY by the output's extension, renamed into place at the end.

import { existsSync, statSync } from 'node:fs';
import { openRows } from '../data/matrix.ts';
import { checkOutputPath } from '../io/atomic.ts';
import { createRowWriter, type RowWriter } from '../data/row-writer.ts';
import { Rng } from '../data/rng.ts';
import { InputError } from '../errors.ts';
import { conditional, type LatentFit } from '../impute/conditional.ts';
import { imputeUserRows } from '../impute/impute.ts';
import type { Jpvae } from '../model/jpvae.ts';
import type { ModelJson } from '../store/store.ts';
import { choiceFlag, intFlag, parseFlags } from './args.ts';
import { standardizationOf } from '../data/record.ts';
import { loadModel } from './model-data.ts';

/** Rows imputed at once (input rows × samples): memory stays bounded whatever the input's size. */
export const IMPUTE_CHUNK_ROWS = 4096;

const HELP = `usage: jpvae impute --model DIR --given 1|2 --input F --out F [flags]

  --model DIR             a model directory written by jpvae train
  --given 1|2             which view the input rows are; the other one is imputed
  --input F               rows of the given view: .csv, .npy or IDX, the width the model was trained on
  --out F                 .csv or .npy: the imputed view, one row per input row (the likelihood's mean:
                          probabilities for Bernoulli views, values in the original units for Gaussian ones)
  --samples K             K draws per row from the model's predictive distribution instead of its mean: a
                          latent draw from the conditional of Eq. 12, decoded, plus a Gaussian view's own
                          observation noise (Bernoulli views: the probabilities of each latent draw); K rows
                          per input row
  --summary               with --samples: write the per-row mean and sd of the K draws (2·width columns)
  --seed N                seed of the draws (default 1)
  --force                 replace --out if it exists (it is never overwritten otherwise)
`;

export async function imputeCommand(argv: string[]): Promise<void> {
  const f = parseFlags(argv, {
    model: { type: 'string' }, given: { type: 'string' }, input: { type: 'string' }, out: { type: 'string' },
    samples: { type: 'string' }, summary: { type: 'boolean' }, seed: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, 'impute');
  if (f.help) { process.stdout.write(HELP); return; }
  for (const flag of ['model', 'given', 'input', 'out'] as const) if (!f[flag]) throw new InputError(`--${flag}: required (see 'jpvae impute --help')`);
  const given = choiceFlag(f.given, '--given', ['1', '2'] as const, '1') === '1' ? 0 : 1;
  const samples = intFlag(f.samples, '--samples', 1);
  if (f.summary && samples < 2) throw new InputError('--summary: needs --samples K with K ≥ 2');
  const seed = intFlag(f.seed, '--seed', 1, 0);
  if (existsSync(f.out!)) {
    if (statSync(f.out!).isDirectory()) throw new InputError(`--out ${f.out}: is a directory; expected a .csv or .npy file name`);
    if (!f.force) throw new InputError(`--out ${f.out}: exists; pass --force to replace it`);
  }
  checkOutputPath(f.out!, '--out');

  const { model, json } = loadModel(f.model!);
  if (!json.latentFit) throw new InputError(`--model ${f.model}: the model has no latent fit (training did not finish); resume it to the end first`);
  const rows = imputeFile(model, json, f.input!, f.out!, { given, samples, summary: !!f.summary, seed });
  process.stderr.write(`imputed view ${2 - given} for ${rows} rows${samples > 1 ? ` × ${samples} draws` : ''} → ${f.out}\n`);
}

export interface ImputeOptions { given: 0 | 1; samples: number; summary: boolean; seed: number; chunkRows?: number }

/**
 * Imputes the other view of every row of the file `input` into the file
 * `out`, a chunk at a time; returns the number of rows. On any error `out`
 * is left as it was. The draws come from one Rng consumed in row order, so
 * the chunk size does not change the output.
 */
export function imputeFile(model: Jpvae, json: ModelJson, input: string, out: string, o: ImputeOptions): number {
  const target = (1 - o.given) as 0 | 1, width = model.views[o.given].dim, dim = model.views[target].dim;
  const std = standardizationOf(json.data);
  const c = conditional(json.latentFit as LatentFit, target);
  const K = o.samples, chunk = Math.max(1, Math.floor((o.chunkRows ?? IMPUTE_CHUNK_ROWS) / K));
  const rng = new Rng(o.seed), draws = K === 1 ? undefined : { noise: () => rng.normal() };
  const rows = openRows(input, '--input');
  let writer: RowWriter | undefined;
  try {
    if (rows.cols !== width) throw new InputError(`--input ${input}: rows have ${rows.cols} values, but view ${o.given + 1} of the model has ${width}`);
    writer = createRowWriter(out, '--out', o.summary ? 2 * dim : dim);
    for (let start = 0, m; (m = rows.next(chunk)); start += m.rows) {
      const y = imputeUserRows(model, c, std, m.data, m.rows, K, draws, `--input ${input}`, start);
      writer.write(o.summary ? summarize(y, m.rows, K, dim) : { rows: m.rows * K, cols: dim, data: y });
    }
    writer.commit();
    return rows.rows;
  } catch (e) {
    writer?.abort();
    throw e;
  } finally {
    rows.close();
  }
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

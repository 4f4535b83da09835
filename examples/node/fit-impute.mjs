// Fit a JPVAE on two CSV files (an empty line: that row lacks the view),
// impute view 2 for new rows of view 1, save the model, load it again and
// check that it imputes the same. Plain Node, no build step:
//   node examples/node/fit-impute.mjs [dataDir] [modelDir]
// Prints one JSON line: rows imputed, mean absolute error against the true
// view 2 (and that of guessing view 2's column means), and whether the
// reloaded model gave identical imputations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fit, load, parseMatrix } from 'jpvae';

const data = process.argv[2] ?? new URL('../data/', import.meta.url).pathname;
const modelDir = process.argv[3] ?? 'runs/example-model';
const read = (name) => {
  const m = parseMatrix(readFileSync(join(data, name)), name);
  return { data: m.data, width: m.cols };
};

const model = await fit(
  { view1: read('view1.csv'), view2: read('view2.csv') },
  {
    likelihood: ['gaussian', 'gaussian'], // real-valued views, standardised inside
    latent: 2,
    hidden: [32],
    epochs: 60,
    seed: 1,
    onEpoch: (e) => process.stderr.write(`epoch ${e.epoch}: loss ${e.train.loss.toFixed(2)}\n`),
  },
);
const given = read('new-view1.csv'),
  truth = read('new-view2-truth.csv');
const imputed = model.impute(given, { given: 1 }); // E[x2 | x1] in the data's units

await model.save(modelDir);
const again = (await load(modelDir)).impute(given, { given: 1 });

// Against the true view 2, and against a guess that knows nothing of view 1 (view 2's column means).
const train2 = read('view2.csv'),
  w = truth.width,
  means = new Array(w).fill(0),
  counts = new Array(w).fill(0);
train2.data.forEach((v, i) => {
  if (!Number.isNaN(v)) {
    means[i % w] += v;
    counts[i % w]++;
  }
});
let err = 0,
  baseline = 0;
for (let i = 0; i < imputed.length; i++) {
  err += Math.abs(imputed[i] - truth.data[i]) / imputed.length;
  baseline += Math.abs(means[i % w] / counts[i % w] - truth.data[i]) / imputed.length;
}
const identical = again.length === imputed.length && again.every((v, i) => v === imputed[i]);
console.log(
  JSON.stringify({
    rows: imputed.length / truth.width,
    meanAbsError: Number(err.toFixed(3)),
    columnMeansError: Number(baseline.toFixed(3)),
    identical,
    model: modelDir,
  }),
);
process.exitCode = identical ? 0 : 1;

// The count likelihoods on a planted problem (test/planted-counts.ts:
// two views of negative binomial counts, θ = 2, from a shared 2-D latent,
// log-normal depths per sample and view, 20% of the samples missing one
// view): negative binomial, Poisson and Gaussian-on-log1p views fitted with
// the same architecture, each view of the held-out samples imputed from
// the other and scored against the true counts (scripts/count-likelihoods.ts).
//
//   node --import tsx scripts/counts-planted.ts [--n 3000] [--epochs 40] [--lr 0.001] [--seeds 1,2,3] [--baseline 0 (a negative one: --baseline=-1.5)] [--depth-sd 0.5] [--out results/counts-planted]
//
// Writes OUT.json and OUT.md, the table docs/counts-and-omics.md shows.

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { machineInfo } from '../src/bench/machine.ts';
import { jsonText } from '../src/io/json-keys.ts';
import { COUNT_METHODS, LATENT_DRAWS, compareOne, oracleScores, type CountComparison } from './count-likelihoods.ts';
import { cell, mean } from './seed-cells.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '3000' },
    epochs: { type: 'string', default: '40' },
    lr: { type: 'string', default: '0.001' },
    seeds: { type: 'string', default: '1,2,3' },
    baseline: { type: 'string', default: '0' },
    'depth-sd': { type: 'string', default: '0.5' },
    out: { type: 'string', default: 'results/counts-planted' },
  },
});
const n = Number(values.n),
  epochs = Number(values.epochs),
  lr = Number(values.lr),
  baseline = Number(values.baseline),
  depthSd = Number(values['depth-sd']),
  seeds = values.seeds.split(',').map(Number);
const fitOptions = { holdout: 0.2, epochs, hidden: [64, 64], latent: 2, batch: 32, lr, threads: 1 };
const meta = {
  command: `node --import tsx scripts/counts-planted.ts --n ${n} --epochs ${epochs} --lr ${lr} --seeds ${values.seeds} --baseline=${baseline} --depth-sd ${depthSd}`,
  data: { n, dims: [30, 20], latent: 2, theta: 2, depthSd, missing: 0.2, baseline, holdout: 0.2 },
  fit: fitOptions,
  machine: machineInfo(),
  loadAvgBefore: loadavg().map((x) => +x.toFixed(2)),
};
const runs: Omit<CountComparison, 'seconds'>[] = [];
for (const seed of seeds) {
  const data = { n, seed, baseline, depthSd };
  runs.push(oracleScores(data, fitOptions.holdout));
  for (const method of COUNT_METHODS) {
    const r = await compareOne(method, data, { ...fitOptions, seed });
    process.stderr.write(
      `seed ${seed} ${method}: MAE at the median ${r.x1_given_x2.mae.toFixed(3)}/${r.x2_given_x1.mae.toFixed(3)}, at the mean ${r.x1_given_x2.maeAtMean.toFixed(3)}/${r.x2_given_x1.maeAtMean.toFixed(3)}, NLL ${r.x1_given_x2.nll.toFixed(2)}/${r.x2_given_x1.nll.toFixed(2)}, predictive ${r.x1_given_x2.predictiveNll.toFixed(2)}/${r.x2_given_x1.predictiveNll.toFixed(2)} (${r.seconds.toFixed(1)} s)\n`,
    );
    runs.push(r);
  }
}
writeFileSync(
  `${values.out}.json`,
  jsonText({ ...meta, loadAvgAfter: loadavg().map((x) => +x.toFixed(2)), runs }, { indent: 2 }),
);

const NAMES: Record<string, string> = {
  oracle: 'the true latent: rates at depth 1; predictive over the depth (reference)',
  nb: 'negative binomial, size factors',
  'nb-unscaled': 'negative binomial, unscaled',
  poisson: 'Poisson, size factors',
  'poisson-unscaled': 'Poisson, unscaled',
  'gaussian-log1p': 'Gaussian on log1p',
};
const pair = (name: string) => `${name} x1\\|x2 | x2\\|x1`;
const rowsOf = (m: string) => runs.filter((r) => r.method === m);
type Run = (typeof runs)[number];
const cols = (rs: Run[], f: (v: Run['x1_given_x2']) => number, d: number) =>
  `${cell(
    rs.map((r) => f(r.x1_given_x2)),
    d,
  )} | ${cell(
    rs.map((r) => f(r.x2_given_x1)),
    d,
  )}`;
const lines = [
  `| model | ${pair('MAE at the median')} | ${pair('MAE at the mean')} | ${pair('RMSE at the mean')} | ${pair('NLL at the mean')} | ${pair('predictive NLL')} |`,
  `|---|---|---|---|---|---|---|---|---|---|---|`,
  ...['oracle', ...COUNT_METHODS].map((m) => {
    const rs = rowsOf(m);
    return `| ${NAMES[m]} | ${cols(rs, (v) => v.mae, 3)} | ${cols(rs, (v) => v.maeAtMean, 3)} | ${cols(rs, (v) => v.rmse, 2)} | ${cols(rs, (v) => v.nll, 2)} | ${cols(rs, (v) => v.predictiveNll, 2)} |`;
  }),
  '',
  `Mean ± sd over seeds ${values.seeds}; ${Math.min(...runs.map((r) => r.x1_given_x2.rows))} to ${Math.max(...runs.map((r) => r.x1_given_x2.rows))} held-out samples with both views each. ` +
    `MAE/RMSE: counts per feature, of the point imputation at the conditional mean of Eq. 12 (the plug-in predictive there): ` +
    `MAE at its median (the point absolute error rewards) and, for comparison, at its mean; RMSE at its mean (the point squared error rewards). ` +
    `NLL: nats per sample (summed over the view's 30 or 20 features), at the imputed mean, and predictive (the mean likelihood over ${LATENT_DRAWS} latent draws of Eq. 12). ` +
    `\`${meta.command}\`; ${meta.machine.cpu}, Node ${process.versions.node}, load ${meta.loadAvgBefore[0]}.`,
  '',
  `The same points of the predictive mixture over the ${LATENT_DRAWS} latent draws (the Poisson or NB pmfs, or the Gaussian's, at each draw's decoded mean):`,
  '',
  `| model | ${pair('MAE at the mixture median')} | ${pair('RMSE at the mixture mean')} |`,
  `|---|---|---|---|---|`,
  ...COUNT_METHODS.map((m) => {
    const rs = rowsOf(m);
    return `| ${NAMES[m]} | ${cols(rs, (v) => v.mixture!.mae, 3)} | ${cols(rs, (v) => v.mixture!.rmse, 2)} |`;
  }),
  '',
  ...pairedLines('nb-unscaled', 'gaussian-log1p'),
];
writeFileSync(`${values.out}.md`, lines.join('\n') + '\n');
process.stdout.write(lines.join('\n') + '\n');

/** Two methods compared on the same data: per seed and direction, the
 * difference of each score (B − A, so positive means A is better), its mean
 * ± standard error over the 2 × seeds pairs, how many pairs A wins, and the
 * two-sided sign test's p-value (the pairs share seeds, so their spread is
 * much smaller than either method's spread across seeds). */
function pairedLines(a: string, b: string): string[] {
  const byseed = (m: string) => new Map(rowsOf(m).map((r) => [r.seed, r]));
  const ra = byseed(a),
    rb = byseed(b);
  const scores: [string, (v: Run['x1_given_x2']) => number, number][] = [
    ['MAE at the median', (v) => v.mae, 3],
    ['MAE at the mixture median', (v) => v.mixture!.mae, 3],
    ['RMSE at the mean', (v) => v.rmse, 2],
    ['NLL at the mean', (v) => v.nll, 2],
    ['predictive NLL', (v) => v.predictiveNll, 2],
  ];
  const rows = scores.map(([name, f, d]) => {
    const diffs = [...ra.keys()].flatMap((seed) =>
      (['x1_given_x2', 'x2_given_x1'] as const).map((dir) => f(rb.get(seed)![dir]) - f(ra.get(seed)![dir])),
    );
    const k = diffs.length,
      wins = diffs.filter((x) => x > 0).length;
    const se = k > 1 ? Math.sqrt(diffs.reduce((s, x) => s + (x - mean(diffs)) ** 2, 0) / (k - 1) / k) : NaN;
    return `| ${name} | ${mean(diffs).toFixed(d)} ± ${se.toFixed(d)} | ${wins} of ${k} | ${signTestP(wins, k).toPrecision(2)} |`;
  });
  return [
    `${NAMES[a]} against ${NAMES[b]}, paired by seed and direction (difference ${b} − ${a}: positive when ${a} is better; mean ± standard error):`,
    '',
    `| score | difference | ${a} better | sign test p (two-sided) |`,
    '|---|---|---|---|',
    ...rows,
  ];
}

/** P(at least as lopsided a split as wins of k | fair coin), two-sided. */
function signTestP(wins: number, k: number): number {
  const low = Math.min(wins, k - wins);
  let tail = 0,
    c = 1; // C(k, i)
  for (let i = 0; i <= low; i++) {
    tail += c;
    c = (c * (k - i)) / (i + 1);
  }
  return Math.min(1, (2 * tail) / 2 ** k);
}

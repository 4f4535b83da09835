// What the commands share in reading their view flags: the views' files
// (--view F repeated, one per view; --view1 F --view2 F are its two-view
// aliases), their likelihoods (--likelihood L repeated or once for all;
// --likelihood1/--likelihood2), view numbers (--given 1,3), and the
// library's option names worded as the command's flags.

import { InputError } from '../errors.ts';
import { parseLikelihood, type Likelihood } from '../data/likelihood.ts';
import type { Pairing } from '../data/record.ts';
import type { CountScores } from '../eval/count-metrics.ts';
import type { ViewCalibration } from '../eval/calibration.ts';
import type { PointKind } from '../impute/point.ts';

/** The view files of --view F … or --view1 F --view2 F (not both ways); [] when none is given. */
export function viewFiles(f: { view?: string[]; view1?: string; view2?: string }): string[] {
  const aliases = f.view1 !== undefined || f.view2 !== undefined;
  if (aliases && f.view) throw new InputError('--view and --view1/--view2: give the views one way');
  if (!aliases) return f.view ?? [];
  if (f.view1 === undefined || f.view2 === undefined) throw new InputError('--view1 and --view2: give both files');
  return [f.view1, f.view2];
}

/** The likelihood of each of m views: --likelihood once for all or once per view, or --likelihood1/--likelihood2 (default bernoulli). */
export function likelihoodFlags(
  f: { likelihood?: string[]; likelihood1?: string; likelihood2?: string },
  m: number,
): Likelihood[] {
  const aliases = f.likelihood1 !== undefined || f.likelihood2 !== undefined;
  if (aliases) {
    if (f.likelihood)
      throw new InputError('--likelihood and --likelihood1/--likelihood2: give the likelihoods one way');
    if (m !== 2) throw new InputError(`--likelihood1/--likelihood2: for two views; with ${m} use --likelihood`);
    return [parseLikelihood(f.likelihood1, '--likelihood1'), parseLikelihood(f.likelihood2, '--likelihood2')];
  }
  const liks = f.likelihood ?? [];
  if (liks.length > 1 && liks.length !== m)
    throw new InputError(`--likelihood: give one per view (${m}) or one for all, got ${liks.length}`);
  return Array.from({ length: m }, (_, i) => parseLikelihood(liks[liks.length === 1 ? 0 : i], '--likelihood'));
}

/** A comma list of view numbers (1-based), checked by the model. */
export function viewNumbers(value: string | undefined, flag: string): number[] {
  if (value === undefined) throw new InputError(`${flag}: required (view numbers like 1,3)`);
  return value.split(',').map(Number);
}

/** The library's words for its options, as the command's flags. */
export function asFlags<T>(work: () => T, words: Record<string, string>): T {
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

/** How view files were paired, in words. */
export function pairingLine(p: Pairing): string {
  const by = p.by === 'id' ? 'sample ID' : 'row position';
  if (p.perView.length === 2)
    return `views paired by ${by}: ${p.complete} samples with both views, ${p.perView[0] - p.complete} with view 1 only, ${p.perView[1] - p.complete} with view 2 only`;
  return `views paired by ${by}: ${p.complete} samples with every view; ${p.perView.map((k, v) => `view ${v + 1} in ${k}`).join(', ')}`;
}

/** A count view's imputation scores as a line of eval's report. */
export function countScoreLine(name: string, s: CountScores, at: { maeAt: PointKind; rmseAt: PointKind }): string {
  return `  ${name}: MAE ${s.mae.toFixed(3)} (${at.maeAt}), RMSE ${s.rmse.toFixed(3)} (${at.rmseAt}) counts, NLL ${s.nll.toFixed(2)} nats per row (at the mean)`;
}

/** A calibration as lines of eval's report: a heading, then a line per imputed view. */
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

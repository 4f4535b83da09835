// Calibration of the imputations' draws (`jpvae eval --samples K`): are K
// draws of a held-out row's missing view as spread out as the truth is
// around them? Each view is drawn given every other view (Eq. 12 over the
// latent blocks), on the rows that have every view. For each held-out value y and its K draws, the PIT (the
// predictive CDF at y) is taken as the uniform interval it is known to lie
// in: [R, R + 1 + ties]/(K + 1) for a real value with R draws below it
// (exactly uniform on [0, 1] when y and the draws are exchangeable, i.e.
// when the draws are calibrated), [0, 1 − p] or [1 − p, 1] for a binary
// one with predictive P(y = 1) = p (the non-randomised PIT of Czado,
// Gneiting and Held 2009). Coverage of the central q interval is then the
// share of PIT mass in [(1 − q)/2, (1 + q)/2], the PIT histogram the mass
// per tenth. Gaussian views add CRPS (standardised units); Bernoulli views
// the per-pixel Brier and log scores of p = the mean of the draws'
// probabilities (the predictive distribution's P(x = 1)) and a reliability
// table. A count view's K latent draws of Eq. 12 make its predictive
// distribution a mixture of K Poisson or NB pmfs at the draws' expected
// counts (size factor 1, as imputed): the PIT of a count y is uniform on
// [F(y − 1), F(y)] of the mixture's CDF F (the non-randomised PIT again),
// and the row's predictive NLL is −log of the mixture's likelihood (CRPS
// is not scored for counts).

import { forEachBatch, gatherRows } from '../data/dataset.ts';
import { designRowsOf, rowsWith, viewsOf, type ViewData } from '../data/view-data.ts';
import { Rng } from '../data/rng.ts';
import { InputError } from '../errors.ts';
import { blockConditional } from '../impute/block-conditional.ts';
import { drawsOf, imputeViews, type DrawKind } from '../impute/impute.ts';
import type { LatentFit } from '../impute/latent-fit.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { imputeKey } from './metrics.ts';
import { isCount } from '../data/likelihood.ts';
import { countCdf, countNllAt, mixtureNll } from './count-metrics.ts';

/** Bins of the PIT histogram and of the reliability table. */
export const CALIBRATION_BINS = 10;
/** Central-interval levels of the coverage curve (50% and 90% are reported on their own as well). */
export const COVERAGE_LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

export interface GaussianCalibration {
  likelihood: 'gaussian';
  values: number; // held-out values scored (rows × features)
  coverage_50: number; // share of held-out values inside the draws' central 50% interval
  coverage_90: number;
  /** Coverage of the central interval at each of COVERAGE_LEVELS. */
  interval_coverage: { level: number; observed: number }[];
  crps: number; // continuous ranked probability score, mean per value, standardised units (lower is better)
  pit: number[]; // PIT histogram: share of values per tenth of [0, 1] (all 0.1 when calibrated)
}

export interface BernoulliCalibration {
  likelihood: 'bernoulli';
  values: number;
  brier: number; // mean per pixel of (p − y)²
  log_score: number; // mean per pixel of −log p(y) in nats (lower is better)
  /** Per tenth of predicted p: its mean p, the observed mean of y, the share of pixels. */
  reliability: { predicted: number; observed: number; share: number }[];
  pit: number[];
}

export interface CountCalibration {
  likelihood: 'poisson' | 'nb';
  values: number;
  coverage_50: number; // share of PIT mass of the held-out counts inside the predictive mixture's central 50% interval
  coverage_90: number;
  interval_coverage: { level: number; observed: number }[];
  /** −log p(x_i | x_j) of a held-out row under the mixture, nats per row (the view's features summed). */
  predictive_nll: number;
  pit: number[];
}

export type ViewCalibration = GaussianCalibration | BernoulliCalibration | CountCalibration;

export interface Calibration {
  samples: number; // K draws per row
  draws: DrawKind;
  seed: number;
  rows: number; // rows with every view
  /** Per view, keyed as the imputation losses (x2_given_x1_x3; for two views x1_given_x2, x2_given_x1): its draws given every other view. */
  impute: Record<string, ViewCalibration>;
}

/** Adds the mass of the uniform PIT interval [lo, hi] (weight w) to the histogram and the coverage tallies. */
class PitTally {
  readonly hist = new Float64Array(CALIBRATION_BINS);
  readonly covered = new Float64Array(COVERAGE_LEVELS.length);
  total = 0;

  add(lo: number, hi: number, w = 1): void {
    this.total += w;
    const inside = (a: number, b: number) =>
      hi > lo ? (w * Math.max(0, Math.min(hi, b) - Math.max(lo, a))) / (hi - lo) : lo >= a && lo <= b ? w : 0;
    for (let b = 0; b < CALIBRATION_BINS; b++) {
      const a = b / CALIBRATION_BINS,
        z = (b + 1) / CALIBRATION_BINS;
      // A point mass on a bin edge goes to the upper bin (the last bin keeps 1).
      this.hist[b] += hi > lo ? inside(a, z) : lo >= a && (lo < z || b === CALIBRATION_BINS - 1) ? w : 0;
    }
    COVERAGE_LEVELS.forEach((q, i) => (this.covered[i] += inside((1 - q) / 2, (1 + q) / 2)));
  }

  histogram(): number[] {
    return Array.from(this.hist, (h) => h / this.total);
  }

  coverage(level: number): number {
    return this.covered[COVERAGE_LEVELS.indexOf(level)] / this.total;
  }
}

/** Calibration of real-valued draws: per value, its K draws (rows×K×dim, row r's draws together) against the truth (rows×dim). */
export class GaussianScores {
  private readonly pit = new PitTally();
  private crps = 0;

  constructor(
    readonly dim: number,
    readonly K: number,
  ) {}

  add(truth: ArrayLike<number>, draws: ArrayLike<number>, rows: number): void {
    const { dim, K } = this,
      sorted = new Float64Array(K);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < dim; j++) {
        const y = truth[r * dim + j];
        let below = 0,
          ties = 0,
          absErr = 0;
        for (let k = 0; k < K; k++) {
          const x = draws[(r * K + k) * dim + j];
          sorted[k] = x;
          if (x < y) below++;
          else if (x === y) ties++;
          absErr += Math.abs(x - y);
        }
        this.pit.add(below / (K + 1), (below + ties + 1) / (K + 1));
        // CRPS = E|X − y| − ½E|X − X'|, with Σ_k,l |x_k − x_l| = 2 Σ_k (2k − K − 1) x_(k) over the sorted draws.
        sorted.sort();
        let spread = 0;
        for (let k = 0; k < K; k++) spread += (2 * (k + 1) - K - 1) * sorted[k];
        this.crps += absErr / K - spread / (K * K);
      }
  }

  result(): GaussianCalibration {
    const n = this.pit.total;
    return {
      likelihood: 'gaussian',
      values: n,
      coverage_50: this.pit.coverage(0.5),
      coverage_90: this.pit.coverage(0.9),
      interval_coverage: COVERAGE_LEVELS.map((level) => ({ level, observed: this.pit.coverage(level) })),
      crps: this.crps / n,
      pit: this.pit.histogram(),
    };
  }
}

const LOG_FLOOR = 1e-7; // p is kept in [1e-7, 1 − 1e-7] in the log score, as the model's BCE is finite

/** Calibration of binary draws: per pixel, the K draws' probabilities (rows×K×dim) against the truth (rows×dim, in [0, 1]). */
export class BernoulliScores {
  private readonly pit = new PitTally();
  private brier = 0;
  private log = 0;
  private readonly bins = Array.from({ length: CALIBRATION_BINS }, () => ({ p: 0, y: 0, n: 0 }));

  constructor(
    readonly dim: number,
    readonly K: number,
  ) {}

  add(truth: ArrayLike<number>, draws: ArrayLike<number>, rows: number): void {
    const { dim, K } = this;
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < dim; j++) {
        const y = truth[r * dim + j];
        let p = 0;
        for (let k = 0; k < K; k++) p += draws[(r * K + k) * dim + j];
        p /= K;
        this.brier += (p - y) ** 2;
        const q = Math.min(1 - LOG_FLOOR, Math.max(LOG_FLOOR, p));
        this.log -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
        // PIT of y = 1 is uniform on [1 − p, 1], of y = 0 on [0, 1 − p]; a y in (0, 1) weighs both.
        if (y > 0) this.pit.add(1 - p, 1, y);
        if (y < 1) this.pit.add(0, 1 - p, 1 - y);
        const bin = this.bins[Math.min(CALIBRATION_BINS - 1, Math.floor(p * CALIBRATION_BINS))];
        bin.p += p;
        bin.y += y;
        bin.n++;
      }
  }

  result(): BernoulliCalibration {
    const n = this.bins.reduce((s, b) => s + b.n, 0);
    return {
      likelihood: 'bernoulli',
      values: n,
      brier: this.brier / n,
      log_score: this.log / n,
      reliability: this.bins.map((b) => ({
        predicted: b.n ? b.p / b.n : NaN,
        observed: b.n ? b.y / b.n : NaN,
        share: b.n / n,
      })),
      pit: this.pit.histogram(),
    };
  }
}

/**
 * Calibration of a count view: per row, the expected counts of its K
 * latent draws (rows×K×dim) against the true counts (rows×dim), under
 * Poisson or NB(θ_j) (theta null: Poisson).
 */
export class CountScores {
  private readonly pit = new PitTally();
  private nll = 0;
  private rows = 0;

  constructor(
    readonly dim: number,
    readonly K: number,
    readonly kind: 'poisson' | 'nb',
    readonly theta: Float64Array | null,
  ) {}

  add(truth: ArrayLike<number>, draws: ArrayLike<number>, rows: number): void {
    const { dim, K, theta } = this,
      th = (j: number) => (theta ? theta[j] : null);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < dim; j++) {
        const y = truth[r * dim + j];
        let F = 0,
          P = 0;
        for (let k = 0; k < K; k++) {
          const mean = draws[(r * K + k) * dim + j];
          F += countCdf(y, mean, th(j));
          P += Math.exp(-countNllAt(y, mean, th(j)));
        }
        this.pit.add(Math.max(0, (F - P) / K), Math.min(1, F / K));
      }
    this.nll += rows * mixtureNll(truth, draws, rows, dim, K, (x, mean, j) => countNllAt(x, mean, th(j)));
    this.rows += rows;
  }

  result(): CountCalibration {
    return {
      likelihood: this.kind,
      values: this.pit.total,
      coverage_50: this.pit.coverage(0.5),
      coverage_90: this.pit.coverage(0.9),
      interval_coverage: COVERAGE_LEVELS.map((level) => ({ level, observed: this.pit.coverage(level) })),
      predictive_nll: this.nll / this.rows,
      pit: this.pit.histogram(),
    };
  }
}

/** Draws per imputation call: input rows × K stays near this, whatever K is. */
export const DRAW_ROWS = 4096;

/**
 * K draws of each view of `data`'s rows with every view, given all the
 * others, of `kind`, from one Rng(seed) (view 1's draws first). Throws
 * when no row has every view.
 */
export function evaluateCalibration(
  model: Jpvae,
  data: ViewData,
  fit: LatentFit,
  o: { samples: number; seed?: number; draws?: DrawKind },
): Calibration {
  const K = o.samples,
    seed = o.seed ?? 1,
    kind = o.draws ?? 'predictive',
    rng = new Rng(seed);
  const all = viewsOf(model.fullMask),
    rows = rowsWith(data, all);
  if (!rows.length)
    throw new InputError(`samples: no row has all ${all.length} views; calibration scores rows with every view`);
  const xs = all.map((i) => gatherRows(data.xs[i], data.dims[i], rows)), // each view's complete rows, once
    part = (i: number, start: number, n: number) => xs[i].subarray(start * data.dims[i], (start + n) * data.dims[i]),
    design = designRowsOf(data, rows),
    designPart = (start: number, n: number) =>
      design?.subarray(start * model.designWidth, (start + n) * model.designWidth);
  const impute: Record<string, ViewCalibration> = {};
  for (const target of all) {
    const { likelihood: l, dim } = model.views[target],
      given = all.filter((i) => i !== target);
    // A count view is scored on latent draws whatever `kind` says: its mixture's components.
    const scores = isCount(l)
      ? new CountScores(dim, K, l.kind, model.dispersion(target))
      : l.kind === 'gaussian'
        ? new GaussianScores(dim, K)
        : new BernoulliScores(dim, K);
    const c = blockConditional(fit.mean, fit.cov, fit.latent, given, [target]),
      draws = drawsOf(isCount(l) ? 'latent' : kind, rng);
    forEachBatch(rows.length, Math.max(1, Math.floor(DRAW_ROWS / K)), (start, idx) => {
      const n = idx.length,
        xs = given.map((i) => part(i, start, n));
      const [out] = imputeViews(model, c, xs, n, draws, K, designPart(start, n));
      scores.add(part(target, start, n), out, n);
    });
    impute[imputeKey(target, given)] = scores.result();
  }
  return { samples: K, draws: kind, seed, rows: rows.length, impute };
}

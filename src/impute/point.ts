// Which point of the predictive distribution an imputation gives. The
// decoder's likelihood mean is what imputation has always returned and what
// squared error rewards; absolute error rewards the median, and for a
// count view the two differ (a skewed NB's median is below its mean). So a
// count view's imputation can be the median of its Poisson or NB at the
// decoded mean instead (data/count-cdf.ts). A Gaussian view's median is its
// mean; a Bernoulli view's imputation is a probability, which has no median
// to give.

import { InputError } from '../errors.ts';
import { countMedians } from '../data/count-cdf.ts';
import { isCount, type Likelihood } from '../data/likelihood.ts';

export type PointKind = 'mean' | 'median';
export const POINT_KINDS: readonly PointKind[] = ['mean', 'median'];

/** One line for a `point` that is not a PointKind, or 'median' of a Bernoulli view (view `i`, from 0); `label` names the option. */
export function checkPoint(point: unknown, likelihood: Likelihood, i: number, label = 'point'): PointKind {
  if (!POINT_KINDS.includes(point as PointKind))
    throw new InputError(`${label}: expected ${POINT_KINDS.join(' or ')}, got '${String(point)}'`);
  if (point === 'median' && likelihood.kind === 'bernoulli')
    throw new InputError(
      `${label} median: view ${i + 1} is Bernoulli, whose imputation is a probability; only count and Gaussian views have a median to give`,
    );
  return point as PointKind;
}

/**
 * The imputed rows×dim of a view (its likelihood's means, in place) turned
 * into `point`: unchanged for 'mean' and for a Gaussian view, a count
 * view's medians at those means for 'median' (θ: an NB view's dispersion).
 */
export function toPoint(
  view: { likelihood: Likelihood; dim: number },
  theta: ArrayLike<number> | null,
  y: Float32Array,
  point: PointKind,
): void {
  if (point === 'median' && isCount(view.likelihood)) countMedians(y, view.dim, theta);
}

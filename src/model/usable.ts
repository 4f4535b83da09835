// One notion of a usable model, applied wherever weights are loaded into a
// model (eval, impute, export, plot, train --resume, the library's loads):
// on a fixed probe of typical rows for each view (Bernoulli: 0/1 values;
// Gaussian: standard normal values, the standardised units its encoder
// reads; counts: small counts), every view must encode to a finite
// posterior, and the likelihood of those rows at the decoded posterior
// mean must be finite. Weights that are finite but huge (a damaged or
// hostile file whose checksum matches) overflow on the probe as on any
// user's rows, and are refused before they give saturated imputations.

import { isCount, type Likelihood } from '../data/likelihood.ts';
import { Rng } from '../data/rng.ts';
import { InputError } from '../errors.ts';
import type { Kernels } from '../core/kernels.ts';
import type { ViewVae } from './view-vae.ts';

const PROBE_ROWS = 8;

/** Typical values of a view's rows, in the units its encoder reads. */
function typicalRows(l: Likelihood, n: number, rng: Rng): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = l.kind === 'bernoulli' ? rng.below(2) : isCount(l) ? rng.below(4) : rng.normal();
  return x;
}

/** Refuses (one line naming `where`) a model whose outputs are not finite on typical rows; the parameters are untouched. */
export function checkUsable(
  model: {
    k: Kernels;
    P: number;
    G: number;
    maxRows: number;
    views: readonly ViewVae[];
    setDesign?(design: undefined, rowIndex: ArrayLike<number>): void;
  },
  where: string,
): void {
  const rows = Math.min(PROBE_ROWS, model.maxRows),
    rng = new Rng(1),
    index = Array.from({ length: rows }, (_, r) => r);
  model.setDesign?.(undefined, index); // covariates: the average of the known categories
  model.views.forEach((v, i) => {
    v.setInput(typicalRows(v.likelihood, rows * v.dim, rng), index);
    v.setNoise(rows, null); // z = the posterior mean
    const recon = v.forward(model.P, model.G, rows, null);
    const finite = (at: number) => model.k.heap.view(at, rows * v.latent).every(Number.isFinite);
    const bad = !finite(v.mu)
      ? 'posterior mean'
      : !finite(v.lv)
        ? 'posterior log-variance'
        : !Number.isFinite(recon)
          ? 'likelihood at its decoded mean'
          : undefined;
    if (bad)
      throw new InputError(
        `${where}: the weights are out of range: view ${i + 1}'s ${bad} is not finite on typical rows (damaged weights, or training that diverged)`,
      );
  });
}

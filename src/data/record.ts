// model.json's record of a model's data (its "data" key): hvdMNIST, two
// view files, or arrays handed to the API, with the likelihoods, hold-out
// fraction and the standardisation fitted on the training rows, which
// every later use of the model applies to its rows.

import { BERNOULLI, type Likelihood } from './likelihood.ts';
import type { HoldoutSplit } from './holdout.ts';
import type { Standardization } from './views.ts';

export type DataSource =
  | { dataset: 'hvdmnist'; views: string[]; binarize: string; trainRows: number; testRows: number }
  | {
      dataset: 'files';
      view1: string;
      view2: string;
      mask?: string;
      /** The table files' sample-ID column (--id-column), when the views paired by ID. */
      idColumn?: string;
      /** How the rows paired (by sample ID or by position), and the samples with both views or one. */
      pairing?: { by: 'id' | 'position'; paired: number; only1: number; only2: number };
      holdout: number;
      /** Which rows were held out (data/views.ts HoldoutSplit); absent: 'last-rows', as every model before views paired by ID held out per kind of row. */
      holdoutSplit?: HoldoutSplit;
      likelihood: [Likelihood, Likelihood];
      standardize: Standardization;
      trainRows: number;
      heldOutRows: number;
    }
  | {
      dataset: 'arrays';
      mask: boolean;
      holdout: number;
      likelihood: [Likelihood, Likelihood];
      standardize: Standardization;
      trainRows: number;
      heldOutRows: number;
    };

/** Each view's standardisation, as a model's data record (model.json `data`) holds it: null where a view is used as it is. */
export function standardizationOf(data: DataSource | Record<string, unknown>): Standardization {
  const s = (data as { standardize?: Standardization }).standardize;
  return s ? [s[0] ?? null, s[1] ?? null] : [null, null];
}

/** The views' likelihoods (Bernoulli for hvdMNIST). */
export const likelihoodsOf = (source: DataSource): [Likelihood, Likelihood] =>
  source.dataset === 'hvdmnist' ? [BERNOULLI, BERNOULLI] : source.likelihood;

// The paper's reported numbers (hvdMNIST test set, mean (sd) over 5 seeds,
// Tables 1–3), for side-by-side tables: a row per prior, in the columns
// of the paper's tables.

export type Prior = 'zero' | 'svd' | 'orthogonal';

/**
 * Tables 1 and 2, mean and sd: recon X1, recon X2, impute X1|2, impute X2|1,
 * active units (percent of 40); and Figure 4's cross-correlation.
 */
export const PAPER_TABLE_1: Record<Prior, { mean: number[]; sd: number[]; crossCorr?: number }> = {
  zero: { mean: [24.64, 25.56, 114.1, 127.5, 61], sd: [0.37, 0.24, 2.3, 3.2, 1.4], crossCorr: 1.703 },
  svd: { mean: [24.08, 25.02, 106.6, 117.4, 66], sd: [0.44, 0.21, 1.4, 4.1, 1.4] },
  orthogonal: { mean: [23.41, 23.98, 97.25, 106.6, 98.5], sd: [0.29, 0.31, 1.9, 1.9, 2.2], crossCorr: 3.448 },
};

/** Table 3's columns: a classifier trained on the first set of digits, tested on the second. */
export const DOWNSTREAM_KEYS = ['X~1,X~1', 'X~1,X~1|2', 'X~1|2,X~1|2', 'X~2,X~2', 'X~2,X~2|1', 'X~2|1,X~2|1'];

/** Table 3, percent, in the order of DOWNSTREAM_KEYS. */
export const PAPER_TABLE_3: Record<Prior, number[]> = {
  zero: [89.07, 47.21, 77.22, 85.88, 51.83, 78.81],
  svd: [89.67, 64.5, 80.22, 86.46, 67.06, 82.38],
  orthogonal: [90.31, 77.22, 83.54, 87.8, 76.55, 86.3],
};

export const PAPER_TRUE_HALVES = { 'X1,X1': 93.59, 'X2,X2': 90.83 };

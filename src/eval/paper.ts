// The paper's reported numbers (hvdMNIST test set, mean (sd) over 5 seeds,
// Tables 1–3), for side-by-side tables.

export interface PaperRow {
  recon: [number, number];
  reconSd: [number, number];
  impute: [number, number];
  imputeSd: [number, number]; // X1|2, X2|1
  activeUnits: number;
  activeUnitsSd: number; // percent of 40
  crossCorr?: number; // Figure 4
  downstream: Record<string, number>; // Table 3, percent
}

export const PAPER: Record<'zero' | 'svd' | 'orthogonal', PaperRow> = {
  zero: {
    recon: [24.64, 25.56],
    reconSd: [0.37, 0.24],
    impute: [114.1, 127.5],
    imputeSd: [2.3, 3.2],
    activeUnits: 61,
    activeUnitsSd: 1.4,
    crossCorr: 1.703,
    downstream: {
      'X~1,X~1': 89.07,
      'X~1,X~1|2': 47.21,
      'X~1|2,X~1|2': 77.22,
      'X~2,X~2': 85.88,
      'X~2,X~2|1': 51.83,
      'X~2|1,X~2|1': 78.81,
    },
  },
  svd: {
    recon: [24.08, 25.02],
    reconSd: [0.44, 0.21],
    impute: [106.6, 117.4],
    imputeSd: [1.4, 4.1],
    activeUnits: 66,
    activeUnitsSd: 1.4,
    downstream: {
      'X~1,X~1': 89.67,
      'X~1,X~1|2': 64.5,
      'X~1|2,X~1|2': 80.22,
      'X~2,X~2': 86.46,
      'X~2,X~2|1': 67.06,
      'X~2|1,X~2|1': 82.38,
    },
  },
  orthogonal: {
    recon: [23.41, 23.98],
    reconSd: [0.29, 0.31],
    impute: [97.25, 106.6],
    imputeSd: [1.9, 1.9],
    activeUnits: 98.5,
    activeUnitsSd: 2.2,
    crossCorr: 3.448,
    downstream: {
      'X~1,X~1': 90.31,
      'X~1,X~1|2': 77.22,
      'X~1|2,X~1|2': 83.54,
      'X~2,X~2': 87.8,
      'X~2,X~2|1': 76.55,
      'X~2|1,X~2|1': 86.3,
    },
  },
};

export const PAPER_TRUE_HALVES = { 'X1,X1': 93.59, 'X2,X2': 90.83 };

// How an error names the user's inputs. Below the CLI, jpvae's errors speak
// of values: "view 1's file a.csv: rows have 3 values, …", "the held-out
// fraction 1: leaves no training rows". jpvae's CLI passes its flags as the
// labels instead ("--view1 a.csv: …", "--holdout 1: …"), so its users read
// the flag they typed. A label is followed by its value in a message; a
// remedy (what to do instead) ends one.

/** The labels of a data set's inputs; views are numbered from 1 in the words, from 0 in the arguments. */
export interface InputLabels {
  /** View i's file. */
  view: (i: number) => string;
  /** The view files as a set (their count is wrong). */
  views: string;
  /** View i's likelihood: "use ${label} gaussian" follows a value a view's likelihood does not take. */
  likelihood: (i: number) => string;
  mask: string;
  /** The table files' column of sample IDs. */
  idColumn: string;
  /** A covariate column: "${label} 'batch': …". */
  covariate: string;
  /** A file of covariates only, paired with the views by sample ID. */
  covariatesFile: string;
  holdout: string;
  /** The model directory: "${label} m: …". */
  model: string;
  /** The directory a new model is written into. */
  out: string;
  /** Remedy for a model trained from arrays, whose rows cannot be read again. */
  newRows: string;
  /** Remedy for a model without held-out rows. */
  trainRows: string;
  /** Remedy for an output directory `dir` that already holds a model. */
  heldModel: (dir: string) => string;
}

/** Value words: the default of every function below the CLI. */
export const VALUE_LABELS: InputLabels = {
  view: (i) => `view ${i + 1}'s file`,
  views: 'the view files',
  likelihood: () => 'the likelihood',
  mask: 'the mask file',
  idColumn: 'the ID column',
  covariate: 'covariate',
  covariatesFile: 'the covariates file',
  holdout: 'the held-out fraction',
  model: 'the model directory',
  out: 'the output directory',
  newRows: 'give its rows again',
  trainRows: 'use its training rows',
  heldModel: () => 'write elsewhere, or train that model further',
};

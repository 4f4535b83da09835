// manifest.json of an export directory: every graph's inputs and outputs
// (shape, dtype, units), each view's likelihood and preprocessing, how
// draws are made, and which model and package made it. The runtime reads
// it (type-only imports keep the browser bundle free of the exporter). Its
// field names are the file's, snake_case, in memory too: exportOnnx(), the
// runtime's imputer.manifest and manifest.json read the same.

import type { Likelihood, ModelConfig } from '../model/config.ts';
import type { Covariate } from '../data/covariates.ts';
import type { Standardize } from '../data/views.ts';
import type { TensorSpec, WeightType } from './graph.ts';
import type { SnakeCase } from '../io/json-keys.ts';

export const EXPORT_FORMAT = 'jpvae-onnx';
/**
 * Version 3 spells manifest.json's field names in snake_case (io/json-keys.ts);
 * version 4 has views 1..M (M ≥ 2) and the list of imputers (which graphs fill
 * in which view from which); version 5 has count views (a likelihood of kind
 * poisson or nb with its median_total, and each view's dispersion); version
 * 6 records each graph file's size and CRC-32, which the runtime checks, and
 * keeps no absolute path of the training machine (file names only); version
 * 7 is an export of a model with covariates (the manifest's covariates, and
 * every graph's `covariates` input), which a runtime before it would open and
 * then fail to feed. An export without covariates is still version 6
 * (PLAIN_EXPORT_VERSION), byte for byte as before. The runtime reads 2 and 3
 * (two views, no list) and 4 on.
 */
export const EXPORT_FORMAT_VERSION = 7;
/** The version of an export of a model without covariates. */
export const PLAIN_EXPORT_VERSION = 6;
/** The export versions the runtime reads. */
export const READABLE_EXPORT_VERSIONS: readonly number[] = [2, 3, 4, 5, 6, 7];
export const MANIFEST = 'manifest.json';

/** The graphs of a two-view export. */
export const GRAPH_NAMES = [
  'encoder1',
  'encoder2',
  'decoder1',
  'decoder2',
  'impute_2_from_1',
  'impute_1_from_2',
  'sample_2_from_1',
  'sample_1_from_2',
] as const;
export type GraphName = (typeof GRAPH_NAMES)[number];

/** The graphs of a two-view export that fill in view `target` from the other view. */
export const imputerNames = (target: 1 | 2) => ({
  mean: `impute_${target}_from_${3 - target}` as GraphName,
  sample: `sample_${target}_from_${3 - target}` as GraphName,
});

/** An imputer of the export: view `target` from the views `given` (1-based, ascending), its mean graph and its sampler. */
export interface ImputerSpec {
  target: number;
  given: number[];
  mean: string; // impute_2_from_1_3
  sample: string; // sample_2_from_1_3
}

export interface GraphSpec {
  file: string; // a plain file name in the export directory
  bytes?: number; // the file's size (version 6 on)
  crc32?: string; // its CRC-32, 8 hex digits (version 6 on)
  doc: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface ViewSpec {
  view: number; // 1..M
  dim: number; // features
  latent: number; // latent size
  likelihood: SnakeCase<Likelihood>;
  /**
   * What the graphs do to raw inputs before the encoder, and undo on
   * outputs: (x − mean)/sd per feature for a standardised view, nothing
   * (null) otherwise. Graph inputs and outputs are always in raw units.
   */
  standardize: Standardize | null;
  /** A Gaussian view's observation sd per feature in raw units (the noise a draw adds); null for any other view. */
  observation_sd: number[] | null;
  /**
   * A negative binomial view's θ per feature (variance μ + μ²/θ), what a
   * caller needs to draw counts around a graph's means; null for any other
   * view (absent before version 5). A count view's graphs read counts
   * (log1p inside) and give expected counts at size factor 1.
   */
  dispersion?: number[] | null;
}

export interface Manifest {
  format: typeof EXPORT_FORMAT;
  format_version: number;
  package: string; // the jpvae that wrote the export
  onnx: { opset: number; ir_version: number; weights: WeightType }; // weights: how the dense layers' matrices are stored (inputs and outputs are always f32)
  model: {
    package: string; // the jpvae that trained it
    step: number; // training steps taken
    config: SnakeCase<ModelConfig>; // config.dims has one width per view
    data: Record<string, unknown>; // the training data and its preprocessing, from model.json
    /** The Gaussian the imputation graphs condition on; `complete`: of its rows, those with every view (M views). */
    latent_fit: { rows: number; split: string; complete?: number };
  };
  views: ViewSpec[]; // one per view, in order
  /**
   * A model with covariates (absent without): each covariate's name and
   * categories. Every graph then takes the input `covariates`, a row's
   * one-hot code of each covariate's category, side by side in this order
   * (width: every covariate's categories); the runtime builds it from
   * category values (`impute(rows, { given, covariates })`).
   */
  covariates?: Covariate[];
  /** How sample_* graphs draw: what K draws of one row are samples of. */
  draws: string;
  /** Every imputer the export holds: each view from all the others, and any subsets export was asked for. */
  imputers: ImputerSpec[];
  /** Every graph by name: encoderI, decoderI, and the imputers' impute_t_from_G, sample_t_from_G. */
  graphs: Record<string, GraphSpec>;
}

/** A manifest's imputers; a version 2 manifest (two views, no list) has the two of its graph names. */
export const imputersOf = (m: Pick<Manifest, 'imputers'>): ImputerSpec[] =>
  m.imputers ?? ([2, 1] as const).map((target) => ({ target, given: [3 - target], ...imputerNames(target) }));

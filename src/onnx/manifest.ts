// manifest.json of an export directory: every graph's inputs and outputs
// (shape, dtype, units), each view's likelihood and preprocessing, how
// draws are made, and which model and package made it. The runtime reads
// it (type-only imports keep the browser bundle free of the exporter).

import type { Likelihood, ModelConfig } from '../model/config.ts';
import type { Standardize } from '../data/views.ts';
import type { TensorSpec, WeightType } from './graph.ts';

export const EXPORT_FORMAT = 'jpvae-onnx';
/** Version 3 spells manifest.json's field names in snake_case (io/json-keys.ts); the runtime still reads version 2's camelCase. */
export const EXPORT_FORMAT_VERSION = 3;
/** The export versions the runtime reads: 2 differs from 3 only in its field names' spelling. */
export const READABLE_EXPORT_VERSIONS: readonly number[] = [2, 3];
export const MANIFEST = 'manifest.json';

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

/** The graphs that fill in view `target` from the other view. */
export const imputerNames = (target: 1 | 2) => ({
  mean: `impute_${target}_from_${3 - target}` as GraphName,
  sample: `sample_${target}_from_${3 - target}` as GraphName,
});

export interface GraphSpec {
  file: string;
  doc: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface ViewSpec {
  view: 1 | 2;
  dim: number; // features
  latent: number; // latent size
  likelihood: Likelihood;
  /**
   * What the graphs do to raw inputs before the encoder, and undo on
   * outputs: (x − mean)/sd per feature for a standardised view, nothing
   * (null) otherwise. Graph inputs and outputs are always in raw units.
   */
  standardize: Standardize | null;
  /** A Gaussian view's observation sd per feature in raw units (the noise a draw adds); null for Bernoulli. */
  observationSd: number[] | null;
}

export interface Manifest {
  format: typeof EXPORT_FORMAT;
  formatVersion: number;
  package: string; // the jpvae that wrote the export
  onnx: { opset: number; irVersion: number; weights: WeightType }; // weights: how the dense layers' matrices are stored (inputs and outputs are always f32)
  model: {
    package: string; // the jpvae that trained it
    step: number; // training steps taken
    config: ModelConfig;
    data: Record<string, unknown>; // the training data and its preprocessing, from model.json
    latentFit: { rows: number; split: string }; // the Gaussian the imputation graphs condition on
  };
  views: [ViewSpec, ViewSpec];
  /** How sample_* graphs draw: what K draws of one row are samples of. */
  draws: string;
  graphs: Record<GraphName, GraphSpec>;
}

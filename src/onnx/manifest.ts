// manifest.json of an export directory: what each graph takes and gives,
// how raw data must be preprocessed, and which model and package made it.
// The runtime reads it (type-only imports keep the browser bundle free of
// the exporter).

import type { ModelConfig } from '../model/config.ts';
import type { TensorSpec, WeightType } from './graph.ts';

export const EXPORT_FORMAT = 'jpvae-onnx';
export const MANIFEST = 'manifest.json';

export const GRAPH_NAMES = ['encoder1', 'encoder2', 'decoder1', 'decoder2', 'impute_2_from_1', 'impute_1_from_2'] as const;
export type GraphName = (typeof GRAPH_NAMES)[number];

export interface GraphSpec { file: string; doc: string; inputs: TensorSpec[]; outputs: TensorSpec[] }

export interface Manifest {
  format: typeof EXPORT_FORMAT;
  formatVersion: 1;
  package: string; // the jpvae that wrote the export
  onnx: { opset: number; irVersion: number; weights: WeightType }; // weights: how constants are stored (inputs and outputs are always f32)
  model: {
    package: string; // the jpvae that trained it
    step: number; // training steps taken
    config: ModelConfig;
    data: Record<string, unknown>; // the training data and its preprocessing (binarisation, views), from model.json
    latentFit: { rows: number; split: string }; // the Gaussian the imputation graphs condition on
  };
  views: { dim: number; latent: number }[]; // view 1, view 2
  graphs: Record<GraphName, GraphSpec>;
}

// Export a trained model as ONNX, in memory: both encoders, both decoders,
// for each view a mean imputer and a sampler (through the stored latent
// fit), and manifest.json. Returns the files' bytes by name; write-export.ts
// puts them on disk, a browser can offer them as downloads.

import { conditional, type LatentFit } from '../impute/conditional.ts';
import type { Standardize } from '../data/views.ts';
import type { Jpvae } from '../model/jpvae.ts';
import type { ModelJson } from '../store/files.ts';
import { jsonText, snakeCaseKeys } from '../io/json-keys.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { standardizationOf } from '../data/record.ts';
import { isCount } from '../data/likelihood.ts';
import { InputError } from '../errors.ts';
import { IR_VERSION, OPSET, type Graph, type WeightType } from './graph.ts';
import {
  decoderGraph,
  encoderGraph,
  imputeGraph,
  observationSd,
  sampleGraph,
  type GraphSource,
} from './jpvae-graphs.ts';
import {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  MANIFEST,
  type GraphName,
  type GraphSpec,
  type Manifest,
  type ViewSpec,
} from './manifest.ts';

/** What an export needs besides the model: the latent fit, each view's standardisation, and model.json's records. */
export interface ExportInput {
  fit: LatentFit;
  standardize: readonly [Standardize | null, Standardize | null];
  data: Record<string, unknown>; // model.json's data record, copied into the manifest
  package: string; // the jpvae that trained the model
  step: number; // training steps taken
}

/** The ExportInput of a saved model (its model.json), which must hold a latent fit. */
export function exportInputOf(json: ModelJson): ExportInput {
  if (!json.latentFit) throw new Error('export: the model has no latent fit (training did not finish)');
  return {
    fit: json.latentFit as LatentFit,
    standardize: standardizationOf(json.data),
    data: json.data,
    package: json.package,
    step: json.training?.state.step ?? 0,
  };
}

export const DRAWS =
  'sample_i_from_j draws z_i from the conditional of Eq. 12 (eps_i ~ N(0, I) through the Cholesky factor of its covariance) ' +
  "and decodes it; a Gaussian view adds its observation noise (observationSd · noise_i), so K draws of a row are samples of the model's " +
  'predictive distribution p(x_i | x_j) (jpvae impute --draws predictive, the default). Fed noise_i = 0, the same graph gives the latent-only ' +
  'draws of --draws latent (the decoded latent draw, without the observation noise). A Bernoulli view gives the probabilities of each latent draw.';

/** The eight graphs of a model, by manifest name. */
export function modelGraphs(
  model: Jpvae,
  fit: LatentFit,
  standardize: GraphSource['standardize'],
  weights: WeightType,
): Record<GraphName, Graph> {
  model.views.forEach((v, i) => {
    if (isCount(v.likelihood))
      throw new InputError(
        `export: view ${i + 1} has a ${v.likelihood.kind} (count) likelihood, which the ONNX export does not support yet; impute with jpvae impute instead`,
      );
  });
  const s: GraphSource = { model, standardize, weights };
  const [to1, to2] = [conditional(fit, 0), conditional(fit, 1)];
  return {
    encoder1: encoderGraph(s, 0),
    encoder2: encoderGraph(s, 1),
    decoder1: decoderGraph(s, 0),
    decoder2: decoderGraph(s, 1),
    impute_2_from_1: imputeGraph(s, to2),
    impute_1_from_2: imputeGraph(s, to1),
    sample_2_from_1: sampleGraph(s, to2),
    sample_1_from_2: sampleGraph(s, to1),
  };
}

/** The export's files (NAME.onnx for each graph, and manifest.json) and its manifest. */
export function buildExport(
  model: Jpvae,
  input: ExportInput,
  weights: WeightType = 'float32',
): { manifest: Manifest; files: Map<string, Uint8Array> } {
  const metadata = { 'jpvae.data': JSON.stringify(snakeCaseKeys(input.data)), 'jpvae.model.step': String(input.step) };
  const graphs = {} as Record<GraphName, GraphSpec>,
    files = new Map<string, Uint8Array>();
  for (const [name, g] of Object.entries(modelGraphs(model, input.fit, input.standardize, weights)) as [
    GraphName,
    Graph,
  ][]) {
    const file = `${name}.onnx`;
    files.set(file, g.encode(PACKAGE_VERSION, metadata));
    graphs[name] = { file, doc: g.doc, inputs: g.inputs, outputs: g.outputs };
  }
  const source: GraphSource = { model, standardize: input.standardize, weights };
  const view = (i: 0 | 1): ViewSpec => {
    const v = model.views[i],
      sd = observationSd(source, i);
    return {
      view: (i + 1) as 1 | 2,
      dim: v.dim,
      latent: v.latent,
      likelihood: v.likelihood,
      standardize: input.standardize[i],
      observationSd: sd && Array.from(sd),
    };
  };
  const manifest: Manifest = {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    package: `jpvae ${PACKAGE_VERSION}`,
    onnx: { opset: OPSET, irVersion: IR_VERSION, weights },
    model: {
      package: input.package,
      step: input.step,
      config: model.config,
      data: input.data,
      latentFit: { rows: input.fit.rows, split: input.fit.split },
    },
    views: [view(0), view(1)],
    draws: DRAWS,
    graphs,
  };
  files.set(MANIFEST, new TextEncoder().encode(jsonText(manifest, { indent: 1 })));
  return { manifest, files };
}

// Export a trained model as ONNX, in memory: every view's encoder and
// decoder, imputers (a mean imputer and a sampler per target, through the
// stored latent fit) and manifest.json: each view from all the others (for
// two views, each from the other), plus the subsets asked for
// (imputerSets). Returns the files' bytes by name; write-export.ts puts
// them on disk, a browser can offer them as downloads.

import { conditionalOf } from '../impute/block-conditional.ts';
import type { LatentFit } from '../impute/latent-fit.ts';
import type { Standardize } from '../data/views.ts';
import type { Jpvae } from '../model/jpvae.ts';
import type { ModelJson } from '../store/files.ts';
import { jsonText, snakeCaseKeys } from '../io/json-keys.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { crc32Hex } from '../io/crc32.ts';
import { withoutPaths } from './portable.ts';
import { IR_VERSION, OPSET, type Graph, type WeightType } from './graph.ts';
import {
  decoderGraph,
  encoderGraph,
  imputeGraph,
  imputerGraphNames,
  observationSd,
  sampleGraph,
  singleTarget,
  type GraphSource,
} from './jpvae-graphs.ts';
import {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  MANIFEST,
  PLAIN_EXPORT_VERSION,
  type GraphSpec,
  type ImputerSpec,
  type Manifest,
  type ViewSpec,
} from './manifest.ts';

/** An export's files by name, a plain object as a model's files are (toFiles). */
export type ExportFiles = Record<string, Uint8Array>;

/** What an export needs besides the model: the latent fit, each view's standardisation, and model.json's records. */
export interface ExportInput {
  fit: LatentFit;
  standardize: readonly (Standardize | null)[];
  data: Record<string, unknown>; // model.json's data record, copied into the manifest
  package: string; // the jpvae that trained the model
  step: number; // training steps taken
}

/** The ExportInput of a saved model (its model.json), which must hold a latent fit. */
export function exportInputOf(json: ModelJson): ExportInput {
  if (!json.latentFit) throw new Error('export: the model has no latent fit (training did not finish)');
  return {
    fit: json.latentFit,
    standardize: json.data.standardize,
    data: json.data,
    package: json.package,
    step: json.training?.state.step ?? 0,
  };
}

export const DRAWS =
  'sample_t_from_G draws z_t from the conditional of Eq. 12 given the views G (eps_t ~ N(0, I) through the Cholesky factor of its covariance) ' +
  "and decodes it; a Gaussian view adds its observation noise (observation_sd · noise_t), so K draws of a row are samples of the model's " +
  'predictive distribution p(x_t | x_G) (jpvae impute --draws predictive, the default). Fed noise_t = 0, the same graph gives the latent-only ' +
  'draws of --draws latent (the decoded latent draw, without the observation noise). A Bernoulli view gives the probabilities of each latent draw. ' +
  'A count view (poisson, nb) gives the expected counts e^η at size factor 1 of each latent draw, the latent draws of --draws latent: ' +
  "the graph draws no counts; a Poisson or negative binomial draw of those means (with the view's dispersion θ for nb) is left to the caller.";

/** One imputer of an export: target view from the given views, 1-based. */
export interface ImputerSet {
  given: number[];
  target: number;
}

/**
 * Which extra imputers an export writes besides each view from all
 * the others: 'pairs' adds every single view → each other view, 'all'
 * every non-empty set of other views → each view, and {given, target}
 * (1-based) one set.
 */
export type ImputerSubsets = 'pairs' | 'all' | ImputerSet;

/**
 * The imputers of an export, each once: every view from all the
 * others, then the extra `subsets`; ordered by target, then by given sets
 * larger first, then by their view numbers.
 */
export function imputerSets(m: number, subsets: readonly ImputerSubsets[] = []): ImputerSet[] {
  const views = Array.from({ length: m }, (_, i) => i + 1),
    sets = new Map<string, ImputerSet>();
  const add = (given: number[], target: number) => {
    given = [...given].sort((a, b) => a - b);
    if (!given.length || given.includes(target) || ![target, ...given].every((v) => views.includes(v)))
      throw new RangeError(`export: a subset needs a target view and other given views, from 1 to ${m}`);
    if (new Set(given).size !== given.length) throw new RangeError('export: a view is given twice');
    sets.set(`${target}:${given}`, { given, target });
  };
  for (const t of views)
    add(
      views.filter((v) => v !== t),
      t,
    );
  for (const s of subsets) {
    if (s === 'pairs') {
      for (const t of views) for (const g of views) if (g !== t) add([g], t);
    } else if (s === 'all') {
      for (const t of views) {
        const others = views.filter((v) => v !== t);
        for (let bits = 1; bits < 1 << others.length; bits++)
          add(
            others.filter((_, b) => bits & (1 << b)),
            t,
          );
      }
    } else add(s.given, s.target);
  }
  return [...sets.values()].sort(
    (a, b) =>
      a.target - b.target || b.given.length - a.given.length || a.given.join(',').localeCompare(b.given.join(',')),
  );
}

/** The graphs of a model: encoderI and decoderI for every view, the imputers of `sets`. */
export function modelGraphs(
  model: Jpvae,
  fit: LatentFit,
  standardize: GraphSource['standardize'],
  weights: WeightType,
  sets: readonly ImputerSet[],
): Record<string, Graph> {
  const s: GraphSource = { model, standardize, weights },
    graphs: Record<string, Graph> = {};
  model.views.forEach((_, i) => {
    graphs[`encoder${i + 1}`] = encoderGraph(s, i);
    graphs[`decoder${i + 1}`] = decoderGraph(s, i);
  });
  for (const { given, target } of sets) {
    const c = singleTarget(conditionalOf(fit, given, [target])); // 1-based views in, 0-based blocks out
    const names = imputerGraphNames(target, given);
    graphs[names.mean] = imputeGraph(s, c);
    graphs[names.sample] = sampleGraph(s, c);
  }
  return graphs;
}

const nullable = (x: ArrayLike<number> | null) => x && Array.from(x);

/** The files of graphs and a manifest (every graph's spec, each view's, the imputers) from the parts. */
function assemble(
  source: GraphSource,
  graphMap: Record<string, Graph>,
  imputers: readonly ImputerSet[],
  record: Manifest['model'],
  covariates: Manifest['covariates'],
): { manifest: Manifest; files: ExportFiles } {
  const model = { ...record, data: snakeCaseKeys(withoutPaths(record.data)) as Record<string, unknown> };
  const metadata = { 'jpvae.data': JSON.stringify(model.data), 'jpvae.model.step': String(model.step) };
  const graphs: Record<string, GraphSpec> = {},
    files: ExportFiles = {};
  for (const [name, g] of Object.entries(graphMap)) {
    const file = `${name}.onnx`,
      bytes = g.encode(PACKAGE_VERSION, metadata);
    files[file] = bytes;
    graphs[name] = {
      file,
      bytes: bytes.length,
      crc32: crc32Hex(bytes),
      doc: g.doc,
      inputs: g.inputs,
      outputs: g.outputs,
    };
  }
  const views = source.model.views.map((v, i): ViewSpec => {
    const sd = observationSd(source, i);
    return {
      view: i + 1,
      dim: v.dim,
      latent: v.latent,
      likelihood: snakeCaseKeys(v.likelihood) as ViewSpec['likelihood'],
      standardize: source.standardize[i],
      observation_sd: nullable(sd),
      dispersion: nullable(source.model.dispersion(i)),
    };
  });
  const imputerSpecs = imputers.map(({ given, target }): ImputerSpec => ({
    target,
    given,
    ...imputerGraphNames(target, given),
  }));
  const manifest: Manifest = {
    format: EXPORT_FORMAT,
    format_version: covariates?.length ? EXPORT_FORMAT_VERSION : PLAIN_EXPORT_VERSION,
    package: `jpvae ${PACKAGE_VERSION}`,
    onnx: { opset: OPSET, ir_version: IR_VERSION, weights: source.weights },
    model,
    views,
    ...(covariates?.length ? { covariates } : {}), // absent without covariates: such an export is as before
    draws: DRAWS,
    imputers: imputerSpecs,
    graphs,
  };
  files[MANIFEST] = new TextEncoder().encode(jsonText(manifest, { indent: 1 }));
  return { manifest, files };
}

/**
 * The export's files (NAME.onnx for each graph, and manifest.json) and its
 * manifest: encoders and decoders of every view, and impute_t_from_G /
 * sample_t_from_G for each imputer of imputerSets(M, subsets) (by default
 * each view from all the others). A model with covariates gives every graph
 * a `covariates` input (the design rows) and the manifest its covariates.
 */
export function buildExport(
  model: Jpvae,
  input: ExportInput,
  options: { weights?: WeightType; subsets?: readonly ImputerSubsets[] } = {},
): { manifest: Manifest; files: ExportFiles } {
  const weights = options.weights ?? 'float32',
    sets = imputerSets(model.m, options.subsets);
  const source: GraphSource = { model, standardize: input.standardize, weights };
  return assemble(
    source,
    modelGraphs(model, input.fit, input.standardize, weights, sets),
    sets,
    {
      package: input.package,
      step: input.step,
      config: snakeCaseKeys(model.config) as Manifest['model']['config'],
      data: input.data,
      latent_fit: { rows: input.fit.rows, split: 'train', complete: input.fit.complete },
    },
    model.config.covariates,
  );
}

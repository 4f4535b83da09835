// Export a trained model as ONNX: both encoders, both decoders, and both
// imputation graphs (through the stored latent fit), plus manifest.json.
// Each file is written atomically and the manifest last, so a directory
// with a manifest always holds a complete export.

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { conditional, type LatentFit } from '../impute/conditional.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { PACKAGE_VERSION, type ModelJson } from '../model/store.ts';
import { IR_VERSION, OPSET, type Graph, type WeightType } from './graph.ts';
import { decoderGraph, encoderGraph, imputeGraph, viewShape, type Params } from './jpvae-graphs.ts';
import { EXPORT_FORMAT, MANIFEST, type GraphName, type GraphSpec, type Manifest } from './manifest.ts';

/** May `dir` receive an export? It must be new, empty, or an earlier export (which is replaced). */
export function checkExportDir(dir: string, flag: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new InputError(`${flag} ${dir}: exists and is not a directory`);
  if (readdirSync(dir).length === 0) return;
  const manifest = join(dir, MANIFEST);
  let format: unknown;
  try { format = JSON.parse(readFileSync(manifest, 'utf8')).format; } catch { /* no or unreadable manifest: not ours */ }
  if (format !== EXPORT_FORMAT) throw new InputError(`${flag} ${dir}: exists and is not a jpvae export directory; refusing to write into it`);
}

/** The six graphs of a model, by manifest name. */
export function modelGraphs(model: Jpvae, fit: LatentFit, weights: WeightType): Record<GraphName, Graph> {
  const p: Params = { layout: model.layout, values: model.params(), weights };
  return {
    encoder1: encoderGraph(p, 1), encoder2: encoderGraph(p, 2),
    decoder1: decoderGraph(p, 1), decoder2: decoderGraph(p, 2),
    impute_2_from_1: imputeGraph(p, conditional(fit, 1)), impute_1_from_2: imputeGraph(p, conditional(fit, 0)),
  };
}

/** Write the export into `out` (checked with checkExportDir first); returns the manifest and each file's size. */
export function exportModel(model: Jpvae, json: ModelJson, fit: LatentFit, out: string, weights: WeightType = 'float32'): { manifest: Manifest; bytes: Record<string, number> } {
  mkdirSync(out, { recursive: true });
  const metadata = { 'jpvae.data': JSON.stringify(json.data), 'jpvae.model.step': String(json.training?.state.step ?? 0) };
  const graphs = {} as Record<GraphName, GraphSpec>, bytes: Record<string, number> = {};
  for (const [name, g] of Object.entries(modelGraphs(model, fit, weights)) as [GraphName, Graph][]) {
    const file = `${name}.onnx`, data = g.encode(PACKAGE_VERSION, metadata);
    writeFileAtomic(join(out, file), data);
    graphs[name] = { file, doc: g.doc, inputs: g.inputs, outputs: g.outputs };
    bytes[file] = data.length;
  }
  const manifest: Manifest = {
    format: EXPORT_FORMAT, formatVersion: 1, package: `jpvae ${PACKAGE_VERSION}`,
    onnx: { opset: OPSET, irVersion: IR_VERSION, weights },
    model: {
      package: json.package, step: json.training?.state.step ?? 0, config: json.config, data: json.data,
      latentFit: { rows: fit.rows, split: fit.split },
    },
    views: [viewShape(model.layout, 1), viewShape(model.layout, 2)],
    graphs,
  };
  const text = JSON.stringify(manifest, null, 1) + '\n';
  writeFileAtomic(join(out, MANIFEST), text);
  bytes[MANIFEST] = text.length;
  return { manifest, bytes };
}

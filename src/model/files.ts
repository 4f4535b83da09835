// A model directory's files as bytes, no file system (DESIGN.md "Model
// directory"): model.json (config, layout, data record, training state and
// history, package version), weights.safetensors (parameters by layout
// name) and, while a model can still be trained, train-state.safetensors
// (Adam's moments, for resuming). store.ts writes and reads them in a
// directory; the API's toFiles()/fromFiles() hand them over as they are,
// so a model moves between the CLI, Node and browsers unchanged. Both
// safetensors files carry the step count, so files from different
// checkpoints are detected.

import type { FloatArray } from '../core/heap.ts';
import { InputError } from '../errors.ts';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../io/safetensors.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { parameterCount } from './config.ts';
import type { Jpvae } from './jpvae.ts';
import { checkLayout, FORMAT, FORMAT_VERSION, validateModelJson, type ModelJson } from './model-json.ts';

export { FORMAT, type ModelJson } from './model-json.ts';
export const MODEL_JSON = 'model.json', WEIGHTS = 'weights.safetensors', TRAIN_STATE = 'train-state.safetensors';

/** A model's files by name: model.json as text, the safetensors as bytes. */
export type ModelFiles = Record<string, Uint8Array | string>;

/** What the optimiser state file holds: Adam's moments and step count. */
export interface Moments { moments(): { m: FloatArray; v: FloatArray }; step: number }

function tensorsOf(model: Jpvae, flat: FloatArray): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const e of model.layout.entries) out.set(e.name, { shape: e.shape, data: Float32Array.from(flat.subarray(e.offset, e.offset + e.size)) });
  return out;
}

/** The files of `model` (and of the optimiser, when given). */
export function encodeModel(model: Jpvae, extra: Pick<ModelJson, 'data' | 'training' | 'latentFit'>, adam?: Moments): ModelFiles {
  const step = String(extra.training?.state.step ?? 0);
  const files: ModelFiles = {};
  if (adam) {
    const { m, v } = adam.moments();
    const st = new Map<string, Tensor>([['adam.m', { shape: [m.length], data: Float32Array.from(m) }], ['adam.v', { shape: [v.length], data: Float32Array.from(v) }]]);
    files[TRAIN_STATE] = encodeSafetensors(st, { step });
  }
  files[WEIGHTS] = encodeSafetensors(tensorsOf(model, model.params()), { format: FORMAT, step });
  const json: ModelJson = {
    format: FORMAT, formatVersion: FORMAT_VERSION, package: `jpvae ${PACKAGE_VERSION}`,
    config: model.config,
    layout: model.layout.entries.map((e) => ({ name: e.name, shape: e.shape })),
    ...extra,
  };
  files[MODEL_JSON] = JSON.stringify(json, null, 1) + '\n';
  return files;
}

/** model.json's text, validated field by field (model-json.ts); `name` says where it came from in errors. */
export function parseModelJson(text: string, name: string): ModelJson {
  let json: unknown;
  try { json = JSON.parse(text); } catch { throw new InputError(`${name}: not valid JSON`); }
  return validateModelJson(json, name);
}

/** Before a model of json's config is allocated: are the weights (`bytes` long) at least that large? */
export function checkWeightsSize(bytes: number, json: ModelJson, weights: string): void {
  const params = parameterCount(json.config);
  if (bytes < 8 + 4 * params) throw new InputError(`${weights}: ${bytes} bytes, but ${MODEL_JSON}'s config has ${params} parameters (${4 * params} bytes of F32): the files do not belong together`);
}

/** Load weights.safetensors' bytes into a model built from json.config (`where`: the directory or source, for errors). */
export function decodeWeights(bytes: Uint8Array, json: ModelJson, model: Jpvae, where: string): void {
  checkLayout(json, model.layout.entries, `${where}/${MODEL_JSON}`);
  const step = String(json.training?.state.step ?? 0);
  const { tensors, metadata } = decodeSafetensors(bytes, `${where}/${WEIGHTS}`);
  if (metadata.step !== step) throw new InputError(`${where}: ${WEIGHTS} is from step ${metadata.step ?? '(none given)'} but ${MODEL_JSON} from step ${step} (interrupted save?)`);
  const params = model.params();
  for (const e of model.layout.entries) {
    const t = tensors.get(e.name);
    if (!t || t.shape.join() !== e.shape.join()) throw new InputError(`${where}/${WEIGHTS}: tensor ${e.name} ${t ? `has shape [${t.shape}]` : 'is missing'}, expected [${e.shape}]`);
    params.set(t.data, e.offset);
  }
  const extra = [...tensors.keys()].find((name) => !model.layout.entries.some((e) => e.name === name));
  if (extra) throw new InputError(`${where}/${WEIGHTS}: tensor '${extra}' is not in the model's layout`);
}

/** Load train-state.safetensors' bytes into the optimiser. */
export function decodeTrainState(bytes: Uint8Array, json: ModelJson, adam: Moments, where: string): void {
  const step = String(json.training?.state.step ?? 0);
  const st = decodeSafetensors(bytes, `${where}/${TRAIN_STATE}`);
  if (st.metadata.step !== step) throw new InputError(`${where}: ${TRAIN_STATE} is from step ${st.metadata.step ?? '(none given)'}, ${MODEL_JSON} from step ${step}`);
  const { m, v } = adam.moments();
  for (const [name, arr] of [['adam.m', m], ['adam.v', v]] as const) {
    const t = st.tensors.get(name);
    if (!t || t.data.length !== arr.length) throw new InputError(`${where}/${TRAIN_STATE}: ${name} missing or of the wrong size`);
    // The second moment is a mean of squares: a negative one would make Adam's step NaN.
    if (name === 'adam.v' && t.data.some((x) => x < 0)) throw new InputError(`${where}/${TRAIN_STATE}: adam.v holds a negative second moment`);
    arr.set(t.data);
  }
  adam.step = Number(step);
}

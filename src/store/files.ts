// A model directory's files as bytes, no file system (ARCHITECTURE.md "Model
// directory"): model.json (config, layout, data record, training state and
// history, package version) and the files it names by step and checksum:
// weights-<step>-<crc32>.safetensors (parameters by layout name) and, while
// a model can still be trained, train-state-<step>-<crc32>.safetensors
// (Adam's moments, for resuming). model.json is written last and is the
// one switch from a checkpoint to the next (store.ts); a reader checks each
// file's size and checksum against it, so a file of another checkpoint, or
// a torn one, is refused. The API's toFiles()/fromFiles() hand the files
// over as they are, so a model moves between the CLI, Node and browsers
// unchanged. Field names are snake_case on disk and camelCase in the code
// (io/json-keys.ts). Every older model.json loads through an upgrade
// (store/upgrade.ts); version 1 directories name their files
// weights.safetensors and train-state.safetensors, without checksums.

import type { FloatArray } from '../core/heap.ts';
import { InputError } from '../errors.ts';
import { crc32Hex } from '../io/crc32.ts';
import { jsonText } from '../io/json-keys.ts';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../io/safetensors.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { parameterCount } from '../model/config.ts';
import { Jpvae } from '../model/jpvae.ts';
import { checkUsable } from '../model/usable.ts';
import { createKernels, type BackendChoice } from '../core/index.ts';
import type { LayoutEntry } from '../model/layout.ts';
import {
  checkLayout,
  FORMAT,
  FORMAT_VERSION,
  parseJsonText,
  validateModelJson,
  type CheckpointFile,
  type ModelJson,
} from './model-json.ts';

export { CHECKPOINT_FILE, FORMAT, type ModelJson } from './model-json.ts';

export const MODEL_JSON = 'model.json';
/**
 * Rows per batch of a model read from its files (evaluation, imputation):
 * one size everywhere, so that a model's sampled-z metrics are drawn in the
 * same batches in jpvae eval and in the library.
 */
export const LOADED_MODEL_ROWS = 256;
/** The fixed names of formatVersion 1's files. */
export const WEIGHTS = 'weights.safetensors',
  TRAIN_STATE = 'train-state.safetensors';

/** A model's files by name: model.json as text, the safetensors as bytes. */
export type ModelFiles = Record<string, Uint8Array | string>;

/** A file's contents as bytes (model.json may be held as text). */
export const asBytes = (f: Uint8Array | string): Uint8Array =>
  typeof f === 'string' ? new TextEncoder().encode(f) : f;

/** A file of `files`, or one clear line naming what is missing. */
export function fileOf(files: ModelFiles, name: string, where: string, kind: 'text'): string;
export function fileOf(files: ModelFiles, name: string, where: string, kind: 'bytes'): Uint8Array;
export function fileOf(files: ModelFiles, name: string, where: string, kind: 'text' | 'bytes'): string | Uint8Array {
  const f = files[name];
  if (f === undefined) throw new InputError(`${where}: no ${name}`);
  if (kind === 'text') return typeof f === 'string' ? f : new TextDecoder().decode(f);
  return asBytes(f);
}

/** What the optimiser state file holds: Adam's moments and step count. */
export interface Moments {
  moments(): { m: FloatArray; v: FloatArray };
  step: number;
}

/** The entries of a layout with their values in `flat`, as safetensors tensors. */
function tensorsOf(entries: readonly LayoutEntry[], flat: FloatArray): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const e of entries)
    out.set(e.name, { shape: e.shape, data: Float32Array.from(flat.subarray(e.offset, e.offset + e.size)) });
  return out;
}

/** A checkpoint file named by its step and checksum, as model.json lists it. */
function named(kind: 'weights' | 'train-state', step: string, bytes: Uint8Array): CheckpointFile {
  const crc32 = crc32Hex(bytes);
  return { name: `${kind}-${step}-${crc32}.safetensors`, bytes: bytes.length, crc32 };
}

/** What a save adds to model.json's head (format, package, config, layout, files): the data record, the training state and history, the latent fit. */
export type ModelExtra = Pick<ModelJson, 'data' | 'training' | 'latentFit'>;

/**
 * A checkpoint of `model` at its training step: the safetensors files (the
 * parameters by layout name, the format in the header, and the optimiser's
 * moments when given, or a train-state file's bytes as they are) and
 * model.json, naming them.
 */
export function encodeModel(model: Jpvae, extra: ModelExtra, adam?: Moments | Uint8Array): ModelFiles {
  const entries = model.layout.entries,
    at = String(extra.training?.state.step ?? 0),
    files: ModelFiles = {};
  const weights = encodeSafetensors(tensorsOf(entries, model.params()), { format: FORMAT, step: at }),
    wRef = named('weights', at, weights);
  files[wRef.name] = weights;
  let sRef: CheckpointFile | undefined;
  if (adam) {
    let state = adam as Uint8Array;
    if (!(adam instanceof Uint8Array)) {
      const { m, v } = adam.moments();
      const st = new Map<string, Tensor>([
        ['adam.m', { shape: [m.length], data: Float32Array.from(m) }],
        ['adam.v', { shape: [v.length], data: Float32Array.from(v) }],
      ]);
      state = encodeSafetensors(st, { step: at });
    }
    sRef = named('train-state', at, state);
    files[sRef.name] = state;
  }
  const json: ModelJson = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    package: `jpvae ${PACKAGE_VERSION}`,
    config: model.config,
    layout: entries.map((e) => ({ name: e.name, shape: e.shape })),
    ...extra,
    files: { weights: wRef, ...(sRef ? { trainState: sRef } : {}) },
  };
  files[MODEL_JSON] = jsonText(json, { indent: 1 });
  return files;
}

/** The names of a model's other files (from formatVersion 2 with their sizes and checksums). */
export function filesOf(json: Pick<ModelJson, 'files'>): {
  weights: Partial<CheckpointFile> & { name: string };
  trainState?: Partial<CheckpointFile> & { name: string };
} {
  return json.files ?? { weights: { name: WEIGHTS }, trainState: { name: TRAIN_STATE } };
}

/** Are `bytes` the file model.json names as `ref` (its size and checksum, where given)? `path` names it in errors. */
export function checkFile(ref: Partial<CheckpointFile>, bytes: Uint8Array, path: string): void {
  if (ref.bytes !== undefined && bytes.length !== ref.bytes)
    throw new InputError(
      `${path}: ${bytes.length} bytes, but ${MODEL_JSON} says ${ref.bytes} (truncated, or a file of another checkpoint)`,
    );
  if (ref.crc32 !== undefined && crc32Hex(bytes) !== ref.crc32)
    throw new InputError(
      `${path}: checksum ${crc32Hex(bytes)}, but ${MODEL_JSON} says ${ref.crc32} (the file is corrupt)`,
    );
}

/** model.json's text, validated field by field (model-json.ts); `name` says where it came from in errors. */
export function parseModelJson(text: string, name: string): ModelJson {
  return validateModelJson(parseJsonText(text, name), name);
}

/**
 * The model of `files` (model.json and the weights it names) on `backend`'s
 * kernels, in batches of LOADED_MODEL_ROWS; the weights' size is checked
 * before a model of the config's size is allocated. `where` names the
 * files' source in errors.
 */
export function decodeModel(
  files: ModelFiles,
  backend: BackendChoice,
  where: string,
  threads = false,
): { net: Jpvae; json: ModelJson } {
  const json = parseModelJson(fileOf(files, MODEL_JSON, where, 'text'), `${where}/${MODEL_JSON}`);
  const ref = filesOf(json).weights,
    weights = fileOf(files, ref.name, where, 'bytes');
  checkWeightsSize(weights.length, json, `${where}/${ref.name}`);
  const net = new Jpvae(createKernels(backend, { threads }), json.config, LOADED_MODEL_ROWS);
  decodeWeights(weights, json, net, where);
  return { net, json };
}

/** Before a model of json's config is allocated: are the weights (`bytes` long) at least that large? */
export function checkWeightsSize(bytes: number, json: ModelJson, weights: string): void {
  const params = parameterCount(json.config);
  if (bytes < 8 + 4 * params)
    throw new InputError(
      `${weights}: ${bytes} bytes, but ${MODEL_JSON}'s config has ${params} parameters (${4 * params} bytes of F32): the files do not belong together`,
    );
}

/** Load the weights file's bytes into a model built from json.config (`where`: the directory or source, for errors). */
export function decodeWeights(bytes: Uint8Array, json: ModelJson, model: Jpvae, where: string): void {
  checkLayout(json, model.layout.entries, `${where}/${MODEL_JSON}`);
  decodeParams(bytes, filesOf(json).weights, json.training?.state.step, model.layout.entries, model.params(), where);
  checkUsable(model, where);
}

/**
 * The weights file `ref` names, checked (size, checksum, step, every
 * tensor of the layout and no other), into `params` at the layout's offsets.
 */
export function decodeParams(
  bytes: Uint8Array,
  ref: Partial<CheckpointFile> & { name: string },
  step: number | undefined,
  entries: readonly LayoutEntry[],
  params: FloatArray,
  where: string,
): void {
  const path = `${where}/${ref.name}`;
  checkFile(ref, bytes, path);
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  // A checkpoint is written as one set (store.ts), so steps that differ were never saved together.
  if (metadata.step !== String(step ?? 0))
    throw new InputError(
      step === undefined
        ? `${where}/${MODEL_JSON}: has no training section, but its weights ${ref.name} are from step ${metadata.step ?? '(none given)'}; a trained model's ${MODEL_JSON} has one (edited or damaged?)`
        : `${path}: from step ${metadata.step ?? '(none given)'} but ${MODEL_JSON} from step ${step}: the two were not saved together (a file copied in from another checkpoint?)`,
    );
  for (const e of entries) {
    const t = tensors.get(e.name);
    if (!t || t.shape.join() !== e.shape.join())
      throw new InputError(
        `${path}: tensor ${e.name} ${t ? `has shape [${t.shape}]` : 'is missing'}, expected [${e.shape}]`,
      );
    params.set(t.data, e.offset);
  }
  const extra = [...tensors.keys()].find((name) => !entries.some((e) => e.name === name));
  if (extra) throw new InputError(`${path}: tensor '${extra}' is not in the model's layout`);
}

/** Load the train-state file's bytes into the optimiser. */
export function decodeTrainState(bytes: Uint8Array, json: ModelJson, adam: Moments, where: string): void {
  decodeMoments(bytes, filesOf(json).trainState, json.training?.state.step ?? 0, adam, where);
}

/** The train-state file `ref` names, checked (size, checksum, step, both moments), into the optimiser. */
export function decodeMoments(
  bytes: Uint8Array,
  ref: (Partial<CheckpointFile> & { name: string }) | undefined,
  step: number,
  adam: Moments,
  where: string,
): void {
  if (!ref)
    throw new InputError(
      `${where}/${MODEL_JSON}: names no train-state file (the model was saved without its optimiser state)`,
    );
  const path = `${where}/${ref.name}`;
  checkFile(ref, bytes, path);
  const st = decodeSafetensors(bytes, path);
  if (st.metadata.step !== String(step))
    throw new InputError(`${path}: from step ${st.metadata.step ?? '(none given)'}, ${MODEL_JSON} from step ${step}`);
  const { m, v } = adam.moments();
  if (st.tensors.size !== 2)
    throw new InputError(`${path}: expected the two tensors adam.m and adam.v, got ${st.tensors.size}`);
  for (const [name, arr] of [
    ['adam.m', m],
    ['adam.v', v],
  ] as const) {
    const t = st.tensors.get(name);
    if (!t || t.data.length !== arr.length) throw new InputError(`${path}: ${name} missing or of the wrong size`);
    // The second moment is a mean of squares: a negative one would make Adam's step NaN.
    if (name === 'adam.v' && t.data.some((x) => x < 0))
      throw new InputError(`${path}: adam.v holds a negative second moment`);
    arr.set(t.data);
  }
  adam.step = step;
}

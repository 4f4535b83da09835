// The model directory on disk (Node): the files of model/files.ts, each
// replaced atomically, weights before model.json; both carry the step
// count, so a mismatch (a crash between two renames) is detected. Every
// file's size is bounded before it is read.

import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { MAX_HEADER_BYTES } from '../io/safetensors.ts';
import { onPath } from '../io/fs-error.ts';
import { parameterCount } from './config.ts';
import type { Jpvae } from './jpvae.ts';
import {
  checkWeightsSize, decodeTrainState, decodeWeights, encodeModel, parseModelJson, MODEL_JSON, TRAIN_STATE, WEIGHTS,
  type ModelFiles, type ModelJson, type Moments,
} from './files.ts';

export { FORMAT, type ModelJson } from './files.ts';

/** Is `dir` a directory we may write a model into? New, empty, or a model directory (with `replace`). */
export function checkOutDir(dir: string, flag: string, replace: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new InputError(`${flag} ${dir}: exists and is not a directory`);
  if (readdirSync(dir).length === 0) return;
  if (!existsSync(join(dir, MODEL_JSON))) throw new InputError(`${flag} ${dir}: exists and is not a jpvae model directory; refusing to write into it`);
  if (!replace) throw new InputError(`${flag} ${dir}: already holds a model; pass --force to replace it, or --resume ${dir} to continue it`);
}

/** Write a model's files into `dir`: the optimiser state and weights first, model.json last. */
export function writeModelFiles(dir: string, files: ModelFiles): void {
  mkdirSync(dir, { recursive: true });
  for (const name of [TRAIN_STATE, WEIGHTS, MODEL_JSON]) if (files[name] !== undefined) writeFileAtomic(join(dir, name), files[name]);
}

export function saveModel(dir: string, model: Jpvae, extra: Pick<ModelJson, 'data' | 'training' | 'latentFit'>, adam?: Moments): void {
  writeModelFiles(dir, encodeModel(model, extra, adam));
}

/** model.json past this size is refused unread (a model's is a few hundred KB; 1 M standardised features make 40 MB). */
const MAX_MODEL_JSON_BYTES = 64 << 20;

/** A file's bytes, refused unread when larger than `max`; file-system problems as one line naming it. */
function readBounded(path: string, max: number, flag?: string): Buffer {
  return onPath(path, () => {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (st.size > max) throw new InputError(`${path}: ${st.size} bytes, more than the ${max} a model file of this size can have`);
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  }, flag, 'cannot read');
}

function readModelText(dir: string, flag: string): string {
  const path = join(dir, MODEL_JSON);
  if (!existsSync(path)) throw new InputError(`${flag} ${dir}: not a jpvae model directory (no ${MODEL_JSON})`);
  try { return new TextDecoder('utf-8', { fatal: true }).decode(readBounded(path, MAX_MODEL_JSON_BYTES, flag)); } catch (e) {
    if (e instanceof Error && e.name !== 'TypeError') throw e;
    throw new InputError(`${path}: not valid JSON`);
  }
}

/** model.json of a model directory, validated field by field (model-json.ts) before anything uses it. */
export function readModelJson(dir: string, flag = '--model'): ModelJson {
  const model = parseModelJson(readModelText(dir, flag), join(dir, MODEL_JSON));
  // Before any caller allocates a model of the config's size: the weights must be at least that large.
  const weights = join(dir, WEIGHTS);
  checkWeightsSize(onPath(weights, () => statSync(weights), flag, 'cannot read').size, model, weights);
  return model;
}

/** A safetensors file of a model with `floats` values: its size is bounded before it is read. */
function readTensorBytes(path: string, floats: number): Uint8Array {
  if (!existsSync(path)) throw new InputError(`${path}: missing`);
  return readBounded(path, 8 + MAX_HEADER_BYTES + 4 * floats);
}

/** A model directory's files, as model/files.ts decodes them (train-state only when present). */
export function readModelFiles(dir: string, flag = '--model'): ModelFiles {
  const json = readModelJson(dir, flag), params = parameterCount(json.config);
  const files: ModelFiles = { [MODEL_JSON]: readModelText(dir, flag), [WEIGHTS]: readTensorBytes(join(dir, WEIGHTS), params) };
  if (existsSync(join(dir, TRAIN_STATE))) files[TRAIN_STATE] = readTensorBytes(join(dir, TRAIN_STATE), 2 * params);
  return files;
}

/** Load the weights (and, with adam, its moments) of a saved model into a model built from its config. */
export function loadWeights(dir: string, json: ModelJson, model: Jpvae, adam?: Moments): void {
  decodeWeights(readTensorBytes(join(dir, WEIGHTS), model.layout.size), json, model, dir);
  if (adam) decodeTrainState(readTensorBytes(join(dir, TRAIN_STATE), 2 * model.layout.size), json, adam, dir);
}

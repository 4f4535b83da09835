// The model directory (DESIGN.md): model.json (config, layout, training
// state and history, package version) + weights.safetensors (parameters by
// layout name) + train-state.safetensors (Adam moments, for --resume).
// Files are replaced atomically, weights before model.json; both carry the
// step count, so a mismatch (a crash between two renames) is detected.

import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../io/safetensors.ts';
import type { Jpvae } from './jpvae.ts';
import { checkLayout, FORMAT, FORMAT_VERSION, validateModelJson, type ModelJson } from './model-json.ts';
import { parameterCount } from './config.ts';
import { MAX_HEADER_BYTES } from '../io/safetensors.ts';
import { onPath } from '../io/fs-error.ts';
import type { Adam } from '../train/adam.ts';

export { FORMAT, type ModelJson } from './model-json.ts';
export { PACKAGE_VERSION }; // (until src/onnx imports it from version.ts)

const MODEL_JSON = 'model.json', WEIGHTS = 'weights.safetensors', TRAIN_STATE = 'train-state.safetensors';

/** Is `dir` a directory we may write a model into? New, empty, or a model directory (with `replace`). */
export function checkOutDir(dir: string, flag: string, replace: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new InputError(`${flag} ${dir}: exists and is not a directory`);
  if (readdirSync(dir).length === 0) return;
  if (!existsSync(join(dir, MODEL_JSON))) throw new InputError(`${flag} ${dir}: exists and is not a jpvae model directory; refusing to write into it`);
  if (!replace) throw new InputError(`${flag} ${dir}: already holds a model; pass --force to replace it, or --resume ${dir} to continue it`);
}

function tensorsOf(model: Jpvae, flat: Float32Array | Float64Array): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const e of model.layout.entries) out.set(e.name, { shape: e.shape, data: Float32Array.from(flat.subarray(e.offset, e.offset + e.size)) });
  return out;
}

export function saveModel(dir: string, model: Jpvae, extra: Pick<ModelJson, 'data' | 'training' | 'latentFit'>, adam?: Adam): void {
  mkdirSync(dir, { recursive: true });
  const step = String(extra.training?.state.step ?? 0);
  if (adam) {
    const { m, v } = adam.moments();
    const st = new Map<string, Tensor>([['adam.m', { shape: [m.length], data: Float32Array.from(m) }], ['adam.v', { shape: [v.length], data: Float32Array.from(v) }]]);
    writeFileAtomic(join(dir, TRAIN_STATE), encodeSafetensors(st, { step }));
  }
  writeFileAtomic(join(dir, WEIGHTS), encodeSafetensors(tensorsOf(model, model.params()), { format: FORMAT, step }));
  const json: ModelJson = {
    format: FORMAT, formatVersion: FORMAT_VERSION, package: `jpvae ${PACKAGE_VERSION}`,
    config: model.config,
    layout: model.layout.entries.map((e) => ({ name: e.name, shape: e.shape })),
    ...extra,
  };
  writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json, null, 1) + '\n');
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

/** model.json of a model directory, validated field by field (model-json.ts) before anything uses it. */
export function readModelJson(dir: string, flag = '--model'): ModelJson {
  const path = join(dir, MODEL_JSON);
  if (!existsSync(path)) throw new InputError(`${flag} ${dir}: not a jpvae model directory (no ${MODEL_JSON})`);
  let json: unknown;
  try { json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readBounded(path, MAX_MODEL_JSON_BYTES, flag))); } catch (e) {
    if (e instanceof Error && e.name !== 'SyntaxError' && e.name !== 'TypeError') throw e;
    throw new InputError(`${path}: not valid JSON`);
  }
  const model = validateModelJson(json, path);
  // Before any caller allocates a model of the config's size: the weights must be at least that large.
  const weights = join(dir, WEIGHTS), params = parameterCount(model.config);
  const size = onPath(weights, () => statSync(weights), flag, 'cannot read').size;
  if (size < 8 + 4 * params) throw new InputError(`${weights}: ${size} bytes, but ${MODEL_JSON}'s config has ${params} parameters (${4 * params} bytes of F32): the files do not belong together`);
  return model;
}

/** A safetensors file of a model with `floats` values: its size is bounded before it is read. */
function readTensors(path: string, floats: number): ReturnType<typeof decodeSafetensors> {
  if (!existsSync(path)) throw new InputError(`${path}: missing`);
  return decodeSafetensors(readBounded(path, 8 + MAX_HEADER_BYTES + 4 * floats), path);
}

/** Load the weights (and, with adam, its moments) of a saved model into a model built from its config. */
export function loadWeights(dir: string, json: ModelJson, model: Jpvae, adam?: Adam): void {
  checkLayout(json, model.layout.entries, join(dir, MODEL_JSON));
  const step = String(json.training?.state.step ?? 0);
  const { tensors, metadata } = readTensors(join(dir, WEIGHTS), model.layout.size);
  if (metadata.step !== step) throw new InputError(`${dir}: ${WEIGHTS} is from step ${metadata.step ?? '(none given)'} but ${MODEL_JSON} from step ${step} (interrupted save?)`);
  const params = model.params();
  for (const e of model.layout.entries) {
    const t = tensors.get(e.name);
    if (!t || t.shape.join() !== e.shape.join()) throw new InputError(`${dir}/${WEIGHTS}: tensor ${e.name} ${t ? `has shape [${t.shape}]` : 'is missing'}, expected [${e.shape}]`);
    params.set(t.data, e.offset);
  }
  const extra = [...tensors.keys()].find((name) => !model.layout.entries.some((e) => e.name === name));
  if (extra) throw new InputError(`${dir}/${WEIGHTS}: tensor '${extra}' is not in the model's layout`);
  if (!adam) return;
  const st = readTensors(join(dir, TRAIN_STATE), 2 * model.layout.size);
  if (st.metadata.step !== step) throw new InputError(`${dir}: ${TRAIN_STATE} is from step ${st.metadata.step ?? '(none given)'}, ${MODEL_JSON} from step ${step}`);
  const { m, v } = adam.moments();
  for (const [name, arr] of [['adam.m', m], ['adam.v', v]] as const) {
    const t = st.tensors.get(name);
    if (!t || t.data.length !== arr.length) throw new InputError(`${dir}/${TRAIN_STATE}: ${name} missing or of the wrong size`);
    // The second moment is a mean of squares: a negative one would make Adam's step NaN.
    if (name === 'adam.v' && t.data.some((x) => x < 0)) throw new InputError(`${dir}/${TRAIN_STATE}: adam.v holds a negative second moment`);
    arr.set(t.data);
  }
  adam.step = Number(step);
}

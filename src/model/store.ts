// The model directory (DESIGN.md): model.json (config, layout, training
// state and history, package version) + weights.safetensors (parameters by
// layout name) + train-state.safetensors (Adam moments, for --resume).
// Files are replaced atomically, weights before model.json; both carry the
// step count, so a mismatch (a crash between two renames) is detected.

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../io/safetensors.ts';
import type { Jpvae } from './jpvae.ts';
import type { ModelConfig } from './config.ts';
import type { TrainState } from '../train/trainer.ts';
import type { Adam } from '../train/adam.ts';

export const FORMAT = 'jpvae-model';
export { PACKAGE_VERSION }; // (until src/onnx imports it from version.ts)

export interface ModelJson {
  format: typeof FORMAT;
  formatVersion: 1;
  package: string;
  config: ModelConfig;
  layout: { name: string; shape: number[] }[];
  data: Record<string, unknown>; // where the training data came from and how it was preprocessed
  training?: { options: Record<string, unknown>; state: TrainState };
  latentFit?: unknown;
}

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
    format: FORMAT, formatVersion: 1, package: `jpvae ${PACKAGE_VERSION}`,
    config: model.config,
    layout: model.layout.entries.map((e) => ({ name: e.name, shape: e.shape })),
    ...extra,
  };
  writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json, null, 1) + '\n');
}

export function readModelJson(dir: string, flag = '--model'): ModelJson {
  const path = join(dir, MODEL_JSON);
  if (!existsSync(path)) throw new InputError(`${flag} ${dir}: not a jpvae model directory (no ${MODEL_JSON})`);
  let json: ModelJson;
  try { json = JSON.parse(readFileSync(path, 'utf8')); } catch { throw new InputError(`${path}: not valid JSON`); }
  if (json.format !== FORMAT) throw new InputError(`${path}: not a jpvae model (format '${json.format}')`);
  return json;
}

function readTensors(path: string): ReturnType<typeof decodeSafetensors> {
  if (!existsSync(path)) throw new InputError(`${path}: missing`);
  return decodeSafetensors(readFileSync(path), path);
}

/** Load the weights (and, with adam, its moments) of a saved model into a model built from its config. */
export function loadWeights(dir: string, json: ModelJson, model: Jpvae, adam?: Adam): void {
  const step = String(json.training?.state.step ?? 0);
  const { tensors, metadata } = readTensors(join(dir, WEIGHTS));
  if (metadata.step !== step) throw new InputError(`${dir}: ${WEIGHTS} is from step ${metadata.step} but ${MODEL_JSON} from step ${step} (interrupted save?)`);
  const params = model.params();
  for (const e of model.layout.entries) {
    const t = tensors.get(e.name);
    if (!t || t.shape.join() !== e.shape.join()) throw new InputError(`${dir}/${WEIGHTS}: tensor ${e.name} ${t ? `has shape ${t.shape}` : 'is missing'}, expected ${e.shape}`);
    params.set(t.data, e.offset);
  }
  if (!adam) return;
  const st = readTensors(join(dir, TRAIN_STATE));
  if (st.metadata.step !== step) throw new InputError(`${dir}: ${TRAIN_STATE} is from step ${st.metadata.step}, ${MODEL_JSON} from step ${step}`);
  const { m, v } = adam.moments();
  for (const [name, arr] of [['adam.m', m], ['adam.v', v]] as const) {
    const t = st.tensors.get(name);
    if (!t || t.data.length !== arr.length) throw new InputError(`${dir}/${TRAIN_STATE}: ${name} missing or of the wrong size`);
    arr.set(t.data);
  }
  adam.step = Number(step);
}

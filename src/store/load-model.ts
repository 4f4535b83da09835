// Load a saved model directory (Node), read consistently while a trainer
// may be switching it to its next checkpoint.

import { createKernels, type BackendChoice } from '../core/index.ts';
import { VALUE_LABELS } from '../data/labels.ts';
import { Jpvae } from '../model/jpvae.ts';
import { loadWeights, readModelJson, rereadOnSwitch, type ModelJson } from './store.ts';
import { LOADED_MODEL_ROWS } from './files.ts';

/** How loadModel builds the model: its kernels, its batch size, and how errors name the directory. */
export interface LoadModelOptions {
  backend?: BackendChoice; // default wasm
  maxRows?: number; // rows per batch (default LOADED_MODEL_ROWS)
  threads?: boolean; // on a threads build, for a pool to join (default false)
  label?: string; // names the directory in errors (default "the model directory")
}

/** The model in `dir`, read consistently while a trainer may be switching it to its next checkpoint. */
export function loadModel(
  dir: string,
  { backend = 'wasm', maxRows = LOADED_MODEL_ROWS, threads = false, label = VALUE_LABELS.model }: LoadModelOptions = {},
): { model: Jpvae; json: ModelJson } {
  return rereadOnSwitch(dir, () => {
    const json = readModelJson(dir, label),
      model = new Jpvae(createKernels(backend, { threads }), json.config, maxRows);
    loadWeights(dir, json, model);
    return { model, json };
  });
}

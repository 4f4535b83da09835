// Load a saved model and the data it was trained on (as model.json records it).

import { createKernels, type BackendChoice } from '../core/index.ts';
import type { TwoViewData } from '../data/dataset.ts';
import { loadHvdMnist } from '../data/hvdmnist.ts';
import { InputError } from '../errors.ts';
import { Jpvae } from '../model/jpvae.ts';
import { loadWeights, readModelJson, type ModelJson } from '../model/store.ts';

export function loadModel(dir: string, backend: BackendChoice = 'wasm', maxRows = 256): { model: Jpvae; json: ModelJson } {
  const json = readModelJson(dir);
  const model = new Jpvae(createKernels(backend), json.config, maxRows);
  loadWeights(dir, json, model);
  return { model, json };
}

/** The split of the data set a model was trained on. */
export function modelData(json: ModelJson, split: 'train' | 'test', dir: string): TwoViewData {
  if (json.data.dataset !== 'hvdmnist') throw new InputError(`--model ${dir}: trained on '${json.data.dataset}': pass its files with --view1/--view2`);
  return loadHvdMnist(split, Number(json.data.trainRows));
}

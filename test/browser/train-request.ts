// A browser threads test's training run, the same code in the page (and its
// worker) and in Node, so that both sides call fit() alike.

import { fit } from '../../src/index.ts';
import { Rng } from '../../src/data/rng.ts';

export interface TrainRequest {
  /** The rows of both views (row-major), or `random` rows of 392 + 392 Bernoulli(0.2) pixels (hvdMNIST's shape) from a fixed seed. */
  views: { view1: number[]; view2: number[]; width: number } | { random: number };
  threads: number;
  seed: number;
  epochs: number;
  hidden: number[];
  latent: number;
}
export interface TrainOutcome {
  weights: string; // base64 of the weights file
  warnings: string[];
  epochEnds: number[]; // performance.now() at each epoch's end
  rows: number;
  backend: string; // the kernels' build
}

function requestViews(v: TrainRequest['views']) {
  if (!('random' in v)) return { view1: { data: v.view1, width: v.width }, view2: { data: v.view2, width: v.width } };
  const rng = new Rng(7),
    pixels = () => Float32Array.from({ length: v.random * 392 }, () => (rng.uniform() < 0.2 ? 1 : 0));
  return { view1: { data: pixels(), width: 392 }, view2: { data: pixels(), width: 392 } };
}

export async function trainRequest(r: TrainRequest): Promise<TrainOutcome> {
  const views = requestViews(r.views),
    warnings: string[] = [],
    epochEnds: number[] = [];
  const model = await fit(views, {
    threads: r.threads,
    seed: r.seed,
    epochs: r.epochs,
    hidden: r.hidden,
    latent: r.latent,
    holdout: 0,
    onWarning: (w) => warnings.push(w),
    onEpoch: () => epochEnds.push(performance.now()),
  });
  let binary = '';
  for (const b of model.toFiles()[model.json.files!.weights.name] as Uint8Array) binary += String.fromCharCode(b);
  return {
    weights: btoa(binary),
    warnings,
    epochEnds,
    rows: views.view1.data.length / views.view1.width,
    backend: model.net.k.name,
  };
}

// Training throughput: samples per second of full training steps (forward,
// backward, Adam) of the reference model (392→512→512→20 per view, batch
// 32, orthogonal prior) on random binary rows, per backend, one thread.

import { createKernels, type BackendChoice } from '../core/index.ts';
import { Rng } from '../data/rng.ts';
import type { ModelConfig } from '../model/config.ts';
import { Jpvae } from '../model/jpvae.ts';
import { Adam, ADAM_DEFAULTS } from '../train/adam.ts';

export const REFERENCE_CONFIG: ModelConfig = {
  dims: [392, 392], hidden: [512, 512], latent: [20, 20], prior: { kind: 'orthogonal', alpha: 0.95, flips: 0 },
};

/** Best-of-rounds samples/s of training steps; each round runs for about `seconds`. */
export function trainSamplesPerSecond(backend: BackendChoice, seconds: number, config = REFERENCE_CONFIG, batch = 32, rounds = 3): number {
  const k = createKernels(backend);
  const model = new Jpvae(k, config, batch);
  const rng = new Rng(1);
  model.initParams(rng);
  const adam = new Adam(k, model.layout.size, ADAM_DEFAULTS);
  const rows = Uint32Array.from({ length: batch }, (_, i) => i);
  for (const i of [0, 1] as const) {
    const x = Float32Array.from({ length: batch * config.dims[i] }, () => (rng.uniform() < 0.2 ? 1 : 0));
    model.setInput(i, x, rows);
  }
  const step = () => { model.setNoise(batch, rng); model.loss(batch, 1, true); adam.update(model.P, model.G); };
  step(); // warm-up: compile tiers, touch memory
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let steps = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < seconds * 1000) { step(); steps++; t = performance.now(); }
    best = Math.max(best, (steps * batch) / ((t - t0) / 1000));
  }
  return best;
}

/**
 * Floating-point operations of one training sample in the dense layers:
 * forward X·W (2·nIn·nOut each), backward dW = Xᵀ·dY for every layer and
 * dX = dY·Wᵀ for every layer but each encoder's first. With the GEMM rate
 * this bounds the training rate from above.
 */
export function trainFlopsPerSample(config = REFERENCE_CONFIG): number {
  const model = new Jpvae(createKernels('js'), config, 1);
  let flops = 0;
  for (const v of model.views) {
    for (const l of [...v.encoder, v.muHead, v.lvHead, ...v.decoder]) {
      const first = l === v.encoder[0];
      flops += 2 * l.nIn * l.nOut * (first ? 2 : 3);
    }
  }
  return flops;
}

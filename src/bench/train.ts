// Training throughput: samples per second of full training steps (forward,
// backward, Adam) of the reference model (392→512→512→20 per view, batch
// 32, orthogonal prior) on random binary rows, per backend, one thread;
// and the rate the GEMM bench allows at best.

import { createKernels, type Kernels } from '../core/index.ts';
import { Rng } from '../data/rng.ts';
import type { ModelConfig } from '../model/config.ts';
import { Jpvae } from '../model/jpvae.ts';
import { Adam, ADAM_DEFAULTS } from '../train/adam.ts';
import type { ViewData } from '../data/view-data.ts';
import type { GemmResult } from './gemm.ts';
import { benchBackends, bestRate, round } from './rate.ts';

export const REFERENCE_CONFIG: ModelConfig = {
  dims: [392, 392],
  hidden: [512, 512],
  latent: [20, 20],
  prior: { kind: 'orthogonal', alpha: 0.95, flips: 0 },
};
export const BATCH = 32;

/**
 * The trainer's own step (load the batch, ε, forward, backward, Adam) on
 * the reference model and random binary rows, with the model and optimiser
 * it steps (for the threads bench to put on threads).
 */
export function referenceTraining(k: Kernels): { model: Jpvae; adam: Adam; step: () => void } {
  const model = new Jpvae(k, REFERENCE_CONFIG, BATCH);
  const rng = new Rng(1);
  model.initParams(rng);
  const adam = new Adam(k, model.layout.size, ADAM_DEFAULTS);
  const binary = (dim: number) => Float32Array.from({ length: BATCH * dim }, () => (rng.uniform() < 0.2 ? 1 : 0));
  const dims = REFERENCE_CONFIG.dims,
    data: ViewData = { n: BATCH, dims, xs: dims.map((d) => binary(d)) };
  const rows = Uint32Array.from({ length: BATCH }, (_, i) => i);
  return {
    model,
    adam,
    step: () => {
      model.lossAndGradient(data, rows, 1, rng);
      adam.update(model.P, model.G);
    },
  };
}

/** Every dense layer of the model as a GEMM call: forward, dW for all, dX for all but each encoder's first. */
function layerCalls(config: ModelConfig): { nIn: number; nOut: number; forms: ('' | ':dX' | ':dW')[] }[] {
  const model = new Jpvae(createKernels('js'), config, 1);
  return model.views.flatMap((v) =>
    v.dense.map((l) => ({
      nIn: l.nIn,
      nOut: l.nOut,
      forms: l === v.encoder.layers[0] ? ['', ':dW'] : ['', ':dX', ':dW'],
    })),
  );
}

export interface TrainResult {
  train_samples_per_s: Record<string, number>;
  train_speedup_vs_js: Record<string, number>;
  /** Samples/s if a step were nothing but its GEMMs at the rates the GEMM bench measured. */
  train_gemm_bound_samples_per_s: Record<string, number>;
  train_flops_per_sample: number;
}

export function benchTrain(quick: boolean, gemm: GemmResult): TrainResult {
  const [seconds, rounds] = quick ? [0.5, 1] : [2, 3];
  const out: TrainResult = {
    train_samples_per_s: {},
    train_speedup_vs_js: {},
    train_gemm_bound_samples_per_s: {},
    train_flops_per_sample: 0,
  };
  const calls = layerCalls(REFERENCE_CONFIG);
  for (const [name, backend] of benchBackends()) {
    const step = referenceTraining(createKernels(backend)).step;
    out.train_samples_per_s[name] = round(bestRate(step, BATCH, name === 'js' ? 2 * seconds : seconds, rounds));
    // Seconds per sample spent in GEMMs, at the measured rate of each layer's shape and form.
    let secondsPerSample = 0,
      flops = 0;
    for (const c of calls)
      for (const form of c.forms) {
        const f = 2 * c.nIn * c.nOut;
        flops += f;
        secondsPerSample += f / (gemm.gemm_gflops[name][`${BATCH}x${c.nIn}x${c.nOut}${form}`] * 1e9);
      }
    out.train_gemm_bound_samples_per_s[name] = round(1 / secondsPerSample);
    out.train_flops_per_sample = flops;
  }
  for (const name of Object.keys(out.train_samples_per_s)) {
    if (name !== 'js')
      out.train_speedup_vs_js[name] = round(out.train_samples_per_s[name] / out.train_samples_per_s.js);
  }
  return out;
}

export function formatTrain(r: TrainResult): string {
  const lines = [
    `training, reference model, batch ${BATCH}, one thread (${(r.train_flops_per_sample / 1e6).toFixed(1)} MFLOP per sample in the dense layers)`,
  ];
  for (const [name, v] of Object.entries(r.train_samples_per_s)) {
    const speed = r.train_speedup_vs_js[name] ? `, ${r.train_speedup_vs_js[name].toFixed(1)}× js` : '';
    lines.push(
      `  ${name.padEnd(13)} ${v.toFixed(0).padStart(6)} samples/s${speed}; GEMM-bound limit ${r.train_gemm_bound_samples_per_s[name].toFixed(0)} samples/s (${((100 * v) / r.train_gemm_bound_samples_per_s[name]).toFixed(0)}% of it)`,
    );
  }
  return lines.join('\n');
}

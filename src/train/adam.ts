// Adam state over the whole flat parameter array (the layout's order):
// first and second moments live in the heap beside the parameters.

import type { Kernels } from '../core/kernels.ts';

export const ADAM_DEFAULTS = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
export type AdamConfig = typeof ADAM_DEFAULTS;

/** Runs one update split over threads (src/threads/); Adam is elementwise, so the split moves no bit. */
export interface AdamRunner {
  update(t: number): boolean;
}

/** Where an update's arrays live in the heap: parameters, gradients, moments. */
export interface AdamArrays {
  P: number;
  G: number;
  m: number;
  v: number;
}

/** Elements [lo, lo + n) of the update at step t, by kernels k (the calling thread's); false when one of their gradients was not finite. */
export function adamRange(k: Kernels, c: AdamConfig, a: AdamArrays, lo: number, n: number, t: number): boolean {
  return k.adam(n, a.P + lo, a.G + lo, a.m + lo, a.v + lo, c.lr, c.beta1, c.beta2, c.eps, t) === 1;
}

export class Adam {
  readonly m: number;
  readonly v: number;
  step = 0;
  /** Splits the update over threads; unset, it runs here. */
  runner?: AdamRunner;

  constructor(
    private readonly k: Kernels,
    readonly size: number,
    readonly config: AdamConfig,
  ) {
    this.m = k.heap.alloc(size);
    this.v = k.heap.alloc(size);
  }

  /** One bias-corrected update of params P from gradients G; false when a gradient was NaN or infinite. */
  update(P: number, G: number): boolean {
    this.step++;
    return this.runner
      ? this.runner.update(this.step)
      : adamRange(this.k, this.config, { P, G, m: this.m, v: this.v }, 0, this.size, this.step);
  }

  moments() {
    return { m: this.k.heap.view(this.m, this.size), v: this.k.heap.view(this.v, this.size) };
  }
}

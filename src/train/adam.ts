// Adam state over the whole flat parameter array (the layout's order):
// first and second moments live in the heap beside the parameters.

import type { Kernels } from '../core/kernels.ts';

export interface AdamConfig { lr: number; beta1: number; beta2: number; eps: number }
export const ADAM_DEFAULTS: AdamConfig = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export class Adam {
  readonly m: number;
  readonly v: number;
  step = 0;

  constructor(private readonly k: Kernels, private readonly size: number, readonly config: AdamConfig) {
    this.m = k.heap.alloc(size);
    this.v = k.heap.alloc(size);
  }

  /** One bias-corrected update of params P from gradients G; false when a gradient was NaN or infinite. */
  update(P: number, G: number): boolean {
    const { lr, beta1, beta2, eps } = this.config;
    this.step++;
    return this.k.adam(this.size, P, G, this.m, this.v, lr, beta1, beta2, eps, this.step) === 1;
  }

  moments() { return { m: this.k.heap.view(this.m, this.size), v: this.k.heap.view(this.v, this.size) }; }
}

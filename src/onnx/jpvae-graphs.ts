// The JPVAE networks as ONNX graphs, read from the layout table: each dense
// layer NAME (NAME.weight [nIn, nOut], NAME.bias [nOut]) becomes
// Gemm(x, W, b) = x·W + b, as in src/model/dense.ts, then Relu where the
// model has one. Every graph takes a batch of rows of any size.

import type { FloatArray } from '../core/index.ts';
import type { Layout } from '../model/layout.ts';
import type { Conditional } from '../impute/conditional.ts';
import { Graph, type WeightType } from './graph.ts';

/** The flat parameter array, the table that says what lives where, and how the graphs store them. */
export interface Params { layout: Layout; values: FloatArray; weights: WeightType }

type View = 1 | 2;
const BATCH = 'batch';

function constant(g: Graph, p: Params, name: string): string {
  const e = p.layout.get(name);
  return g.constant(name, e.shape, p.values.subarray(e.offset, e.offset + e.size));
}

function dense(g: Graph, p: Params, name: string, x: string, relu: boolean, out?: string): string {
  const y = g.node('Gemm', [x, constant(g, p, `${name}.weight`), constant(g, p, `${name}.bias`)], { out: relu ? undefined : out });
  return relu ? g.node('Relu', [y], { out }) : y;
}

/** Layer names PREFIX.0, PREFIX.1, … for as long as the layout has them. */
function chain(layout: Layout, prefix: string): string[] {
  const names: string[] = [];
  while (layout.entries.some((e) => e.name === `${prefix}.${names.length}.weight`)) names.push(`${prefix}.${names.length}`);
  return names;
}

/** Width of view v's data and of its latent, from the shapes of its first layer and its mean head. */
export function viewShape(layout: Layout, v: View): { dim: number; latent: number } {
  return { dim: layout.get(`view${v}.encoder.0.weight`).shape[0], latent: layout.get(`view${v}.encoder.mu.weight`).shape[1] };
}

/** The encoder's hidden layers (all ReLU); returns the top hidden activation. */
function encoderHidden(g: Graph, p: Params, v: View, x: string): string {
  return chain(p.layout, `view${v}.encoder`).reduce((h, name) => dense(g, p, name, h, true), x);
}

/** Decoder: hidden layers with ReLU, the last layer gives logits, Sigmoid the Bernoulli means. */
function decoder(g: Graph, p: Params, v: View, z: string, out: string): string {
  const layers = chain(p.layout, `view${v}.decoder`);
  const logits = layers.reduce((h, name, l) => dense(g, p, name, h, l < layers.length - 1), z);
  return g.node('Sigmoid', [logits], { out });
}

export function encoderGraph(p: Params, v: View): Graph {
  const { dim, latent } = viewShape(p.layout, v);
  const g = new Graph(`encoder${v}`, `view ${v} encoder: x${v} → posterior mean mu${v} and log-variance logvar${v}`, p.weights);
  const h = encoderHidden(g, p, v, g.input(`x${v}`, [BATCH, dim]));
  dense(g, p, `view${v}.encoder.mu`, h, false, `mu${v}`);
  dense(g, p, `view${v}.encoder.logvar`, h, false, `logvar${v}`);
  g.output(`mu${v}`, [BATCH, latent]);
  g.output(`logvar${v}`, [BATCH, latent]);
  return g;
}

export function decoderGraph(p: Params, v: View): Graph {
  const { dim, latent } = viewShape(p.layout, v);
  const g = new Graph(`decoder${v}`, `view ${v} decoder: z${v} → Bernoulli means probs${v} = sigmoid(logits)`, p.weights);
  decoder(g, p, v, g.input(`z${v}`, [BATCH, latent]), `probs${v}`);
  g.output(`probs${v}`, [BATCH, dim]);
  return g;
}

/**
 * Imputation of view i from view j (§2.7): encode x_j to its posterior
 * mean, take the latent conditional of Eq. 12, z_i = offset + gain·mu_j
 * (+ L·eps_i, L the Cholesky factor of the conditional covariance), decode
 * with D_i. eps_i is an input because onnxruntime cannot feed an input
 * that has a default: zeros give the conditional mean (the imputation of
 * §2.7), N(0, I) noise a draw from the conditional (multiple imputation),
 * both from the same graph with no host math.
 */
export function imputeGraph(p: Params, c: Conditional): Graph {
  const i = (c.target + 1) as View, j = (2 - c.target) as View;
  const dimJ = viewShape(p.layout, j).dim, { dim, latent } = viewShape(p.layout, i);
  const g = new Graph(`impute_${i}_from_${j}`, `view ${i} imputed from view ${j}: x${j} → probs${i} (Eq. 12 conditional mean + L·eps${i}; eps${i} = 0 for the mean)`, p.weights);
  const muJ = dense(g, p, `view${j}.encoder.mu`, encoderHidden(g, p, j, g.input(`x${j}`, [BATCH, dimJ])), false);
  const gain = g.constant('conditional.gain', [c.nOut, c.nIn], c.gain);
  const mean = g.node('Gemm', [muJ, gain, g.constant('conditional.offset', [c.nOut], c.offset)], { ints: { transB: 1 } });
  const eps = g.input(`eps${i}`, [BATCH, latent]);
  const spread = g.node('Gemm', [eps, g.constant('conditional.chol', [c.nOut, c.nOut], c.covChol)], { ints: { transB: 1 } });
  decoder(g, p, i, g.node('Add', [mean, spread]), `probs${i}`);
  g.output(`probs${i}`, [BATCH, dim]);
  return g;
}

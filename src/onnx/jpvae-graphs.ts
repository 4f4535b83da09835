// The JPVAE networks as ONNX graphs, built from the model itself: its views'
// dense layers (Gemm(x, W, b) = x·W + b, as in src/model/dense.ts, then Relu
// where the layer has one), each view's likelihood and the preprocessing
// its data had in training. Every graph takes and gives a view in the
// user's own units: the standardisation of a Gaussian view is inside the
// graph, and so is the likelihood's mean (σ of the logits for Bernoulli,
// the de-standardised mean for Gaussian). Any batch size.

import type { Standardize } from '../data/views.ts';
import type { Conditional } from '../impute/conditional.ts';
import type { Dense } from '../model/dense.ts';
import type { Jpvae } from '../model/jpvae.ts';
import { Graph, type WeightType } from './graph.ts';

/** A trained model, the standardisation of each view's data (null: used as it is), and how weights are stored. */
export interface GraphSource {
  model: Jpvae;
  standardize: readonly [Standardize | null, Standardize | null];
  weights: WeightType;
}

type ViewIndex = 0 | 1;
const BATCH = 'batch';
const tag = (i: ViewIndex) => i + 1; // the user's view number

function dense(g: Graph, s: GraphSource, l: Dense, x: string, out?: string): string {
  const p = s.model.params();
  const W = g.constant(`${l.name}.weight`, [l.nIn, l.nOut], p.subarray(l.W, l.W + l.nIn * l.nOut), true);
  const b = g.constant(`${l.name}.bias`, [l.nOut], p.subarray(l.b, l.b + l.nOut));
  const y = g.node('Gemm', [x, W, b], { out: l.relu ? undefined : out });
  return l.relu ? g.node('Relu', [y], { out }) : y;
}

/** What a view's raw values are, for the manifest's docs. */
function rawDoc(s: GraphSource, i: ViewIndex): string {
  const v = s.model.views[i];
  if (v.likelihood.kind === 'bernoulli') return `view ${tag(i)}, values in [0, 1]`;
  return `view ${tag(i)} in its original units${s.standardize[i] ? ' (standardised inside the graph)' : ''}`;
}

/**
 * x_i in raw units → the encoder's input, (x − mean)/sd where the model
 * standardises the view. The mean goes in as two f32 parts, hi + lo: x − hi
 * is exact for x near the mean (Sterbenz), so centring keeps f64's accuracy
 * where one f32 constant would not (a mean of 1000 is off by up to 3e-5,
 * 6e-4 of an sd of 0.05).
 */
function standardized(g: Graph, s: GraphSource, i: ViewIndex, x: string): string {
  const std = s.standardize[i];
  if (!std) return x;
  const hi = Float32Array.from(std.mean),
    lo = std.mean.map((m, j) => m - hi[j]),
    n = std.mean.length,
    name = `view${tag(i)}.standardize`;
  const centred = g.node('Sub', [
    g.node('Sub', [x, g.constant(`${name}.mean`, [n], hi)]),
    g.constant(`${name}.mean_residual`, [n], lo),
  ]);
  return g.node('Div', [centred, g.constant(`${name}.sd`, [n], std.sd)]);
}

/** The encoder's top hidden activation for raw x_i. */
function encoderHidden(g: Graph, s: GraphSource, i: ViewIndex, x: string): string {
  return s.model.views[i].encoder.layers.reduce((h, l) => dense(g, s, l, h), standardized(g, s, i, x));
}

/**
 * The mean of p(x_i | z_i) in raw units into `out`: σ(logits) for a
 * Bernoulli view; the decoder's output times sd plus mean for a Gaussian
 * view (its likelihood lives in standardised units).
 */
function decodedMean(g: Graph, s: GraphSource, i: ViewIndex, z: string, out: string): string {
  const v = s.model.views[i],
    std = s.standardize[i];
  const top = v.decoder.layers.reduce((h, l) => dense(g, s, l, h), z);
  if (v.likelihood.kind === 'bernoulli') return g.node('Sigmoid', [top], { out });
  if (!std) return g.node('Identity', [top], { out });
  const scaled = g.node('Mul', [top, g.constant(`view${tag(i)}.standardize.sd`, [std.sd.length], std.sd)]);
  return g.node('Add', [scaled, g.constant(`view${tag(i)}.standardize.mean`, [std.mean.length], std.mean)], { out });
}

/**
 * A Gaussian view's observation sd in raw units, e^{½·logvar}·sd: the
 * scale of the likelihood's own noise. Null for a Bernoulli view.
 */
export function observationSd(s: GraphSource, i: ViewIndex): Float64Array | null {
  const lv = s.model.observationLogvar(i),
    sd = s.standardize[i]?.sd;
  return lv && Float64Array.from(lv, (l, j) => Math.exp(l / 2) * (sd ? sd[j] : 1));
}

export function encoderGraph(s: GraphSource, i: ViewIndex): Graph {
  const v = s.model.views[i],
    n = tag(i);
  const g = new Graph(
    `encoder${n}`,
    `view ${n} encoder: x${n} → posterior mean mu${n} and log-variance logvar${n}`,
    s.weights,
  );
  const h = encoderHidden(g, s, i, g.input(`x${n}`, [BATCH, v.dim], 'raw', rawDoc(s, i)));
  dense(g, s, v.muHead, h, `mu${n}`);
  dense(g, s, v.lvHead, h, `logvar${n}`);
  g.output(`mu${n}`, [BATCH, v.latent], 'latent', `posterior mean of z${n}`);
  g.output(`logvar${n}`, [BATCH, v.latent], 'latent', `posterior log-variance of z${n}`);
  return g;
}

/** What the likelihood's mean of a view is, for the manifest's docs. */
function meanDoc(s: GraphSource, i: ViewIndex, what: string): string {
  const v = s.model.views[i];
  return v.likelihood.kind === 'bernoulli'
    ? `${what}: Bernoulli means (probabilities) of view ${tag(i)}`
    : `${what}: Gaussian means of view ${tag(i)} in its original units`;
}

export function decoderGraph(s: GraphSource, i: ViewIndex): Graph {
  const v = s.model.views[i],
    n = tag(i);
  const g = new Graph(`decoder${n}`, `view ${n} decoder: z${n} → x${n}, the mean of p(x${n} | z${n})`, s.weights);
  decodedMean(g, s, i, g.input(`z${n}`, [BATCH, v.latent], 'latent', `a point in view ${n}'s latent space`), `x${n}`);
  g.output(`x${n}`, [BATCH, v.dim], 'raw', meanDoc(s, i, 'the decoded mean'));
  return g;
}

/** Input x_j → the conditional mean of z_i given its posterior mean (Eq. 12): offset + gain·mu_j. */
function conditionalMean(g: Graph, s: GraphSource, c: Conditional): string {
  const j = (1 - c.target) as ViewIndex,
    vj = s.model.views[j];
  const muJ = dense(
    g,
    s,
    vj.muHead,
    encoderHidden(g, s, j, g.input(`x${tag(j)}`, [BATCH, vj.dim], 'raw', rawDoc(s, j))),
  );
  const gain = g.constant('conditional.gain', [c.nOut, c.nIn], c.gain);
  return g.node('Gemm', [muJ, gain, g.constant('conditional.offset', [c.nOut], c.offset)], { ints: { transB: 1 } });
}

/**
 * Mean imputation of view i from view j (§2.7): encode x_j to its
 * posterior mean, take the conditional mean of z_i (Eq. 12), decode it to
 * the likelihood's mean. Its only input is x_j.
 */
export function imputeGraph(s: GraphSource, c: Conditional): Graph {
  const i = c.target,
    n = tag(i),
    m = tag((1 - i) as ViewIndex);
  const g = new Graph(
    `impute_${n}_from_${m}`,
    `view ${n} imputed from view ${m}: x${m} → x${n} (Eq. 12 conditional mean of z${n}, decoded)`,
    s.weights,
  );
  decodedMean(g, s, i, conditionalMean(g, s, c), `x${n}`);
  g.output(`x${n}`, [BATCH, s.model.views[i].dim], 'raw', meanDoc(s, i, 'the imputation'));
  return g;
}

/**
 * One draw of view i given view j from the model's predictive
 * distribution: z_i = conditional mean + L·eps_i (L the Cholesky factor of
 * the conditional covariance of Eq. 12), decoded; a Gaussian view then
 * adds its observation noise, sd_obs·noise_i, so K draws of a row are K
 * samples of p(x_i | x_j). A Bernoulli view gives the probabilities of its
 * latent draw (no coin flips). The caller feeds the N(0, 1) noise.
 */
export function sampleGraph(s: GraphSource, c: Conditional): Graph {
  const i = c.target,
    n = tag(i),
    m = tag((1 - i) as ViewIndex),
    v = s.model.views[i];
  const gaussian = v.likelihood.kind === 'gaussian';
  const g = new Graph(
    `sample_${n}_from_${m}`,
    `a draw of view ${n} given view ${m}: x${m}, eps${n}${gaussian ? `, noise${n}` : ''} → x${n}`,
    s.weights,
  );
  const mean = conditionalMean(g, s, c);
  const eps = g.input(
    `eps${n}`,
    [BATCH, c.nOut],
    'standard-normal',
    `N(0, 1) noise of the latent draw (${c.nOut} per row)`,
  );
  const spread = g.node('Gemm', [eps, g.constant('conditional.chol', [c.nOut, c.nOut], c.covChol)], {
    ints: { transB: 1 },
  });
  const z = g.node('Add', [mean, spread]);
  if (!gaussian) {
    decodedMean(g, s, i, z, `x${n}`);
    g.output(`x${n}`, [BATCH, v.dim], 'raw', `Bernoulli means (probabilities) of view ${n} for a latent draw`);
    return g;
  }
  const noise = g.input(
    `noise${n}`,
    [BATCH, v.dim],
    'standard-normal',
    `N(0, 1) noise of the observation (${v.dim} per row)`,
  );
  const sd = observationSd(s, i)!;
  const scaled = g.node('Mul', [noise, g.constant(`view${n}.observation.sd`, [sd.length], sd)]);
  g.node('Add', [decodedMean(g, s, i, z, 'decoded_mean'), scaled], { out: `x${n}` });
  g.output(
    `x${n}`,
    [BATCH, v.dim],
    'raw',
    `a draw of view ${n} in its original units: latent draw decoded, plus observation noise`,
  );
  return g;
}

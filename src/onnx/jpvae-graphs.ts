// The JPVAE networks as ONNX graphs, built from the model itself (two views
// or M): its views'
// dense layers (Gemm(x, W, b) = x·W + b, as in src/model/dense.ts, then Relu
// where the layer has one), each view's likelihood and the preprocessing
// its data had in training. Every graph takes and gives a view in the
// user's own units: the standardisation of a Gaussian view and the log1p a
// count view's encoder reads are inside the graph, and so is the
// likelihood's mean (σ of the logits for Bernoulli, the de-standardised
// mean for Gaussian, e^η for counts). A model with covariates adds one
// input to every graph, `covariates`: the rows' design (the one-hots of
// every covariate side by side, as data/covariates.ts builds them), which
// the first layer of every encoder and decoder reads as the model does
// (model/mlp.ts). Any batch size.

import type { Standardize } from '../data/views.ts';
import type { BlockConditional } from '../impute/block-conditional.ts';
import type { Dense } from '../model/dense.ts';
import type { Jpvae } from '../model/jpvae.ts';
import type { Mlp } from '../model/mlp.ts';
import { isCount } from '../data/likelihood.ts';
import { Graph, type WeightType } from './graph.ts';

/** What the graphs read of a trained model. */
export type ExportableModel = Pick<Jpvae, 'views' | 'params' | 'observationLogvar' | 'dispersion'>;

/** A trained model, the standardisation of each view's data (null: used as it is), and how weights are stored. */
export interface GraphSource {
  model: ExportableModel;
  standardize: readonly (Standardize | null)[];
  weights: WeightType;
}

/**
 * Eq. 12 for one target view given a set of others: E[z_t | z_G] =
 * offset + gain·(mu_g for g in `given`, side by side), with the Cholesky
 * factor of the conditional covariance for draws. Views are 0-based here.
 */
export type ImputerConditional = Pick<BlockConditional, 'given' | 'nIn' | 'nOut' | 'gain' | 'offset' | 'covChol'> & {
  target: number;
};

/** A block conditional of a single target view (c.target of length 1), as an ImputerConditional. */
export function singleTarget(c: BlockConditional): ImputerConditional {
  if (c.target.length !== 1) throw new RangeError(`onnx: an imputer graph has one target view, got ${c.target.length}`);
  return { ...c, target: c.target[0] };
}

/** The graph names of view t's imputers from the views `given` (1-based numbers): impute_2_from_1_3, sample_2_from_1_3. */
export const imputerGraphNames = (target: number, given: readonly number[]) => ({
  mean: `impute_${target}_from_${given.join('_')}`,
  sample: `sample_${target}_from_${given.join('_')}`,
});

type ViewIndex = number;
const BATCH = 'batch';
const tag = (i: ViewIndex) => i + 1; // the user's view number

const COVARIATES = 'covariates';
/** The graph input of the covariates' design rows, declared on first use. */
function designInput(g: Graph, width: number): string {
  if (!g.inputs.some((i) => i.name === COVARIATES))
    g.input(
      COVARIATES,
      [BATCH, width],
      'design',
      `the rows' covariates: each covariate's one-hot code, side by side in the order of the manifest's covariates (${width} per row)`,
    );
  return COVARIATES;
}

/**
 * x·W + b, then the ReLU where the layer has one. With `side` (the first
 * layer of an MLP that reads the covariates), design·W_cov is added before
 * the ReLU: a Gemm of the design rows and an Add, as Mlp.forward does.
 */
function dense(g: Graph, s: GraphSource, l: Dense, x: string, out?: string, side?: Mlp): string {
  const p = s.model.params(),
    covariates = side?.side ? side : undefined;
  const W = g.constant(`${l.name}.weight`, [l.nIn, l.nOut], p.subarray(l.W, l.W + l.nIn * l.nOut), true);
  const b = g.constant(`${l.name}.bias`, [l.nOut], p.subarray(l.b, l.b + l.nOut));
  const last = !l.relu && !covariates; // this node writes `out`
  let y = g.node('Gemm', [x, W, b], { out: last ? out : undefined });
  if (covariates) {
    const { width } = covariates.side!,
      at = covariates.sideW;
    const Ws = g.constant(covariates.sideName, [width, l.nOut], p.subarray(at, at + width * l.nOut), true);
    y = g.node('Add', [y, g.node('Gemm', [designInput(g, width), Ws])], { out: l.relu ? undefined : out });
  }
  return l.relu ? g.node('Relu', [y], { out }) : y;
}

/** Rows of x through an encoder trunk or a decoder: its dense layers, the first reading the covariates where the model has them. */
const mlp = (g: Graph, s: GraphSource, net: Mlp, x: string): string =>
  net.layers.reduce((h, l, j) => dense(g, s, l, h, undefined, j === 0 ? net : undefined), x);

/** What a view's raw values are, for the manifest's docs. */
function rawDoc(s: GraphSource, i: ViewIndex): string {
  const v = s.model.views[i];
  if (v.likelihood.kind === 'bernoulli') return `view ${tag(i)}, values in [0, 1]`;
  if (isCount(v.likelihood)) return `view ${tag(i)}, counts (non-negative integers; log1p taken inside the graph)`;
  return `view ${tag(i)} in its original units${s.standardize[i] ? ' (standardised inside the graph)' : ''}`;
}

/** A count view's encoder input log1p(x), as ViewVae.setInput makes it: Log(x + 1), exact in f32 for counts below 2^24. */
function log1p(g: Graph, i: ViewIndex, dim: number, x: string): string {
  return g.node('Log', [
    g.node('Add', [x, g.constant(`view${tag(i)}.log1p.one`, [dim], new Float32Array(dim).fill(1))]),
  ]);
}

/**
 * x_i in raw units → the encoder's input: log1p(x) for a count view,
 * (x − mean)/sd where the model standardises the view. The mean goes in as two f32 parts, hi + lo: x − hi
 * is exact for x near the mean (Sterbenz), so centring keeps f64's accuracy
 * where one f32 constant would not (a mean of 1000 is off by up to 3e-5,
 * 6e-4 of an sd of 0.05).
 */
function encoderInput(g: Graph, s: GraphSource, i: ViewIndex, x: string): string {
  const v = s.model.views[i];
  if (isCount(v.likelihood)) return log1p(g, i, v.dim, x);
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

/** The graph input x_i (raw units) and the encoder's top hidden activation for it. */
function encoderHidden(g: Graph, s: GraphSource, i: ViewIndex): string {
  const v = s.model.views[i],
    x = g.input(`x${tag(i)}`, [BATCH, v.dim], 'raw', rawDoc(s, i));
  return mlp(g, s, v.encoder, encoderInput(g, s, i, x));
}

/** The graph output x_i: rows of view i in raw units. */
const rawOutput = (g: Graph, s: GraphSource, i: ViewIndex, doc: string): void =>
  g.output(`x${tag(i)}`, [BATCH, s.model.views[i].dim], 'raw', doc);

/** A graph input of N(0, 1) noise the caller draws, `width` values per row. */
const noiseInput = (g: Graph, name: string, width: number, of: string): string =>
  g.input(name, [BATCH, width], 'standard-normal', `N(0, 1) noise of the ${of} (${width} per row)`);

/**
 * The mean of p(x_i | z_i) in raw units into `out`: σ(logits) for a
 * Bernoulli view; e^η for a count view, its expected counts at size
 * factor 1 (as jpvae impute writes them: an imputed row's depth is
 * unknown); the decoder's output times sd plus mean for a Gaussian view
 * (its likelihood lives in standardised units).
 */
function decodedMean(g: Graph, s: GraphSource, i: ViewIndex, z: string, out: string): string {
  const v = s.model.views[i],
    std = s.standardize[i];
  const top = mlp(g, s, v.decoder, z);
  if (v.likelihood.kind === 'bernoulli') return g.node('Sigmoid', [top], { out });
  if (isCount(v.likelihood)) return g.node('Exp', [top], { out });
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
  const doc = `view ${n} encoder: x${n} → posterior mean mu${n} and log-variance logvar${n}`;
  const g = new Graph(`encoder${n}`, doc, s.weights);
  const h = encoderHidden(g, s, i);
  dense(g, s, v.muHead, h, `mu${n}`);
  dense(g, s, v.lvHead, h, `logvar${n}`);
  g.output(`mu${n}`, [BATCH, v.latent], 'latent', `posterior mean of z${n}`);
  g.output(`logvar${n}`, [BATCH, v.latent], 'latent', `posterior log-variance of z${n}`);
  return g;
}

/** What the likelihood's mean of a view is, for the manifest's docs. */
function meanDoc(s: GraphSource, i: ViewIndex, what: string): string {
  const l = s.model.views[i].likelihood;
  if (l.kind === 'bernoulli') return `${what}: Bernoulli means (probabilities) of view ${tag(i)}`;
  if (isCount(l)) return `${what}: expected counts of view ${tag(i)} at size factor 1 (the ${l.kind} mean e^η)`;
  return `${what}: Gaussian means of view ${tag(i)} in its original units`;
}

export function decoderGraph(s: GraphSource, i: ViewIndex): Graph {
  const v = s.model.views[i],
    n = tag(i);
  const g = new Graph(`decoder${n}`, `view ${n} decoder: z${n} → x${n}, the mean of p(x${n} | z${n})`, s.weights);
  decodedMean(g, s, i, g.input(`z${n}`, [BATCH, v.latent], 'latent', `a point in view ${n}'s latent space`), `x${n}`);
  rawOutput(g, s, i, meanDoc(s, i, 'the decoded mean'));
  return g;
}

/**
 * Inputs x_g (g in c.given) → the conditional mean of z_t given their
 * posterior means (Eq. 12 over blocks): offset + Σ_g gain_g·mu_g, gain_g
 * the columns of the gain that multiply block g. One Gemm per given view
 * and Adds rather than a Concat: jpvae-wasm runs it as it is, and with one
 * given view (the two-view export) it is the single Gemm it always was.
 */
function conditionalMean(g: Graph, s: GraphSource, c: ImputerConditional): string {
  const several = c.given.length > 1;
  let col = 0,
    sum = '';
  for (const j of c.given) {
    const vj = s.model.views[j],
      w = vj.latent;
    const muJ = dense(g, s, vj.muHead, encoderHidden(g, s, j));
    const block = Float64Array.from(
      { length: c.nOut * w },
      (_, e) => c.gain[Math.floor(e / w) * c.nIn + col + (e % w)],
    );
    const gain = g.constant(several ? `conditional.gain.x${tag(j)}` : 'conditional.gain', [c.nOut, w], block);
    const inputs = sum ? [muJ, gain] : [muJ, gain, g.constant('conditional.offset', [c.nOut], c.offset)];
    const term = g.node('Gemm', inputs, { ints: { transB: 1 } });
    sum = sum ? g.node('Add', [sum, term]) : term;
    col += w;
  }
  return sum;
}

/** "view 1", "views 1 and 3", "views 1, 2 and 4". */
function viewsDoc(views: readonly number[]): string {
  const n = views.map(tag);
  return n.length === 1 ? `view ${n[0]}` : `views ${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}

/**
 * Mean imputation of view t from the views c.given (§2.7): encode each to
 * its posterior mean, take the conditional mean of z_t (Eq. 12), decode it
 * to the likelihood's mean. Its only inputs are the given views.
 */
export function imputeGraph(s: GraphSource, c: ImputerConditional): Graph {
  const i = c.target,
    n = tag(i),
    xs = c.given.map((j) => `x${tag(j)}`).join(', ');
  const doc = `view ${n} imputed from ${viewsDoc(c.given)}: ${xs} → x${n} (Eq. 12 conditional mean of z${n}, decoded)`;
  const g = new Graph(imputerGraphNames(n, c.given.map(tag)).mean, doc, s.weights);
  decodedMean(g, s, i, conditionalMean(g, s, c), `x${n}`);
  rawOutput(g, s, i, meanDoc(s, i, 'the imputation'));
  return g;
}

/**
 * One draw of view t given the views c.given from the model's predictive
 * distribution: z_t = conditional mean + L·eps_t (L the Cholesky factor of
 * the conditional covariance of Eq. 12), decoded; a Gaussian view then
 * adds its observation noise, sd_obs·noise_t, so K draws of a row are K
 * samples of p(x_t | x_G). A Bernoulli view gives the probabilities of its
 * latent draw (no coin flips), a count view the expected counts e^η of its
 * latent draw (no count noise: a Poisson or NB draw takes a varying number
 * of uniforms, which no fixed-size fed noise of standard ONNX ops gives;
 * the manifest's dispersion lets a caller draw the counts). The caller
 * feeds the N(0, 1) noise.
 */
export function sampleGraph(s: GraphSource, c: ImputerConditional): Graph {
  const i = c.target,
    n = tag(i),
    v = s.model.views[i],
    xs = c.given.map((j) => `x${tag(j)}`).join(', ');
  const gaussian = v.likelihood.kind === 'gaussian';
  const doc = `a draw of view ${n} given ${viewsDoc(c.given)}: ${xs}, eps${n}${gaussian ? `, noise${n}` : ''} → x${n}`;
  const g = new Graph(imputerGraphNames(n, c.given.map(tag)).sample, doc, s.weights);
  const mean = conditionalMean(g, s, c);
  const eps = noiseInput(g, `eps${n}`, c.nOut, 'latent draw');
  const chol = g.constant('conditional.chol', [c.nOut, c.nOut], c.covChol);
  const spread = g.node('Gemm', [eps, chol], { ints: { transB: 1 } });
  const z = g.node('Add', [mean, spread]);
  if (!gaussian) {
    decodedMean(g, s, i, z, `x${n}`);
    const doc = isCount(v.likelihood)
      ? meanDoc(s, i, 'a latent draw decoded')
      : `Bernoulli means (probabilities) of view ${n} for a latent draw`;
    rawOutput(g, s, i, doc);
    return g;
  }
  const noise = noiseInput(g, `noise${n}`, v.dim, 'observation');
  const sd = observationSd(s, i)!;
  const scaled = g.node('Mul', [noise, g.constant(`view${n}.observation.sd`, [sd.length], sd)]);
  g.node('Add', [decodedMean(g, s, i, z, 'decoded_mean'), scaled], { out: `x${n}` });
  rawOutput(g, s, i, `a draw of view ${n} in its original units: latent draw decoded, plus observation noise`);
  return g;
}

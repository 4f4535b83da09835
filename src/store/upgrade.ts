// Every model.json written before version 4, read as version 4: the
// two-view format (jpvae-model, versions 1–3: fields per view 1 and 2) and
// the M-view one (jpvae-multiview-model, version 3). An upgrade only moves
// fields to where version 4 keeps them; model-json.ts then checks the
// result as it checks a new file, so a hostile old file is refused as a new
// one is. Nothing changes a model's meaning: the weights, the latent fit
// and the training state load as they were written.

import type { Fields } from '../io/fields.ts';

const LEGACY_MULTI_FORMAT = 'jpvae-multiview-model';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The parsed (camelCase) model.json as version 4 raw fields; formatVersion stays the one written. */
export function upgradeModelJson(f: Fields, o: Json): Json {
  if (o.format === LEGACY_MULTI_FORMAT) return upgradeMultiView(f, o);
  if (o.format !== 'jpvae-model') f.expected('format', "'jpvae-model' (a jpvae model)", o.format);
  const version = f.int(o.formatVersion, 'formatVersion', 1);
  return version >= 4 ? o : upgradeTwoView(f, o);
}

/** A loss summary per view 1 and 2 (recon1, recon2) as one list. */
function summary(s: unknown): unknown {
  if (!isObject(s)) return s;
  const { recon1, recon2, ...rest } = s;
  return { recon: [recon1, recon2], ...rest };
}

/** A training section whose state's history and stopped-epoch totals go in lists per view. */
function training(t: unknown, perView: (s: unknown) => unknown, totals: (t: Json) => Json): unknown {
  if (!isObject(t) || !isObject(t.state)) return t;
  const st = t.state;
  const history = Array.isArray(st.history)
    ? st.history.map((h) =>
        isObject(h) ? { ...h, train: perView(h.train), ...(h.test ? { test: perView(h.test) } : {}) } : h,
      )
    : st.history;
  const partial =
    isObject(st.partial) && isObject(st.partial.totals)
      ? { ...st.partial, totals: totals(st.partial.totals) }
      : st.partial;
  return { ...t, state: { ...st, history, ...(partial === undefined ? {} : { partial }) } };
}

/**
 * Two-view versions 1–3: swapViews leaves the config (the prior orders
 * the views itself: the smaller latent first), the data record's view1,
 * view2 and pairing become lists, hvdMNIST's test rows its held-out rows,
 * the latent fit's n1, n2 its block sizes (fitted on complete rows).
 */
function upgradeTwoView(f: Fields, o: Json): Json {
  const c = isObject(o.config) ? o.config : {},
    latent = list(c.latent);
  if (c.swapViews !== undefined) {
    const swap = f.boolean(c.swapViews, 'config.swapViews');
    if (swap !== Number(latent[0]) > Number(latent[1]))
      f.fail(
        'config.swapViews',
        `is ${swap} with latent sizes ${latent.join(',')}: the views' order in the prior follows the latent sizes (the smaller first); train this model again`,
      );
  }
  const { swapViews: _, ...config } = c;
  const d = isObject(o.data) ? o.data : {};
  let data: Json;
  if (d.dataset === 'hvdmnist') {
    const { testRows, ...rest } = d;
    const bernoulli = { kind: 'bernoulli' };
    data = {
      ...rest,
      holdout: 0,
      likelihood: [bernoulli, bernoulli],
      standardize: [null, null],
      heldOutRows: testRows,
    };
  } else if (d.dataset === 'files') {
    const { view1, view2, pairing, ...rest } = d;
    data = { ...rest, views: [view1, view2] };
    if (isObject(pairing)) {
      const [paired, only1, only2] = [pairing.paired, pairing.only1, pairing.only2].map(Number);
      data.pairing = { by: pairing.by, complete: paired, perView: [paired + only1, paired + only2] };
    }
  } else {
    const { mask: _mask, ...rest } = d; // arrays: whether they came with a mask (not needed to use the model)
    data = rest;
  }
  const fit = o.latentFit;
  const latentFit = isObject(fit)
    ? { latent: [fit.n1, fit.n2], rows: fit.rows, complete: fit.rows, mean: fit.mean, cov: fit.cov }
    : fit;
  const totals = (t: Json): Json => ({ recon: [t.recon1, t.recon2], counts: [t.n1, t.n2], kl: t.kl, rows: t.rows });
  return { ...o, config, data, training: training(o.training, summary, totals), latentFit };
}

/**
 * The M-view format, version 3 (versions 1 and 2 came from development
 * builds before checkpoints and are refused): its data record gains the
 * dataset (arrays where every view's file is ''), its history the ELBO.
 */
function upgradeMultiView(f: Fields, o: Json): Json {
  const version = f.int(o.formatVersion, 'formatVersion', 1, 3);
  if (version < 3)
    f.fail(
      'formatVersion',
      `is ${version}: an M-view model of a development build before checkpoints; train it again with this jpvae`,
    );
  const d = isObject(o.data) ? o.data : {},
    arrays = list(d.views).every((v) => v === '');
  const { views, ...rest } = d;
  const data = { dataset: arrays ? 'arrays' : 'files', ...(arrays ? {} : { views }), ...rest };
  const withElbo = (s: unknown): unknown => {
    if (!isObject(s) || s.elbo !== undefined) return s;
    const recon = list(s.recon).reduce((a: number, x) => a + Number(x), 0);
    return { ...s, elbo: -(recon + Number(s.kl)) };
  };
  return { ...o, format: 'jpvae-model', formatVersion: 4, data, training: training(o.training, withElbo, (t) => t) };
}

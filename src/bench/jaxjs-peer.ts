// jax-js as a peer of jpvae's training (`jpvae bench --peers`): the
// reference model, batch, orthogonal prior (exact Cayley map), loss and Adam
// in @jax-js/jax on its wasm device. jax-js's arrays are reference-counted:
// a function consumes its arguments, `.ref` keeps one for a later use. Two
// forms:
// - stock: jit cannot compile a solve, so O = (I − A)⁻¹(I + A) is computed
//   by np.linalg.solve eagerly under jax.vjp, which gives its gradient from
//   the jitted valueAndGrad of the loss given O (differentiating the whole
//   loss eagerly was 15× slower); Adam as jitted array ops (jax-js has no
//   optimiser package on npm).
// - expert: the same, but the Cayley map and its gradient by hand
//   (cayley.ts: f64, 20×20) instead of jax-js's eager solve and vjp.
// ε comes from a seeded stream on the host in both (640 numbers a step).
// Loaded only when the package is installed (an optional peer of the bench).

import type * as Jax from '@jax-js/jax';
import { Rng } from '../data/rng.ts';
import { cayley, cayleyGrad } from './cayley.ts';
import { BATCH, DIM, KL, LATENT, LAYERS, LEARNING_RATE, lecun, peerRows, type JsPeer } from './js-peer.ts';

type Arr = Jax.Array;
type Dense = { w: Arr; b: Arr };
type View = { encoder: Dense[]; mu: Dense; logvar: Dense; decoder: Dense[] };
type Params = { views: View[]; free: Arr };
type Loss = (p: Params, x1: Arr, x2: Arr, e1: Arr, e2: Arr, o: Arr) => Arr;
const [BETA1, BETA2, EPSILON] = [0.9, 0.999, 1e-8];

function createParams(jax: typeof Jax): Params {
  const np = jax.numpy,
    rng = new Rng(2);
  const dense = ([nIn, nOut]: readonly [number, number]): Dense => ({
    w: np.array(lecun(rng, nIn, nOut)).reshape([nIn, nOut]),
    b: np.zeros([nOut]),
  });
  const view = (): View => ({
    encoder: LAYERS.encoder.map(dense),
    mu: dense(LAYERS.heads),
    logvar: dense(LAYERS.heads),
    decoder: LAYERS.decoder.map(dense),
  });
  return { views: [view(), view()], free: np.zeros([LATENT, LATENT]) };
}

/** The loss of the reference model given O (the Cayley map of `free`, which it does not read). */
function lossGiven(jax: typeof Jax): Loss {
  const np = jax.numpy,
    { c1, k, b, constant } = KL;
  const dense = (x: Arr, d: Dense) => np.matmul(x, d.w).add(d.b);
  const view = (v: View, x: Arr, eps: Arr) => {
    const h = v.encoder.reduce((a, d) => jax.nn.relu(dense(a, d)), x.ref);
    const mu = dense(h.ref, v.mu),
      lv = dense(h, v.logvar);
    const z = mu.ref.add(np.exp(lv.ref.mul(0.5)).mul(eps));
    const l = v.decoder.reduce((a, d, j) => (j < v.decoder.length - 1 ? jax.nn.relu(dense(a, d)) : dense(a, d)), z);
    // BCE with logits, summed over pixels, averaged over the batch.
    const bce = np
      .maximum(l.ref, 0)
      .sub(l.ref.mul(x))
      .add(np.log1p(np.exp(np.negative(np.abs(l)))));
    return { mu, lv, recon: bce.sum().div(BATCH) };
  };
  return (p, x1, x2, e1, e2, o) => {
    jax.tree.dispose(p.free);
    const [v1, v2] = p.views;
    const { mu: mu1, lv: lv1, recon: r1 } = view(v1, x1, e1);
    const { mu: mu2, lv: lv2, recon: r2 } = view(v2, x2, e2);
    // App. A.2 with C = αO, term for term as jpvae's kernel and the other peers compute it.
    const t = np.matmul(mu2.ref, o.ref),
      w = np.square(o).sum(1);
    const first = np
      .square(mu1.ref)
      .sum(1)
      .mul(c1)
      .add(np.exp(lv1.ref).sum(1).mul(c1))
      .sub(lv1.sum(1))
      .sub(LATENT)
      .mul(0.5);
    const second = np
      .square(mu2)
      .sum(1)
      .add(np.square(t.ref).sum(1).mul(k))
      .add(np.exp(lv2.ref).mul(w.mul(k).add(1)).sum(1))
      .sub(lv2.sum(1))
      .sub(LATENT)
      .mul(0.5);
    const kl = first.add(second).add(constant).sub(t.mul(mu1).sum(1).mul(b));
    return r1.add(r2).add(kl.mean());
  };
}

/** O = (I − A)⁻¹(I + A) by np.linalg.solve, for jax-js to differentiate (free consumed). */
export function cayleyMap(jax: typeof Jax) {
  const np = jax.numpy;
  return (free: Arr) => {
    const upper = np.triu(free, 1);
    const a = upper.ref.sub(np.transpose(upper)),
      eye = np.eye(LATENT);
    return np.linalg.solve(eye.ref.sub(a.ref), eye.add(a));
  };
}

/** Adam's update of every array of p from its gradient g and moments m, v at step t (p, g, m, v consumed). */
function adamUpdate(jax: typeof Jax) {
  const np = jax.numpy;
  return (p: Params, g: Params, m: Params, v: Params, t: Arr) => {
    const lr = np
      .sqrt(np.subtract(1, np.power(BETA2, t.ref)))
      .div(np.subtract(1, np.power(BETA1, t)))
      .mul(LEARNING_RATE);
    const m2 = jax.tree.map((mi: Arr, gi: Arr) => mi.mul(BETA1).add(gi.mul(1 - BETA1)), m, jax.tree.ref(g));
    const v2 = jax.tree.map((vi: Arr, gi: Arr) => vi.mul(BETA2).add(np.square(gi).mul(1 - BETA2)), v, g);
    const p2 = jax.tree.map(
      (pi: Arr, mi: Arr, vi: Arr) => pi.sub(lr.ref.mul(mi).div(np.sqrt(vi).add(EPSILON))),
      p,
      jax.tree.ref(m2),
      jax.tree.ref(v2),
    );
    lr.dispose();
    return { p: p2, m: m2, v: v2 };
  };
}

function jaxPeer(jax: typeof Jax, form: 'stock' | 'expert', note: string): JsPeer {
  const np = jax.numpy;
  let p = createParams(jax),
    m = jax.tree.map((a: Arr) => np.zerosLike(a.ref), p),
    v = jax.tree.map((a: Arr) => np.zerosLike(a.ref), p),
    t = 0;
  const [x1, x2] = peerRows().map((r) => np.array(r).reshape([BATCH, DIM]));
  const rng = new Rng(3);
  const normal = () =>
    np.array(Float32Array.from({ length: BATCH * LATENT }, () => rng.normal())).reshape([BATCH, LATENT]);
  const lossGrad = jax.jit(jax.valueAndGrad(lossGiven(jax), { argnums: [0, 5] })) as unknown as (
    ...a: unknown[]
  ) => [Arr, [Params, Arr]];
  const map = cayleyMap(jax);
  const step = jax.jit(adamUpdate(jax));
  return {
    name: `jax-js-wasm ${form}`,
    note,
    enter: async () => {},
    step: () => {
      // The loss's gradient given O, then O's own: by jax-js's vjp through the solve (eager), or by hand.
      let o: Arr, back: ((dO: Arr) => Arr) | undefined, c: ReturnType<typeof cayley> | undefined;
      if (form === 'stock') {
        const [out, vjp] = jax.vjp(map, [p.free.ref]);
        o = out;
        back = (dO) => {
          const [d] = vjp(dO);
          vjp.dispose();
          return d;
        };
      } else {
        c = cayley(p.free.ref.dataSync(), LATENT);
        o = np.array(Float32Array.from(c.o)).reshape([LATENT, LATENT]);
      }
      const [loss, [g, dO]] = lossGrad(jax.tree.ref(p), x1.ref, x2.ref, normal(), normal(), o);
      g.free.dispose();
      g.free = back
        ? back(dO)
        : np.array(Float32Array.from(cayleyGrad(c!, dO.dataSync(), LATENT))).reshape([LATENT, LATENT]);
      t++;
      ({ p, m, v } = (step as ReturnType<typeof adamUpdate>)(p, g, m, v, np.array(t)));
      loss.dataSync();
    },
    close: () => {
      jax.tree.dispose([p, m, v, x1, x2]);
      for (const f of [lossGrad, step]) (f as unknown as { dispose(): void }).dispose();
    },
  };
}

/** jax-js's peers on its wasm device: stock and expert; or why none runs. */
export async function jaxjsPeers(): Promise<JsPeer[] | string> {
  let jax: typeof Jax;
  try {
    jax = await import('@jax-js/jax');
  } catch {
    return 'jax-js not run: @jax-js/jax is not installed';
  }
  if (!(await jax.init('wasm')).includes('wasm')) return 'jax-js not run: its wasm device did not start';
  jax.defaultDevice('wasm');
  return [
    jaxPeer(
      jax,
      'stock',
      "wasm device; O by np.linalg.solve and its gradient by jax-js's vjp, eager (jit cannot compile a solve); the loss's valueAndGrad given O and Adam jit-compiled",
    ),
    jaxPeer(
      jax,
      'expert',
      "wasm device; the Cayley map and its gradient by hand (f64, 20×20); the loss's valueAndGrad given O and Adam jit-compiled",
    ),
  ];
}

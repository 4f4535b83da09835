// TensorFlow.js as a peer of jpvae's training (`jpvae bench --peers`): the
// reference model, batch, orthogonal prior (exact Cayley map), loss and Adam
// in @tensorflow/tfjs on its wasm backend (SIMD, threads where the
// platform gives them) and its cpu backend. Two forms:
// - stock: what its guide shows: ops, tf.variableGrads, tf.train.adam.
//   TF.js has no solve, so the Cayley map and its gradient are by hand
//   (cayley.ts) inside a tf.customGrad.
// - expert: the backward written by hand with every matMul untransposed
//   (its wasm matMul with a transposed operand runs at 1–2 GFLOP/s against
//   16–18 plain: the transposes are taken explicitly), bias and ReLU fused
//   into the forward's matMuls, the same tf.train.adam.
// Loaded only when the packages are installed (optional peers of the bench).

import type * as Tf from '@tensorflow/tfjs-core';
import { Rng } from '../data/rng.ts';
import { cayley, cayleyGrad } from './cayley.ts';
import { BATCH, DIM, KL, LATENT, LAYERS, LEARNING_RATE, lecun, peerRows, type JsPeer } from './js-peer.ts';

type Tensor = Tf.Tensor;
interface Dense {
  w: Tf.Variable;
  b: Tf.Variable;
}
interface View {
  encoder: Dense[];
  mu: Dense;
  logvar: Dense;
  decoder: Dense[];
}
interface Model {
  views: View[];
  free: Tf.Variable;
}

/** The model's variables (what made them is disposed). */
function createModel(tf: typeof Tf): Model {
  let m!: Model;
  tf.tidy(() => void (m = modelIn(tf)));
  return m;
}

function modelIn(tf: typeof Tf): Model {
  const rng = new Rng(2);
  const dense = ([nIn, nOut]: readonly [number, number]): Dense => ({
    w: tf.variable(tf.tensor2d(lecun(rng, nIn, nOut), [nIn, nOut])),
    b: tf.variable(tf.zeros([nOut])),
  });
  const view = (): View => ({
    encoder: LAYERS.encoder.map(dense),
    mu: dense(LAYERS.heads),
    logvar: dense(LAYERS.heads),
    decoder: LAYERS.decoder.map(dense),
  });
  return { views: [view(), view()], free: tf.variable(tf.zeros([LATENT, LATENT])) };
}

const variables = (m: Model): Tf.Variable[] => [
  ...m.views.flatMap((v) => [...v.encoder, v.mu, v.logvar, ...v.decoder].flatMap((d) => [d.w, d.b])),
  m.free,
];

/** The Cayley map as a TF.js op whose gradient is cayleyGrad. */
function cayleyOp(tf: typeof Tf) {
  const f = (free: Tensor) => {
    const c = cayley(free.dataSync(), LATENT);
    return {
      value: tf.tensor2d(Float32Array.from(c.o), [LATENT, LATENT]),
      gradFunc: (dy: Tensor) => tf.tensor2d(Float32Array.from(cayleyGrad(c, dy.dataSync(), LATENT)), [LATENT, LATENT]),
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof Tf.customGrad>[0]) as (free: Tensor) => Tensor;
}

/** The KL of App. A.2 for C = αO, per row, term for term as jpvae's kernel and the PyTorch peer compute it. */
function klRows(tf: typeof Tf, mu1: Tensor, lv1: Tensor, mu2: Tensor, lv2: Tensor, o: Tensor): Tensor {
  const { c1, k, b, constant } = KL;
  const t = tf.matMul(mu2, o),
    w = tf.sum(tf.square(o), 1);
  const first = tf.mul(
    0.5,
    tf.sub(
      tf.add(tf.mul(c1, tf.sum(tf.square(mu1), 1)), tf.mul(c1, tf.sum(tf.exp(lv1), 1))),
      tf.add(tf.sum(lv1, 1), LATENT),
    ),
  );
  const second = tf.mul(
    0.5,
    tf.sub(
      tf.addN([
        tf.sum(tf.square(mu2), 1),
        tf.mul(k, tf.sum(tf.square(t), 1)),
        tf.sum(tf.mul(tf.exp(lv2), tf.add(1, tf.mul(k, w))), 1),
      ]),
      tf.add(tf.sum(lv2, 1), LATENT),
    ),
  );
  return tf.sub(tf.add(tf.add(first, second), constant), tf.mul(b, tf.sum(tf.mul(t, mu1), 1)));
}

/** The stock form's loss: every op differentiated by TF.js but the Cayley map. */
function stockLoss(tf: typeof Tf, m: Model, xs: Tensor[], eps: Tensor[], cayleyMap: (f: Tensor) => Tensor): Tf.Scalar {
  const dense = (x: Tensor, d: Dense) => tf.add(tf.matMul(x, d.w), d.b);
  const parts = m.views.map((v, i) => {
    const h = v.encoder.reduce((x, d) => tf.relu(dense(x, d)), xs[i]);
    const mu = dense(h, v.mu),
      lv = dense(h, v.logvar);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, lv)), eps[i]));
    const logits = v.decoder.reduce((x, d, j) => (j < v.decoder.length - 1 ? tf.relu(dense(x, d)) : dense(x, d)), z);
    const recon = tf.div(tf.losses.sigmoidCrossEntropy(xs[i], logits, undefined, 0, tf.Reduction.SUM), BATCH);
    return { mu, lv, recon };
  });
  const kl = tf.mean(klRows(tf, parts[0].mu, parts[0].lv, parts[1].mu, parts[1].lv, cayleyMap(m.free)));
  return tf.addN([parts[0].recon, parts[1].recon, kl]) as Tf.Scalar;
}

/**
 * The expert form's loss and gradient of every variable, by hand: forward
 * with fused bias and ReLU, backward with explicit transposes so that each
 * matMul is plain. Returns the loss and the gradients by variable name.
 */
function expertGradients(
  tf: typeof Tf,
  m: Model,
  xs: Tensor[],
  eps: Tensor[],
): { loss: Tensor; grads: Tf.NamedTensorMap } {
  const { c1, k, b } = KL;
  const grads: Tf.NamedTensorMap = {};
  const put = (d: Dense, dw: Tensor, dy: Tensor) => {
    grads[d.w.name] = dw;
    grads[d.b.name] = tf.sum(dy, 0);
  };
  const c = cayley(m.free.dataSync(), LATENT),
    o = tf.tensor2d(Float32Array.from(c.o), [LATENT, LATENT]);
  // Forward, keeping each layer's input and output.
  const fwd = m.views.map((v, i) => {
    const enc = [xs[i]];
    for (const d of v.encoder)
      enc.push(tf.fused.matMul({ a: enc[enc.length - 1], b: d.w, bias: d.b, activation: 'relu' }));
    const h = enc[enc.length - 1];
    const mu = tf.fused.matMul({ a: h, b: v.mu.w, bias: v.mu.b }),
      lv = tf.fused.matMul({ a: h, b: v.logvar.w, bias: v.logvar.b });
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, lv)), eps[i]));
    const dec = [z];
    v.decoder.forEach((d, j) =>
      dec.push(
        tf.fused.matMul({
          a: dec[dec.length - 1],
          b: d.w,
          bias: d.b,
          activation: j < v.decoder.length - 1 ? 'relu' : 'linear',
        }),
      ),
    );
    return { enc, mu, lv, z, dec };
  });
  const [f1, f2] = fwd;
  const t = tf.matMul(f2.mu, o),
    w = tf.sum(tf.square(o), 1);
  const kl = tf.mean(klRows(tf, f1.mu, f1.lv, f2.mu, f2.lv, o));
  // The KL's gradients (of its batch mean).
  const dt = tf.div(tf.sub(tf.mul(k, t), tf.mul(b, f1.mu)), BATCH);
  const dmu = [
    tf.div(tf.sub(tf.mul(c1, f1.mu), tf.mul(b, t)), BATCH),
    tf.add(tf.div(f2.mu, BATCH), tf.matMul(dt, tf.transpose(o))),
  ];
  const e2 = tf.exp(f2.lv);
  const dlv = [
    tf.div(tf.mul(0.5, tf.sub(tf.mul(c1, tf.exp(f1.lv)), 1)), BATCH),
    tf.div(tf.mul(0.5, tf.sub(tf.mul(e2, tf.add(1, tf.mul(k, w))), 1)), BATCH),
  ];
  const dO = tf.add(
    tf.matMul(tf.transpose(f2.mu), dt),
    tf.mul(o, tf.reshape(tf.mul(k / BATCH, tf.sum(e2, 0)), [LATENT, 1])),
  );
  grads[m.free.name] = tf.tensor2d(Float32Array.from(cayleyGrad(c, dO.dataSync(), LATENT)), [LATENT, LATENT]);
  let loss: Tensor = kl;
  m.views.forEach((v, i) => {
    const { enc, z, dec } = fwd[i];
    const logits = dec[dec.length - 1],
      x = xs[i];
    loss = tf.add(loss, tf.div(tf.losses.sigmoidCrossEntropy(x, logits, undefined, 0, tf.Reduction.SUM), BATCH));
    // Decoder backward.
    let dy = tf.div(tf.sub(tf.sigmoid(logits), x), BATCH);
    for (let j = v.decoder.length - 1; j >= 0; j--) {
      const d = v.decoder[j];
      put(d, tf.matMul(tf.transpose(dec[j]), dy), dy);
      dy = tf.matMul(dy, tf.transpose(d.w));
      if (j > 0) dy = tf.mul(dy, tf.step(dec[j]));
    }
    // Reparameterisation: dz flows to μ, and to log σ² through σ·ε/2.
    const dmuAll = tf.add(dmu[i], dy),
      dlvAll = tf.add(dlv[i], tf.mul(dy, tf.mul(0.5, tf.sub(z, fwd[i].mu))));
    const h = enc[enc.length - 1];
    put(v.mu, tf.matMul(tf.transpose(h), dmuAll), dmuAll);
    put(v.logvar, tf.matMul(tf.transpose(h), dlvAll), dlvAll);
    dy = tf.add(tf.matMul(dmuAll, tf.transpose(v.mu.w)), tf.matMul(dlvAll, tf.transpose(v.logvar.w)));
    for (let j = v.encoder.length - 1; j >= 0; j--) {
      const d = v.encoder[j];
      dy = tf.mul(dy, tf.step(enc[j + 1]));
      put(d, tf.matMul(tf.transpose(enc[j]), dy), dy);
      if (j > 0) dy = tf.matMul(dy, tf.transpose(d.w));
    }
  });
  return { loss, grads };
}

/** A stock or expert training step on `backend`; `check` exposes both gradients for the tests. */
function tfjsPeer(tf: typeof Tf, backend: string, form: 'stock' | 'expert', note: string): JsPeer {
  const model = createModel(tf);
  const vars = variables(model);
  const xs = peerRows().map((r) => tf.tensor2d(r, [BATCH, DIM]));
  const adam = tf.train.adam(LEARNING_RATE);
  const cayleyMap = cayleyOp(tf);
  const eps = () => [tf.randomNormal([BATCH, LATENT]), tf.randomNormal([BATCH, LATENT])];
  return {
    name: `tfjs-${backend} ${form}`,
    note,
    enter: async () => void (await tf.setBackend(backend)),
    step: () => {
      const loss = tf.tidy(() => {
        if (form === 'stock') {
          const e = eps();
          const { value, grads } = tf.variableGrads(() => stockLoss(tf, model, xs, e, cayleyMap), vars);
          adam.applyGradients(grads as Parameters<Tf.AdamOptimizer['applyGradients']>[0]);
          return value;
        }
        const { loss, grads } = expertGradients(tf, model, xs, eps());
        adam.applyGradients(grads as Parameters<Tf.AdamOptimizer['applyGradients']>[0]);
        return loss;
      });
      loss.dataSync();
      loss.dispose();
    },
    close: () => {
      tf.dispose([...vars, ...xs]);
      adam.dispose();
    },
  };
}

/** Both forms' gradients at the same parameters and ε, on the current backend: for the tests. */
export function tfjsGradients(tf: typeof Tf): {
  stock: Record<string, Float32Array>;
  expert: Record<string, Float32Array>;
} {
  const model = createModel(tf);
  model.free.assign(tf.mul(0.3, tf.randomNormal([LATENT, LATENT], 0, 1, 'float32', 3)));
  const xs = peerRows().map((r) => tf.tensor2d(r, [BATCH, DIM]));
  const e = [
    tf.randomNormal([BATCH, LATENT], 0, 1, 'float32', 4),
    tf.randomNormal([BATCH, LATENT], 0, 1, 'float32', 5),
  ];
  const read = (g: Tf.NamedTensorMap) =>
    Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.dataSync() as Float32Array]));
  const stock = read(tf.variableGrads(() => stockLoss(tf, model, xs, e, cayleyOp(tf)), variables(model)).grads);
  const expert = read(expertGradients(tf, model, xs, e).grads);
  return { stock, expert };
}

/** TensorFlow.js's peers: wasm stock and expert, cpu stock; or why none runs. */
export async function tfjsPeers(): Promise<JsPeer[] | string> {
  let tf: typeof Tf, wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    tf = await import('@tensorflow/tfjs'); // tfjs-core with its gradients and the cpu backend
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch {
    return 'TensorFlow.js not run: @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are not installed';
  }
  tf.env().set('PROD', true);
  if (!(await tf.setBackend('wasm'))) return 'TensorFlow.js not run: its wasm backend did not start';
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    threads = wasm.getThreadsCount();
  const wasmNote = `wasm ${simd ? 'SIMD' : 'without SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? '' : ' (its threaded build is off here: WASM_HAS_MULTITHREAD_SUPPORT is false)'}`;
  const hand = 'the Cayley map and its gradient by hand (TF.js has no solve)';
  const peers = [
    tfjsPeer(tf, 'wasm', 'stock', `${wasmNote}; ops, tf.variableGrads, tf.train.adam; ${hand}`),
    tfjsPeer(
      tf,
      'wasm',
      'expert',
      `${wasmNote}; the backward by hand with plain matMuls (explicit transposes), fused bias and ReLU; ${hand}`,
    ),
  ];
  await tf.setBackend('cpu');
  peers.push(tfjsPeer(tf, 'cpu', 'stock', `plain JS; ops, tf.variableGrads, tf.train.adam; ${hand}`));
  return peers;
}

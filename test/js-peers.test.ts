// The JS peers of `jpvae bench --peers`: the hand-written parts must be the
// gradients the libraries would compute. The Cayley map's gradient by hand
// (cayley.ts) against central differences of the map; TensorFlow.js's
// expert form (its backward by hand) against its stock autodiff.

import test from 'ava';
import { createRequire } from 'node:module';
import { cayley, cayleyGrad } from '../src/bench/cayley.ts';

test('the Cayley map is orthogonal and its gradient by hand matches central differences', (t) => {
  const n = 5,
    free = Float64Array.from({ length: n * n }, (_, i) => Math.sin(3 * i + 1));
  const { o } = cayley(free, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += o[i * n + k] * o[j * n + k];
      t.true(Math.abs(s - (i === j ? 1 : 0)) < 1e-12, `OOᵀ = I at ${i},${j}`);
    }
  const g = Float64Array.from({ length: n * n }, (_, i) => Math.cos(5 * i));
  const loss = (f: Float64Array) => cayley(f, n).o.reduce((s, x, i) => s + x * g[i], 0);
  const grad = cayleyGrad(cayley(free, n), g, n);
  for (let i = 0; i < n * n; i++) {
    const up = Float64Array.from(free),
      down = Float64Array.from(free);
    up[i] += 1e-6;
    down[i] -= 1e-6;
    const fd = (loss(up) - loss(down)) / 2e-6;
    t.true(Math.abs(fd - grad[i]) < 1e-7, `∂L/∂free[${i}]: by hand ${grad[i]}, central differences ${fd}`);
  }
});

const installed = (pkg: string) => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};
const withTf = installed('@tensorflow/tfjs') ? test : test.skip;
if (!installed('@tensorflow/tfjs')) console.log('TensorFlow.js peer test skipped: @tensorflow/tfjs is not installed');

withTf("TensorFlow.js's expert form (backward by hand) gives its stock autodiff's gradients", async (t) => {
  const tf = await import('@tensorflow/tfjs');
  const { tfjsGradients } = await import('../src/bench/tfjs-peer.ts');
  await tf.setBackend('cpu');
  const { stock, expert } = tfjsGradients(tf);
  t.deepEqual(Object.keys(expert).sort(), Object.keys(stock).sort());
  for (const [name, a] of Object.entries(stock)) {
    const b = expert[name];
    let diff = 0,
      size = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      size = Math.max(size, Math.abs(a[i]));
    }
    t.true(size > 0 && diff <= 1e-5 * size, `variable ${name}: ${diff} apart at a scale of ${size}`);
  }
});

const withJax = installed('@jax-js/jax') ? test : test.skip;
if (!installed('@jax-js/jax')) console.log('jax-js peer test skipped: @jax-js/jax is not installed');

withJax(
  "jax-js's vjp through its solve (the stock form) gives the Cayley gradient by hand (the expert form)",
  async (t) => {
    const jax = await import('@jax-js/jax');
    const { cayleyMap } = await import('../src/bench/jaxjs-peer.ts');
    await jax.init('wasm');
    jax.defaultDevice('wasm');
    const n = 20,
      free = Float32Array.from({ length: n * n }, (_, i) => 0.3 * Math.sin(7 * i + 2)),
      g = Float32Array.from({ length: n * n }, (_, i) => Math.cos(3 * i));
    const np = jax.numpy;
    const [o, vjp] = jax.vjp(cayleyMap(jax), [np.array(free).reshape([n, n])]);
    const [d] = vjp(np.array(g).reshape([n, n]));
    vjp.dispose();
    const byJax = d.dataSync(),
      oJax = o.dataSync();
    const c = cayley(free, n),
      byHand = cayleyGrad(c, g, n);
    for (let i = 0; i < n * n; i++) {
      t.true(Math.abs(oJax[i] - c.o[i]) < 1e-5, `O[${i}]: jax-js ${oJax[i]}, by hand ${c.o[i]}`);
      t.true(
        Math.abs(byJax[i] - byHand[i]) < 1e-4 * (1 + Math.abs(byHand[i])),
        `∂L/∂free[${i}]: jax-js ${byJax[i]}, by hand ${byHand[i]}`,
      );
    }
  },
);

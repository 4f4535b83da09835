// The app's fit, in a Web Worker with default options: every core where
// the page is cross-origin isolated, one thread (and one warning) where not.
import { fit, parseMatrix } from 'jpvae';

// The page's address: a bundler puts this worker elsewhere (assets/), so data/ is found from the page.
let page;
const read = async (name) => {
  const m = parseMatrix(new Uint8Array(await (await fetch(new URL(`data/${name}`, page))).arrayBuffer()), name);
  return { data: m.data, width: m.cols };
};

// Not top-level await: Vite bundles workers as classic scripts (iife) by default.
async function main() {
  const warnings = [];
  const model = await fit(
    { view1: await read('view1.csv'), view2: await read('view2.csv') },
    {
      likelihood: ['gaussian', 'gaussian'],
      latent: 2,
      hidden: [32],
      epochs: 20,
      seed: 1,
      onWarning: (warning) => warnings.push(warning),
    },
  );
  const imputed = model.impute(await read('new-view1.csv'), { given: 1 });
  return { backend: model.net.k.name, warnings, imputed: Array.from(imputed) };
}

self.onmessage = ({ data }) => {
  page = data.page;
  main().then(
    (result) => self.postMessage(result),
    (e) => self.postMessage({ error: e instanceof Error ? e.message : String(e) }),
  );
};

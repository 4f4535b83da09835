// The worker: the same calls as the Node example (examples/node), from
// bytes instead of paths. initWasm is given the wasm files' URLs, since a
// bundle does not keep the package's layout.
import { fit, fromFiles, initWasm, parseMatrix } from 'jpvae';

self.onmessage = async ({ data: { files, wasm } }) => {
  try {
    await initWasm(wasm);
    const read = (name) => {
      const m = parseMatrix(new TextEncoder().encode(files[name]), name);
      return { data: m.data, width: m.cols };
    };
    const model = await fit(
      { view1: read('view1.csv'), view2: read('view2.csv') },
      {
        likelihood: ['gaussian', 'gaussian'],
        latent: 2,
        hidden: [32],
        epochs: 60,
        seed: 1,
        onEpoch: (e) => self.postMessage({ epoch: e.epoch, loss: e.train.loss }),
      },
    );
    const given = read('new-view1.csv');
    const imputed = model.impute(given, { given: 1 });
    const again = (await fromFiles(model.toFiles())).impute(given, { given: 1 });
    self.postMessage({
      backend: model.net.k.name,
      rows: given.data.length / given.width,
      imputed: Array.from(imputed),
      identical: again.every((v, i) => v === imputed[i]),
    });
  } catch (e) {
    self.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
};

// What --fp16 costs a model: its f32 and fp16 exports, in memory, run by
// onnxruntime-web (wasm EP) on every row of the data the model evaluates on
// (hvdMNIST test rows, or a files model's held-out rows), both mean
// imputers. Prints the largest change of an output value, relative to the
// largest output, and the mean absolute change.
//   node --import=tsx scripts/fp16-error.ts MODEL_DIR

import * as ort from 'onnxruntime-web';
import { loadModel } from '../src/store/load-model.ts';
import { reopenSplit } from '../src/data/source.ts';
import { buildExport, exportInputOf } from '../src/onnx/export.ts';
import { imputerGraphNames } from '../src/onnx/jpvae-graphs.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: scripts/fp16-error.ts MODEL_DIR');
const { model, json } = loadModel(dir);
const data = reopenSplit(json.data, 'test'),
  input = exportInputOf(json);
const [full, half] = (['float32', 'float16'] as const).map((w) => buildExport(model, input, { weights: w }).files);
for (const target of [1, 2] as const) {
  const given = 3 - target,
    file = `${imputerGraphNames(target, [given]).mean}.onnx`,
    x = data.xs[given - 1],
    dim = x.length / data.n;
  const feeds = { [`x${given}`]: new ort.Tensor('float32', x, [data.n, dim]) };
  const [a, b] = await Promise.all(
    [full, half].map(
      async (files) =>
        (await (await ort.InferenceSession.create(files[file], { executionProviders: ['wasm'] })).run(feeds))[
          `x${target}`
        ].data as Float32Array,
    ),
  );
  let worst = 0,
    scale = 0,
    sum = 0;
  for (let t = 0; t < a.length; t++) {
    const d = Math.abs(a[t] - b[t]);
    worst = Math.max(worst, d);
    scale = Math.max(scale, Math.abs(a[t]));
    sum += d;
  }
  console.log(
    `${file}: ${data.n} rows, f32 ${(full[file].length / 1e6).toFixed(2)} MB, fp16 ${(half[file].length / 1e6).toFixed(2)} MB; max |Δ| ${worst.toExponential(2)} (${(worst / scale).toExponential(2)} of the largest output), mean |Δ| ${(sum / a.length).toExponential(2)}`,
  );
}

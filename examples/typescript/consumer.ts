// The API from TypeScript (a strict consumer type-checks this file against
// the installed package): fit, impute, files, ONNX export, and the Node
// entry point. (jpvae/runtime's types need its peer onnxruntime-web.)
import { fit, fromFiles, type FitOptions, type JpvaeModel, type Metrics, type ModelFiles } from 'jpvae';
import { readMatrix } from 'jpvae/node';

export async function trainAndImpute(view1: string, view2: string, given: Float32Array): Promise<Float32Array> {
  const a = readMatrix(view1, 'view1'),
    b = readMatrix(view2, 'view2');
  const options: FitOptions = { prior: 'orthogonal', likelihood: ['gaussian', 'gaussian'], latent: 2, epochs: 5 };
  const model: JpvaeModel = await fit(
    { view1: { data: a.data, width: a.cols }, view2: { data: b.data, width: b.cols } },
    options,
  );
  const files: ModelFiles = model.toFiles();
  const same = await fromFiles(files);
  const metrics: Metrics = same.evaluate({
    view1: { data: a.data, width: a.cols },
    view2: { data: b.data, width: b.cols },
  });
  console.log(metrics.impute.x2_given_x1, model.exportOnnx().manifest.onnx.opset);
  return same.impute({ data: given, width: a.cols }, { given: 1, samples: 3 });
}

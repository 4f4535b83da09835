// `jpvae export`: a model directory as ONNX files for onnxruntime (web or node).

import { InputError } from '../errors.ts';
import { buildExport, exportInputOf } from '../onnx/export.ts';
import { checkExportDir, writeExport } from '../onnx/write-export.ts';
import { parseFlags } from './args.ts';
import { loadModel } from '../store/load-model.ts';
import { jsonText } from '../io/json-keys.ts';

const HELP = `usage: jpvae export --model DIR --out DIR [--fp16] [--json]

  --model DIR             a model directory written by jpvae train (with its latent fit)
  --out DIR               where to write the graphs and manifest.json (new, empty, or an earlier export):
                            encoder1/2.onnx    x_i → mu_i, logvar_i
                            decoder1/2.onnx    z_i → x_i (the likelihood's mean)
                            impute_2_from_1.onnx, impute_1_from_2.onnx
                                               x_j → x_i, the mean imputation; x_j is its only input
                            sample_2_from_1.onnx, sample_1_from_2.onnx
                                               x_j, eps_i (, noise_i) → one draw of x_i
                          Every x is in the view's original units: standardisation is inside the graphs.
  --fp16                  store the dense layers' weight matrices as float16: about half the size; the
                          graphs still compute in float32
  --json                  print the manifest and the file sizes as one JSON object on stdout
`;

export async function exportCommand(argv: string[]): Promise<void> {
  const f = parseFlags(
    argv,
    {
      model: { type: 'string' },
      out: { type: 'string' },
      fp16: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'export',
  );
  if (f.help) {
    process.stdout.write(HELP);
    return;
  }
  if (!f.model) throw new InputError('--model: required (a model directory written by jpvae train)');
  if (!f.out) throw new InputError('--out: required (a directory for the ONNX files)');
  checkExportDir(f.out, '--out');
  const { model, json } = loadModel(f.model);
  // The imputation graphs condition on the fit that training stores when it finishes.
  if (!json.latentFit)
    throw new InputError(
      `--model ${f.model}: the model has no latent fit (training did not finish); resume it to the end first`,
    );
  const { manifest, files } = buildExport(model, exportInputOf(json), f.fp16 ? 'float16' : 'float32');
  const bytes = writeExport(f.out, files);
  if (f.json) {
    process.stdout.write(jsonText({ out: f.out, bytes, manifest }));
    return;
  }
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${f.out}: opset ${manifest.onnx.opset}, IR ${manifest.onnx.irVersion}, ${manifest.onnx.weights} weights, ${(total / 1e6).toFixed(1)} MB\n` +
      Object.entries(bytes)
        .map(([file, n]) => `  ${file.padEnd(22)} ${(n / 1e6).toFixed(2)} MB`)
        .join('\n') +
      '\n',
  );
}

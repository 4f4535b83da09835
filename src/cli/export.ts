// `jpvae export`: a model directory as ONNX files for onnxruntime (web or node).

import { InputError } from '../errors.ts';
import type { ImputerSubsets } from '../onnx/export.ts';
import { checkExportDir, writeExport } from '../onnx/write-export.ts';
import { commandFlags, flags } from './args.ts';
import { jsonText } from '../io/json-keys.ts';
import { loadModel } from '../store/load-model.ts';
import { JpvaeModel } from '../api/model.ts';

const HELP = `usage: jpvae export --model DIR --out DIR [--subsets S …] [--fp16] [--json]

  --model DIR             a model directory written by jpvae train (with its latent fit)
  --out DIR               where to write the graphs and manifest.json (new, empty, or an earlier export):
                            encoderI.onnx      x_i → mu_i, logvar_i, for every view i
                            decoderI.onnx      z_i → x_i (the likelihood's mean)
                            impute_t_from_G.onnx
                                               x_g (g in G) → x_t, the mean imputation, for each view t from
                                               all the others G: impute_2_from_1 and impute_1_from_2 for two
                                               views, impute_2_from_1_3 … for more
                            sample_t_from_G.onnx
                                               x_g, eps_t (, noise_t) → one draw of x_t
                          Every x is in the view's original units: standardisation is inside the graphs.
                          A model with covariates: every graph also takes covariates, the rows' one-hot
                          codes side by side, as manifest.json's covariates lists them
  --subsets S             more imputers, repeatable: pairs (every single view → each other view), all
                          (every set of other views → each view), or G:T, e.g. 1,3:2 (view T from the
                          views G)
  --fp16                  store the dense layers' weight matrices as float16: about half the size; the
                          graphs still compute in float32
  --json                  print the manifest and the file sizes as one JSON object on stdout
`;

/** One --subsets value: pairs, all, or G:T (1,3:2) with views from 1 to m. */
function subsetFlag(value: string, m: number): ImputerSubsets {
  if (value === 'pairs' || value === 'all') return value;
  const match = /^(\d+(?:,\d+)*):(\d+)$/.exec(value);
  const given = match ? match[1].split(',').map(Number) : [],
    target = match ? Number(match[2]) : 0;
  const ok = (v: number) => v >= 1 && v <= m;
  if (!match || !given.every(ok) || !ok(target) || given.includes(target) || new Set(given).size !== given.length)
    throw new InputError(
      `--subsets: expected pairs, all, or GIVEN:TARGET with distinct views from 1 to ${m} like 1,3:2, got '${value}'`,
    );
  return { given, target };
}

export async function exportCommand(argv: string[]): Promise<void> {
  const table = flags({ string: 'model out', boolean: 'fp16 json', multiple: 'subsets' });
  const f = commandFlags(argv, 'export', HELP, table);
  if (!f) return;
  if (!f.model) throw new InputError('--model: required (a model directory written by jpvae train)');
  if (!f.out) throw new InputError('--out: required (a directory for the ONNX files)');
  checkExportDir(f.out, '--out');
  // The weights only: imputing and exporting need no optimiser state.
  const loaded = loadModel(f.model, { label: '--model' }),
    model = new JpvaeModel(loaded.model, loaded.json);
  // The imputation graphs condition on the fit that training stores when it finishes.
  if (!model.json.latentFit)
    throw new InputError(
      `--model ${f.model}: the model has no latent fit (training did not finish); resume it to the end first`,
    );
  const subsets = (f.subsets ?? []).map((s) => subsetFlag(s, model.views));
  const built = model.exportOnnx({ fp16: f.fp16, subsets });
  const { manifest, files } = built;
  const bytes = writeExport(f.out, files);
  if (f.json) {
    process.stdout.write(jsonText({ out: f.out, bytes, manifest }));
    return;
  }
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${f.out}: opset ${manifest.onnx.opset}, IR ${manifest.onnx.ir_version}, ${manifest.onnx.weights} weights, ${(total / 1e6).toFixed(1)} MB\n` +
      Object.entries(bytes)
        .map(([file, n]) => `  ${file.padEnd(26)} ${(n / 1e6).toFixed(2)} MB`)
        .join('\n') +
      '\n',
  );
}

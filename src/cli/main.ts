// `jpvae <command>`: dispatch, and the exit-code contract of DESIGN.md:
// 0 ok, 2 bad input or usage (one line, no stack trace), 1 anything else.

import { InputError } from '../errors.ts';
import { DivergenceError } from '../train/trainer.ts';
import { trainCommand } from './train.ts';
import { evalCommand } from './eval.ts';
import { exportCommand } from './export.ts';
import { reproduceCommand } from './reproduce.ts';
import { benchCommand } from './bench.ts';
import { imputeCommand } from './impute.ts';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; about: string }> = {
  train: { run: trainCommand, about: 'train a JPVAE model (hvdMNIST by default)' },
  eval: { run: evalCommand, about: "the paper's metrics of a model on a split" },
  impute: { run: imputeCommand, about: 'fill in the missing view of your rows (CSV/NPY in, CSV/NPY out)' },
  export: { run: exportCommand, about: 'ONNX files (encoders, decoders, imputers) and a manifest for onnxruntime' },
  bench: { run: benchCommand, about: 'GEMM, training and imputation throughput: wasm against the JS twin and onnxruntime-web' },
  reproduce: { run: reproduceCommand, about: "the paper's experiments: priors × seeds, tables and figures in results/" },
};

const USAGE = `usage: jpvae <command> [flags]   (jpvae <command> --help for its flags)

commands:
${Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(8)} ${c.about}`).join('\n')}
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') { process.stdout.write(USAGE); return name ? 0 : 2; }
  const cmd = COMMANDS[name];
  if (!cmd) { process.stderr.write(`jpvae: unknown command '${name}'\n${USAGE}`); return 2; }
  try {
    await cmd.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof InputError) { process.stderr.write(`jpvae ${name}: ${e.message}\n`); return 2; }
    if (e instanceof DivergenceError) { process.stderr.write(`jpvae ${name}: ${e.message}\n`); return 1; }
    process.stderr.write(`jpvae ${name}: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}

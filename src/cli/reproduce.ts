// `jpvae reproduce`: the paper's experiments with the product itself.
// Trains every prior over several seeds in parallel worker processes
// (each a `jpvae reproduce --job prior:seed`), evaluates each model, and
// writes results/: tables (paper's numbers beside ours) and figures.
// A run that was stopped resumes: finished jobs are kept, unfinished
// trainings continue from their last epoch.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKernels } from '../core/index.ts';
import { loadHvdMnist, HVD_TRAIN_ROWS } from '../data/hvdmnist.ts';
import { InputError, Interrupted, RunError } from '../errors.ts';
import { CLASSIFIER_DEFAULTS } from '../eval/classifier.ts';
import { downstreamAccuracy, trueHalvesAccuracy, type Downstream } from '../eval/downstream.ts';
import { writeCrossCorrelation, writeImputationGrid } from '../plot/figures.ts';
import { evaluateMetrics, imputationNll } from '../eval/metrics.ts';
import { table1, table3, type RunResult } from '../eval/report.ts';
import { priorGaussian } from '../impute/latent-fit.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { DEFAULT_ALPHA } from '../model/config.ts';
import type { PriorKind } from '../model/prior/prior.ts';

/** The paper's priors (§2.6), the ones its tables compare. */
const PAPER_PRIORS: readonly PriorKind[] = ['zero', 'svd', 'orthogonal'];
import { readModelJson } from '../store/store.ts';
import { PACKAGE_VERSION } from '../version.ts';
import { commandFlags, flags, intFlag, numberFlag } from './args.ts';
import { loadModel } from '../store/load-model.ts';
import { createProgress } from './progress.ts';
import { trainCommand } from './train.ts';
import { planThreads, withThreads } from '../threads/plan.ts';
import { camelCaseKeys, jsonText } from '../io/json-keys.ts';

const HELP = `usage: jpvae reproduce [flags]

  --priors LIST           priors to train (default zero,svd,orthogonal)
  --seeds N               seeds 1..N per prior (default 5)
  --epochs E              epochs per model (default 30)
  --train-limit N         training rows (default ${HVD_TRAIN_ROWS})
  --alpha A               α of the orthogonal prior (default ${DEFAULT_ALPHA})
  --classifier-epochs K   epochs of each downstream classifier of Table 3; 0 skips Table 3 (default ${CLASSIFIER_DEFAULTS.epochs})
  --jobs J                parallel worker processes (default: the number of cores, ${availableParallelism()})
  --threads N             threads per job's training and evaluation (default: the cores shared among the jobs,
                          ⌊cores / J⌋, at least 1); the results are the same, bit for bit, for any N
  --out DIR               where results go (default results); a stopped run in DIR resumes
`;

interface Plan {
  priors: PriorKind[];
  seeds: number;
  epochs: number;
  trainLimit: number;
  alpha: number;
  classifierEpochs: number;
  out: string;
}

const runDir = (plan: Plan, job: string) => join(plan.out, 'runs', job.replace(':', '-seed'));
const jobFile = (plan: Plan, job: string) => join(runDir(plan, job), 'result.json');

export async function reproduceCommand(argv: string[]): Promise<void> {
  const names = 'priors seeds epochs train-limit alpha classifier-epochs jobs threads out job';
  const f = commandFlags(argv, 'reproduce', HELP, flags({ string: names }));
  if (!f) return;
  const priors = (f.priors ?? 'zero,svd,orthogonal').split(',') as PriorKind[];
  for (const p of priors)
    if (!PAPER_PRIORS.includes(p))
      throw new InputError(`--priors: expected a list of ${PAPER_PRIORS.join(', ')}, got '${f.priors}'`);
  const plan: Plan = {
    priors,
    seeds: intFlag(f.seeds, '--seeds', 5),
    epochs: intFlag(f.epochs, '--epochs', 30),
    trainLimit: intFlag(f['train-limit'], '--train-limit', HVD_TRAIN_ROWS),
    alpha: numberFlag(f.alpha, '--alpha', DEFAULT_ALPHA, (a) => Math.abs(a) < 1, 'a number with −1 < α < 1'),
    classifierEpochs: intFlag(f['classifier-epochs'], '--classifier-epochs', CLASSIFIER_DEFAULTS.epochs, 0),
    out: f.out ?? 'results',
  };
  const jobs = intFlag(f.jobs, '--jobs', availableParallelism());
  // Jobs already run side by side: more threads than cores in all would only time-share them.
  const threads = intFlag(f.threads, '--threads', Math.max(1, Math.floor(availableParallelism() / jobs)));
  if (f.job) return runJob(plan, f.job, threads);

  const planFile = join(plan.out, 'plan.json');
  mkdirSync(plan.out, { recursive: true });
  if (existsSync(planFile)) {
    const old = camelCaseKeys(JSON.parse(readFileSync(planFile, 'utf8'))) as Record<string, unknown>;
    for (const key of ['epochs', 'trainLimit', 'alpha', 'classifierEpochs'] as const) {
      if (old[key] !== plan[key])
        throw new InputError(
          `--out ${plan.out}: holds a run with ${key} = ${old[key]}, not ${plan[key]}; choose another --out to start a different run`,
        );
    }
  }
  writeFileAtomic(planFile, jsonText(plan, { indent: 1 }));

  const seeds = Array.from({ length: plan.seeds }, (_, i) => i + 1);
  // Seed by seed, so that a run stopped part way has whole seeds to report.
  const all = seeds.flatMap((s) => [
    ...priors.map((p) => `${p}:${s}`),
    ...(plan.classifierEpochs > 0 ? [`truth:${s}`] : []),
  ]);
  const todo = all.filter((j) => !existsSync(jobFile(plan, j)));
  const t0 = performance.now();
  process.stderr.write(
    `jpvae reproduce: ${all.length} jobs (${all.length - todo.length} already done), ${jobs} at a time → ${plan.out}\n`,
  );
  await runPool(plan, todo, jobs, argv);
  // A rerun with nothing left to train rewrites the tables and figures, keeping the wall time and machine of the run that trained.
  const previous = join(plan.out, 'summary.json');
  const trained: Trained =
    todo.length || !existsSync(previous)
      ? { wallSeconds: (performance.now() - t0) / 1000, machine: thisMachine() }
      : (camelCaseKeys(JSON.parse(readFileSync(previous, 'utf8')), RESULT_RECORDS) as Trained);
  await writeResults(plan, all, trained, jobs);
}

/**
 * The command a job runs: the bin beside this module (compiled, or its
 * source under tsx, whose loader execArgv passes on), never the path this
 * process was started by: an npx shim in a temporary directory may be gone
 * or changed by the time a job starts.
 */
const JOB_COMMAND = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './bin.ts' : './bin.js', import.meta.url));

/**
 * Run the jobs in up to `width` worker processes; progress counts epochs (and
 * each evaluation). Ctrl-C reaches each job (the terminal sends it to all,
 * and it is passed on for a SIGINT sent to this process alone): a training
 * job stops at its next step with a checkpoint, an evaluating one is ended
 * (its model is complete), no job starts, and the rerun resumes.
 */
async function runPool(plan: Plan, todo: string[], width: number, argv: string[]): Promise<void> {
  const units = (job: string) => (job.startsWith('truth') ? 1 : plan.epochs + 1);
  const total = todo.reduce((s, j) => s + units(j), 0);
  const bar = createProgress('reproduce', total);
  const t0 = performance.now();
  let done = 0,
    finished = 0,
    stop = false;
  const queue = [...todo],
    running = new Set<ChildProcess>();
  const onSigint = () => {
    stop = true;
    for (const child of running) child.kill('SIGINT');
  };
  process.on('SIGINT', onSigint);
  const tick = (n: number) => {
    done += n;
    bar.update(done, `epochs and evaluations done, ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  };
  const worker = async () => {
    for (let job = queue.shift(); job && !stop; job = queue.shift()) {
      let credited = 0;
      const code = await new Promise<number>((resolve) => {
        // One job per child, of this package's own command (JOB_COMMAND), whatever path launched this one.
        const child = spawn(process.execPath, [...process.execArgv, JOB_COMMAND, 'reproduce', ...argv, '--job', job], {
          stdio: ['ignore', 'inherit', 'pipe'],
        });
        running.add(child);
        let tail = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          tail += chunk.toString();
          const lines = tail.split('\n');
          tail = lines.pop()!;
          for (const line of lines) {
            if (/^epoch \d+: /.test(line)) {
              credited++;
              tick(1);
            }
            if (/error|diverged/i.test(line)) process.stderr.write(`[${job}] ${line}\n`);
          }
        });
        child.on('close', (c) => {
          running.delete(child);
          resolve(c ?? 1);
        });
      });
      if (code === 0) {
        finished++;
        tick(units(job) - credited);
      } else if (!stop) throw new RunError(`job ${job} failed (exit ${code}); rerun the same command to resume`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(width, todo.length) }, worker));
  } finally {
    process.off('SIGINT', onSigint);
    bar.stop();
  }
  if (stop)
    throw new Interrupted(
      `stopped with ${todo.length - finished} of ${todo.length} jobs unfinished (trainings checkpointed); rerun the same command to resume`,
    );
}

/** One job, in its own process: train (or resume) a model and evaluate it, or the true-halves classifiers. */
async function runJob(plan: Plan, job: string, threads: number): Promise<void> {
  const [kind, seedText] = job.split(':');
  const seed = Number(seedText),
    dir = runDir(plan, job);
  const train = loadHvdMnist('train', plan.trainLimit),
    test = loadHvdMnist('test');
  const opts = { ...CLASSIFIER_DEFAULTS, epochs: plan.classifierEpochs, seed };
  if (kind === 'truth') {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(
      jobFile(plan, job),
      jsonText({ downstream: trueHalvesAccuracy(createKernels('wasm'), train, test, opts) }),
    );
    return;
  }
  const done = existsSync(join(dir, 'model.json')) ? (readModelJson(dir).training?.state.epoch ?? 0) : 0;
  const t0 = performance.now();
  if (done < plan.epochs) {
    await trainCommand([
      '--threads',
      String(threads),
      ...(done > 0
        ? ['--resume', dir, '--epochs', String(plan.epochs)]
        : [
            '--prior',
            kind,
            '--seed',
            String(seed),
            '--epochs',
            String(plan.epochs),
            '--train-limit',
            String(plan.trainLimit),
            '--alpha',
            String(plan.alpha),
            '--out',
            dir,
            '--force',
          ]),
    ]);
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const threadPlan = planThreads('wasm', threads);
  const { model, json } = loadModel(dir, { threads: threadPlan.threads > 1 });
  const fit = json.latentFit!;
  const prior = priorGaussian(model);
  const result: RunResult = {
    prior: kind as RunResult['prior'],
    seed,
    metrics: await withThreads(model, threadPlan, () => evaluateMetrics(model, test, fit, 'test', seed)),
    imputePrior: {
      x1_given_x2: imputationNll(model, test, prior, [1], 0).loss,
      x2_given_x1: imputationNll(model, test, prior, [0], 1).loss,
    },
    downstream: plan.classifierEpochs > 0 ? downstreamAccuracy(model, fit, train, test, opts) : undefined,
    trainSeconds,
  };
  writeFileAtomic(jobFile(plan, job), jsonText(result));
}

/** What result.json holds in the code's own snake_case (the metrics as eval --json prints them): read as it is. */
const RESULT_RECORDS = ['metrics', 'impute_prior', 'downstream'];

/** "mean (min–max)" of durations in minutes. */
const minutes = (xs: number[]): string => {
  const m = xs.map((x) => x / 60),
    mean = m.reduce((a, b) => a + b, 0) / Math.max(1, m.length);
  return `${mean.toFixed(1)} (${Math.min(...m).toFixed(1)}–${Math.max(...m).toFixed(1)})`;
};

/** What the tables say of the invocation that trained the models. */
interface Trained {
  wallSeconds: number;
  machine: string;
}

const thisMachine = () =>
  `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}, jpvae ${PACKAGE_VERSION}`;

async function writeResults(plan: Plan, all: string[], { wallSeconds, machine }: Trained, jobs: number): Promise<void> {
  const read = (j: string) =>
    camelCaseKeys(JSON.parse(readFileSync(jobFile(plan, j), 'utf8')), RESULT_RECORDS) as RunResult;
  const runs: RunResult[] = all.filter((j) => !j.startsWith('truth')).map(read);
  const truth: Downstream[] = all.filter((j) => j.startsWith('truth')).map((j) => read(j).downstream!);
  const cmd = `jpvae reproduce --priors ${plan.priors.join(',')} --seeds ${plan.seeds} --epochs ${plan.epochs} --train-limit ${plan.trainLimit} --alpha ${plan.alpha} --classifier-epochs ${plan.classifierEpochs}`;
  const header = [
    `Command: \`${cmd}\`. Training time per model ${minutes(runs.map((r) => r.trainSeconds))} min (${jobs === 1 ? 'one model at a time' : `with up to ${jobs} models training at once`})${wallSeconds > 60 ? `; wall time of the last invocation that trained models ${(wallSeconds / 60).toFixed(1)} min` : ''}.`,
    `Machine: ${machine}`,
    "Test split (10,000 rows). Reconstruction: BCE summed over a half's 392 pixels, one sampled z per row (the paper's protocol). Imputation: conditional mean of Eq. 12 from the latent Gaussian fitted on the TRAINING rows only, decoded (the paper fitted on the evaluated split). Active units over all 40 units, threshold 0.01.",
    '',
  ].join('\n\n');
  writeFileAtomic(
    join(plan.out, 'table1.md'),
    `# Tables 1 and 2: reconstruction, imputation, active units\n\n${header}\n${table1(runs)}`,
  );
  if (plan.classifierEpochs > 0) {
    writeFileAtomic(
      join(plan.out, 'table3.md'),
      `# Table 3: downstream classifier accuracy (%)\n\n${header}\nMLP 392→512→512→10, ${plan.classifierEpochs} epochs, Adam 1e-3, batch 32; (Y, Z) = trained on Y (training split), tested on Z (test split). Reconstructions decode the posterior mean.\n\n${table3(runs, truth)}`,
    );
  }
  // Figures from seed 1: the imputation grid (zero vs orthogonal) and the latent cross-correlation heatmaps.
  const figurePriors = (['zero', 'orthogonal'] as const).filter((p) => plan.priors.includes(p)); // the paper's pair, in its order
  const test = loadHvdMnist('test');
  const names = figurePriors.map((p) => ({ zero: 'C = 0', orthogonal: 'C = αO' })[p]);
  const models = figurePriors.map((p, i) => {
    const { model, json } = loadModel(runDir(plan, `${p}:1`));
    return { name: names[i], model, fit: json.latentFit! };
  });
  await writeImputationGrid(join(plan.out, 'figure1-imputations.png'), models, test);
  await writeCrossCorrelation(join(plan.out, 'figure4-cross-correlation.png'), models, test);
  writeFileAtomic(
    join(plan.out, 'figures.md'),
    [
      '# Figures (seed 1 models, test split)',
      '',
      `figure1-imputations.png and .svg (the paper's Figure 1): one test digit per class, a row each. Columns: the true image, then for ${names.join(', then for ')}: the true top with the imputed bottom, and the imputed top with the true bottom (Bernoulli means, Eq. 12 conditional mean through the training-row fit).`,
      '',
      `figure4-cross-correlation.png and .svg (the paper's Figure 4): the empirical correlation between each unit of z1 (rows) and each unit of z2 (columns) of the posterior means, for ${names.join(' (left) and ')} (right), on one colour scale (blue −1, white 0, red +1); each panel's title gives its Frobenius norm.`,
      '',
    ].join('\n'),
  );
  writeFileAtomic(
    join(plan.out, 'summary.json'),
    jsonText({ command: cmd, machine, wallSeconds, runs, truth }, { indent: 1 }),
  );
  process.stdout.write(table1(runs));
}

// Ctrl-C (SIGINT) during `jpvae train` and `jpvae reproduce`: training stops
// at the next step however few steps an epoch has, with a checkpoint that
// --resume continues bit for bit, one line, and exit code 130. The signal is
// sent once the run has said it started (the handler is in place by then),
// and runs that would otherwise go on for a million epochs make the
// outcome independent of the machine's speed.

import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/data/rng.ts';
import { BIN, camelCaseFields, tempDir, weightsPath } from './util.ts';

interface Ran {
  code: number | null;
  err: string;
}

/**
 * `jpvae args…` as a child, `interrupt(child)` once `ready(stderr)` holds
 * (checked as stderr arrives, or every 50 ms); asynchronous throughout, so
 * that no other work of this process holds the signal back.
 */
function interrupted(
  args: string[],
  ready: (err: string) => boolean,
  o: { group?: boolean } = {},
): Promise<Ran & { pid: number }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: o.group });
  let err = '',
    sent = false;
  const check = () => {
    if (sent || !ready(err)) return;
    sent = true;
    clearInterval(poll);
    // As a terminal's Ctrl-C: to the process group (the command and the jobs it started), or to the command alone.
    process.kill(o.group ? -child.pid! : child.pid!, 'SIGINT');
  };
  const poll = setInterval(check, 50);
  child.stderr.on('data', (d) => {
    err += d;
    check();
  });
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, err, pid: child.pid! });
    }),
  );
}

/** `jpvae args…` to its end, without blocking this process. */
function run(...args: string[]): Promise<Ran> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, err })));
}

const started = (err: string) => /^jpvae train: (?!warning)/m.test(err);

/** Lines after the run's own (progress and epoch lines left out). */
const stopLines = (err: string) => err.split('\n').filter((l) => /stop/.test(l));

/**
 * The checkpoint of a run Ctrl-C stopped: one line, exit 130; `--resume` to
 * the end of the epoch it stopped in (or the next) gives the weights of
 * an uninterrupted run of as many epochs.
 */
async function stopsAndResumes(t: any, dir: string, args: string[], threads: string[]): Promise<void> {
  const a = join(dir, 'a');
  const r = await interrupted([...args, '--epochs', '1000000', ...threads, '--out', a], started);
  t.is(r.code, 130, r.err);
  const lines = stopLines(r.err);
  t.is(lines.length, 1, r.err);
  const m =
    /^jpvae train: stopped (?:after epoch (\d+)|in epoch (\d+) after step (\d+)); checkpoint written: continue with --resume (.*) --epochs 1000000$/.exec(
      lines[0],
    );
  t.truthy(m, lines[0]);
  t.is(m![4], a);
  const checkpoint = JSON.parse(readFileSync(join(a, 'model.json'), 'utf8')),
    state = checkpoint.training.state;
  t.deepEqual(camelCaseFields(checkpoint), []);
  t.is(state.epoch, m![1] ? Number(m![1]) : Number(m![2]) - 1);
  t.is(state.partial?.steps, m![3] ? Number(m![3]) : undefined);
  const epochs = state.epoch + 1; // to the end of the epoch it stopped in, or one more
  const resumed = await run('train', '--resume', a, '--epochs', String(epochs), ...threads);
  t.is(resumed.code, 0, resumed.err);
  const b = join(dir, 'b'),
    straight = await run(...args, '--epochs', String(epochs), ...threads, '--out', b);
  t.is(straight.code, 0, straight.err);
  t.deepEqual(readFileSync(weightsPath(a)), readFileSync(weightsPath(b)));
}

// 50 rows, batch 32: epochs of two steps, where a turn of the event loop every 8 steps never came.
const TINY = ['train', '--train-limit', '50', '--hidden', '16', '--latent', '2', '--seed', '5'];

for (const threads of ['1', '2']) {
  test(`Ctrl-C stops two-step epochs of two-view training on ${threads} thread(s) with a checkpoint that resumes`, (t) =>
    stopsAndResumes(t, tempDir(t), TINY, ['--threads', threads]));
}

/** Three small views of 30 rows (real-valued, one row in six without view 3): epochs of one step. */
function writeViews(dir: string): string[] {
  const rng = new Rng(9),
    rows: string[][] = [[], [], []];
  for (let r = 0; r < 30; r++) {
    const s = rng.normal();
    for (let v = 0; v < 3; v++)
      rows[v].push(
        v === 2 && r % 6 === 5 ? '' : [1, 2, 3].map((a) => (a * s + 0.3 * rng.normal()).toFixed(4)).join(','),
      );
  }
  return rows.map((lines, v) => {
    const f = join(dir, `v${v + 1}.csv`);
    writeFileSync(f, lines.join('\n') + '\n');
    return f;
  });
}

test('Ctrl-C stops M-view training (epochs of one step) with a checkpoint that resumes', async (t) => {
  const dir = tempDir(t);
  const views = writeViews(dir).flatMap((f) => ['--view', f]);
  await stopsAndResumes(t, dir, ['train', ...views, '--likelihood', 'gaussian', '--hidden', '8', '--latent', '1'], []);
});

test('Ctrl-C inside a long epoch stops after the current step with a checkpoint that resumes exactly', async (t) => {
  const dir = tempDir(t);
  const args = ['--train-limit', '50000', '--hidden', '128', '--latent', '4', '--epochs', '1'];
  // 1,563 steps: the signal, sent as soon as training has started, lands inside the epoch.
  const r = await interrupted(['train', ...args, '--out', join(dir, 'a')], started);
  t.is(r.code, 130, r.err);
  t.regex(r.err, /stopped in epoch 1 after step \d+; checkpoint written/);
  const state = JSON.parse(readFileSync(join(dir, 'a', 'model.json'), 'utf8')).training.state;
  t.true(state.partial.steps > 0 && state.partial.steps < 1563);
  t.true(Number.isFinite(state.partial.loss_sum));
  t.is((await run('train', '--resume', join(dir, 'a'), '--epochs', '1')).code, 0);
  const b = await run('train', ...args, '--out', join(dir, 'b'));
  t.is(b.code, 0, b.err);
  t.deepEqual(readFileSync(weightsPath(join(dir, 'a'))), readFileSync(weightsPath(join(dir, 'b'))));
});

for (const group of [true, false]) {
  test(`Ctrl-C ${group ? 'to reproduce and its jobs (a terminal)' : 'to reproduce alone'} stops the training job with a checkpoint, one line, exit 130`, async (t) => {
    const out = tempDir(t),
      model = join(out, 'runs', 'zero-seed1');
    const args = ['reproduce', '--priors', 'zero', '--seeds', '1', '--epochs', '1000000', '--train-limit', '50'];
    // Once the job's first checkpoint is there, its handler is too.
    const r = await interrupted(
      [...args, '--classifier-epochs', '0', '--jobs', '1', '--threads', '1', '--out', out],
      () => existsSync(join(model, 'model.json')),
      { group },
    );
    t.is(r.code, 130, r.err);
    t.deepEqual(stopLines(r.err), [
      'jpvae reproduce: stopped with 1 of 1 jobs unfinished (trainings checkpointed); rerun the same command to resume',
    ]);
    t.false(existsSync(join(model, 'result.json')), 'a stopped job is not done');
    t.false(existsSync(join(model, 'train.lock')), 'the job has ended');
    const epoch = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')).training.state.epoch;
    const more = await run('train', '--resume', model, '--epochs', String(epoch + 1));
    t.is(more.code, 0, more.err);
  });
}

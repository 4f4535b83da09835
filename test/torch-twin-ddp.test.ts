// The PyTorch twin continues a jpvae model on 2 processes (torch.distributed,
// gloo, this machine) and hands back a model directory jpvae uses unchanged:
// on a planted linear-Gaussian problem with rows missing a view, its
// imputation error (through `jpvae impute`) is within 10% of jpvae
// continuing the same model for the same epochs; jpvae evaluates it and
// trains it further.

import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePlantedCsv } from './planted-files.ts';
import { jpvae, tempDir } from './util.ts';
import { twin, withTorch } from './torch-twin-util.ts';

const test = withTorch('torch-twin-ddp tests');

test('a 2-process continuation imputes within 10% of jpvae continuing the same model, and jpvae takes it back', (t) => {
  const dir = tempDir(t),
    planted = writePlantedCsv(dir, 600, 200, 0.1, 4);
  const views = ['--view1', join(dir, 'train1.csv'), '--view2', join(dir, 'train2.csv')];
  const [base, js, py] = ['base', 'js', 'py'].map((m) => join(dir, m));
  const flags = ['--likelihood', 'gaussian', '--hidden', '16,16', '--threads', '1'];
  t.is(jpvae('train', ...views, ...flags, '--epochs', '10', '--out', base).code, 0);
  cpSync(base, js, { recursive: true });
  t.is(jpvae('train', '--resume', js, '--epochs', '20', '--threads', '1').code, 0);
  const r = twin('train', '--init', base, ...views, '--epochs', '10', '--nproc', '2', '--out', py);
  t.is(r.code, 0, r.err);

  // The same step count and history as jpvae's continuation.
  const state = (m: string) => JSON.parse(readFileSync(join(m, 'model.json'), 'utf8')).training.state;
  t.is(state(py).step, state(js).step);
  t.is(state(py).history.length, 20);

  const mse = (m: string) => {
    const out = join(dir, `${m}.csv`);
    const i = jpvae('impute', '--model', join(dir, m), '--given', '1', '--input', join(dir, 'test1.csv'), '--out', out);
    t.is(i.code, 0, i.err);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    let sum = 0;
    rows.forEach((l, r) => l.split(',').forEach((v, j) => (sum += (Number(v) - planted.truth2[r][j]) ** 2)));
    return sum / (rows.length * planted.dims[1]);
  };
  const [before, mine, theirs] = [mse('base'), mse('js'), mse('py')];
  t.true(mine < 0.8 * before, `jpvae's 10 more epochs improve its imputation (${before} → ${mine})`);
  t.true(Math.abs(theirs / mine - 1) < 0.1, `imputation MSE: twin on 2 processes ${theirs}, jpvae ${mine}`);

  t.is(jpvae('eval', '--model', py).code, 0);
  const more = jpvae('train', '--resume', py, '--epochs', '21', '--threads', '1');
  t.is(more.code, 0, more.err);
  t.is(state(py).epoch, 21);
});

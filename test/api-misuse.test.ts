// The API called wrongly: every option of every public call given a value
// of the wrong type, every call given a misspelt option, options that are
// not an object, and inputs of the wrong shape; each is one InputError
// whose message names the argument (and, for a misspelt key, the nearest
// valid one), never a TypeError from inside the library.

import test from 'ava';
import { fit, FitRun, fromFiles, load, OPTION_RULES, type JpvaeModel } from '../src/api/model.ts';
import { InputError } from '../src/errors.ts';
import { adaptCovariates } from '../src/api/adapt.ts';

const rows = (n: number, w: number, seed: number) =>
  Array.from({ length: n }, (_, r) => Array.from({ length: w }, (_, j) => Math.sin(seed * 7 + r * 1.3 + j)));
const VIEWS = [rows(40, 3, 1), rows(40, 2, 2)];
const SMALL = { hidden: [4], latent: 1, epochs: 1, threads: 1, likelihood: 'gaussian' };

let model: JpvaeModel;
test.before(async () => {
  model = await fit(VIEWS, SMALL);
});

/** A value of a type the rule does not take: a number where text, a function or a list is expected, else text. */
const wrongValue = (expected: string): unknown =>
  /^(a string|a name|a function|a list)/.test(expected) ? 42 : 'nonsense';

/** Each call as a user makes it, with options `o`. */
const CALLS: Record<keyof typeof OPTION_RULES, (o: unknown) => unknown> = {
  fit: (o) => fit(VIEWS, { ...SMALL, ...(o as object) }),
  run: async (o) => {
    const run = await FitRun.start(VIEWS, SMALL);
    try {
      return await run.run(o as never);
    } finally {
      await run.close();
    }
  },
  impute: (o) => model.impute(VIEWS[0], { given: 1, ...(o as object) } as never),
  encode: (o) => model.encode(VIEWS[0], { view: 1, ...(o as object) } as never),
  evaluate: (o) => model.evaluate(VIEWS, o as never),
  calibration: (o) => model.calibration(VIEWS, o as never),
  exportOnnx: (o) => model.exportOnnx(o as never),
  adapt: (o) => adaptCovariates(model, VIEWS, { covariates: {}, ...(o as object) } as never),
  fromFiles: (o) => fromFiles(model.toFiles(), o as never),
  load: (o) => load('nowhere', o as never),
};

/** The call rejects (or throws) with one InputError whose message matches. */
async function refuses(t: import('ava').ExecutionContext, call: () => unknown, message: RegExp) {
  const e = await (async () => {
    try {
      await call();
    } catch (err) {
      return err;
    }
    return undefined;
  })();
  t.true(e instanceof InputError, `an InputError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  t.regex((e as Error).message, message);
  t.false((e as Error).message.includes('\n'), 'one line');
}

for (const [call, rules] of Object.entries(OPTION_RULES) as [
  keyof typeof OPTION_RULES,
  Record<string, { expected: string }>,
][]) {
  for (const [key, rule] of Object.entries(rules)) {
    if (call === 'impute' && key === 'names') continue; // (any list: the names of the inputs)
    test(`${call}: ${key} of the wrong type is one InputError naming ${key}`, async (t) => {
      await refuses(t, () => CALLS[call]({ [key]: wrongValue(rule.expected) }), new RegExp(`^${key}: expected`));
    });
  }
  const first = Object.keys(rules)[0];
  const misspelt = first.length > 3 ? first.slice(0, -1) + 'x' : first + 'x';
  test(`${call}: a misspelt option '${misspelt}' is one InputError naming the nearest valid key`, async (t) => {
    await refuses(
      t,
      () => CALLS[call]({ [misspelt]: 1 }),
      new RegExp(`unknown option '${misspelt}'; did you mean '${first}'\\?`),
    );
  });
}

for (const call of ['evaluate', 'calibration', 'exportOnnx', 'fromFiles', 'load'] as const)
  test(`${call}: options that are not an object are one InputError`, async (t) => {
    await refuses(t, () => CALLS[call](5), new RegExp(`^options of ${call}: expected an object of options, got 5`));
  });

test('impute without options, encode without options: one InputError saying what is required', async (t) => {
  await refuses(t, () => model.impute(VIEWS[0], undefined as never), /^options of impute: required \(\{ given \}/);
  await refuses(t, () => model.encode(VIEWS[0], undefined as never), /^options of encode: required \(\{ view \}/);
});

test('inputs of the wrong shape: one InputError naming the input', async (t) => {
  await refuses(t, () => fit(null as never, SMALL), /^views: expected a list of views/);
  await refuses(t, () => fit([VIEWS[0]], SMALL), /^views: expected a list of at least two views, got 1/);
  await refuses(
    t,
    () => fit([VIEWS[0], 7 as never], SMALL),
    /^views\[1\]: expected \{ rows, cols, data \}, \{ data, width \} or an array of rows, got number/,
  );
  await refuses(t, () => fit([VIEWS[0], [[1, 2], 'ab' as never]], SMALL), /^views\[1\]: row 2 is string/);
  await refuses(t, () => model.impute(null as never, { given: 1 }), /^rows: expected \{ rows, cols, data \}/);
  await refuses(
    t,
    () => model.impute(VIEWS[1], { given: 1 }),
    /^rows: rows have 2 values, but view 1 of the model has 3/,
  );
  await refuses(
    t,
    () => model.encode(VIEWS[0], { view: 3 }),
    /^view: expected distinct view numbers from 1 to 2, got 3/,
  );
  await refuses(t, () => load('' as never), /^dir: expected a directory's path/);
});

test('encode gives each row its posterior mean: n × the view latent size, the same for the same rows', (t) => {
  const z = model.encode(VIEWS[0], { view: 1 });
  t.is(z.length, 40 * 1);
  t.true(z.every(Number.isFinite));
  t.deepEqual(model.encode(VIEWS[0].slice(0, 5), { view: 1 }), z.subarray(0, 5));
  t.notDeepEqual(model.encode(VIEWS[1], { view: 2 }), z);
});

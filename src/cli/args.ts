// Flag parsing on top of node:util parseArgs: every mistake becomes one
// InputError line naming the flag and what was expected.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed flags: a string or a boolean by each flag's type (strings for a repeated flag), undefined when absent. */
export type FlagValues<T extends Options> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : T[K] extends { multiple: true } ? string[] : string;
};

/** The words of a space-separated list, as a union of string types: `Words<'a b'>` is `'a' | 'b'`. */
type Words<S extends string> = S extends `${infer W} ${infer Rest}` ? W | Words<Rest> : S extends '' ? never : S;

/** A flag table from its names by kind, space-separated; every table has --help (-h). */
export type FlagTable<S extends string, B extends string, M extends string> = {
  [K in Words<S>]: { type: 'string' };
} & { [K in Words<B>]: { type: 'boolean' } } & { [K in Words<M>]: { type: 'string'; multiple: true } } & {
  help: { type: 'boolean'; short: 'h' };
};

/** `flags({ string: 'model out', boolean: 'json' })`: string flags, boolean flags and repeated string flags (`multiple`). */
export function flags<S extends string = '', B extends string = '', M extends string = ''>(names: {
  string?: S;
  boolean?: B;
  multiple?: M;
}): FlagTable<S, B, M> {
  const table: Options = {};
  const each = (list: string | undefined, spec: Options[string]) => {
    for (const name of list?.split(' ').filter(Boolean) ?? []) table[name] = spec;
  };
  each(names.string, { type: 'string' });
  each(names.boolean, { type: 'boolean' });
  each(names.multiple, { type: 'string', multiple: true });
  table.help = { type: 'boolean', short: 'h' };
  return table as FlagTable<S, B, M>;
}

export function parseFlags<T extends Options>(argv: string[], options: T, command: string): FlagValues<T> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as FlagValues<T>;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '');
    throw new InputError(`${msg} (see 'jpvae ${command} --help')`);
  }
}

/** A command's flags, or undefined when --help was given and `help` printed (the command then does nothing else). */
export function commandFlags<T extends Options>(
  argv: string[],
  command: string,
  help: string,
  options: T,
): FlagValues<T> | undefined {
  const f = parseFlags(argv, options, command);
  if (!f.help) return f;
  process.stdout.write(help);
  return undefined;
}

export function intFlag(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InputError(`${flag}: expected an integer ≥ ${min}, got '${value}'`);
  return n;
}

export function numberFlag(
  value: string | undefined,
  flag: string,
  fallback: number,
  check: (x: number) => boolean,
  expected: string,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new InputError(`${flag}: expected ${expected}, got '${value}'`);
  return n;
}

export function intListFlag(value: string | undefined, flag: string, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const xs = value.split(',').map(Number);
  if (!xs.length || !xs.every((x) => Number.isInteger(x) && x > 0))
    throw new InputError(`${flag}: expected comma-separated positive integers, got '${value}'`);
  return xs;
}

export function choiceFlag<C extends string>(
  value: string | undefined,
  flag: string,
  choices: readonly C[],
  fallback: C,
): C {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value))
    throw new InputError(`${flag}: expected one of ${choices.join(', ')}, got '${value}'`);
  return value as C;
}

// Flag parsing on top of node:util parseArgs: every mistake becomes one
// InputError line naming the flag and what was expected.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed flags: a string or a boolean by each flag's type (strings for a repeated flag), undefined when absent. */
export type FlagValues<T extends Options> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : T[K] extends { multiple: true } ? string[] : string;
};

export function parseFlags<T extends Options>(argv: string[], options: T, command: string): FlagValues<T> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as FlagValues<T>;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '');
    throw new InputError(`${msg} (see 'jpvae ${command} --help')`);
  }
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

// Option objects as callers hand them, checked before anything reads them:
// a misspelt key or a value of the wrong type is one InputError naming the
// option (and the nearest valid key), never a default silently used in its
// place or a TypeError from deep inside. Ranges stay where the values are
// used: this checks keys and types.

import { InputError } from '../errors.ts';

/** What an option may hold: the words for it, and the test. */
export interface OptionRule {
  expected: string;
  ok: (v: unknown) => boolean;
}

const rule = (expected: string, ok: (v: unknown) => boolean): OptionRule => ({ expected, ok });
const isInt = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;

export const int = (min: number) => rule(`an integer ≥ ${min}`, (v) => isInt(v, min));
export const ints = (min: number) =>
  rule(`a list of integers ≥ ${min}`, (v) => Array.isArray(v) && v.length > 0 && v.every((x) => isInt(x, min)));
export const NUMBER = rule('a finite number', (v) => typeof v === 'number' && Number.isFinite(v));
export const STRING = rule('a string', (v) => typeof v === 'string');
export const BOOLEAN = rule('true or false', (v) => typeof v === 'boolean');
export const FUNCTION = rule('a function', (v) => typeof v === 'function');
export const LIST = rule('a list', (v) => Array.isArray(v));
export const SIGNAL = rule('an AbortSignal', (v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal);
/** Strings or objects (a likelihood by name or as an object), one or a list. */
export const NAMED = rule('a name, an object or a list of them', (v) =>
  [v].flat().every((x) => typeof x === 'string' || (typeof x === 'object' && x !== null)),
);
/** An object of columns: each name to a list of values (one per row). */
export const COLUMNS = rule(
  'an object of columns (each name to one value per row)',
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => Array.isArray(x)),
);
export const oneOf = (choices: readonly string[]) =>
  rule(choices.length === 2 ? choices.join(' or ') : `one of ${choices.join(', ')}`, (v) =>
    choices.includes(v as string),
  );
export const either = (a: OptionRule, b: OptionRule) =>
  rule(`${a.expected} or ${b.expected}`, (v) => a.ok(v) || b.ok(v));

/** A value as a message shows it. */
function shown(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 30 ? v.slice(0, 30) + '…' : v}'`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  return String(v);
}

/** Edit distance of two short strings. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** `o` (an options object, or undefined for none) against `rules`; `what` names the argument ('options of fit'). */
export function checkOptions<T extends object>(o: T | undefined, rules: Record<string, OptionRule>, what: string): T {
  if (o === undefined) return {} as T;
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new InputError(`${what}: expected an object of options, got ${shown(o)}`);
  for (const [key, v] of Object.entries(o)) {
    const r = rules[key];
    if (!r) {
      const near = Object.keys(rules).sort((a, b) => distance(key, a) - distance(key, b))[0];
      const hint =
        near !== undefined && distance(key, near) <= Math.max(2, key.length / 3) ? `; did you mean '${near}'?` : '';
      throw new InputError(`${what}: unknown option '${key}'${hint} (options: ${Object.keys(rules).join(', ')})`);
    }
    if (v !== undefined && !r.ok(v)) throw new InputError(`${key}: expected ${r.expected}, got ${shown(v)}`);
  }
  return o;
}

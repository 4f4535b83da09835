// Reading a parsed JSON value that came from a file we do not trust: each
// accessor checks one field's type and range and returns it typed, or
// throws one line naming the file and the field's path (config.hidden[1]).
// Hand-written rather than a schema library: the checks that matter here
// are numeric ranges and cross-field ones (lengths from the config,
// symmetric positive definite covariances), which a schema library leaves
// to custom refinements anyway, and the browser build stays dependency-free.

import { InputError, quoted } from '../errors.ts';

type Json = unknown;

const show = (v: Json): string => {
  if (typeof v === 'string') return quoted(v, 40);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
};

export class Fields {
  /** `name`: how a field name of the code is spelt in the file, for messages (io/json-keys.ts snakeName). */
  constructor(
    readonly file: string,
    private readonly name: (key: string) => string = (key) => key,
  ) {}

  fail(path: string, what: string): never {
    throw new InputError(`${this.file}: ${path.replace(/[A-Za-z0-9_]+/g, this.name)}: ${what}`);
  }

  expected(path: string, what: string, got: Json): never {
    return this.fail(path, `expected ${what}, got ${got === undefined ? 'nothing (missing)' : show(got)}`);
  }

  object(v: Json, path: string): Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.expected(path, 'an object', v);
    return v as Record<string, Json>;
  }

  string<C extends string = string>(v: Json, path: string, choices?: readonly C[]): C {
    if (typeof v !== 'string' || (choices && !(choices as readonly string[]).includes(v)))
      this.expected(path, choices ? `one of ${choices.join(', ')}` : 'a string', v);
    return v as C;
  }

  boolean(v: Json, path: string): boolean {
    if (typeof v !== 'boolean') this.expected(path, 'true or false', v);
    return v;
  }

  /** An integer in [min, max]. */
  int(v: Json, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.expected(path, `an integer from ${min} to ${max}`, v);
    return v;
  }

  /** A finite number accepted by `ok` (described by `what`). */
  number(v: Json, path: string, what = 'a finite number', ok: (x: number) => boolean = () => true): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) this.expected(path, what, v);
    return v;
  }

  /** An array, of exactly `length` elements when given. */
  array(v: Json, path: string, length?: number): Json[] {
    if (!Array.isArray(v) || (length !== undefined && v.length !== length))
      this.expected(path, length === undefined ? 'an array' : `an array of ${length}`, v);
    return v;
  }

  /** An array of `length` finite numbers, each accepted by `ok`. */
  numbers(v: Json, path: string, length: number, what = 'a finite number', ok?: (x: number) => boolean): number[] {
    const a = this.array(v, path, length);
    a.forEach((x, i) => this.number(x, `${path}[${i}]`, what, ok));
    return a as number[];
  }
}

// One spelling of field names in every JSON file jpvae writes: snake_case
// (format_version, latent_fit, samples_per_sec), as the command line's
// --json output and the benches always were. The code's objects keep
// camelCase fields; these two functions convert at the boundary, field names
// only. A key that is not a plain identifier ("32x512x20:dW", "X~1,X~2",
// "impute_1_from_2") is data, never converted; `keep` names the fields
// whose values are left exactly as they are (records the code itself spells
// in snake_case, maps keyed by data). camelCaseKeys leaves camelCase keys as
// they are, so files written before the change read unchanged.

const CAMEL = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/,
  SNAKE = /^[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)+$/;

/** A camelCase name's snake_case spelling, as a type (`latentFit` → `latent_fit`). */
export type SnakeName<K extends string> = K extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeName<T>}`
  : K;
/** The type of snakeCaseKeys(T): every field name in snake_case, at every depth. */
export type SnakeCase<T> = T extends readonly (infer U)[]
  ? SnakeCase<U>[]
  : T extends object
    ? { [K in keyof T as K extends string ? SnakeName<K> : K]: SnakeCase<T[K]> }
    : T;

/** `latentFit` → `latent_fit`; anything but a camelCase identifier unchanged. */
export const snakeName = (key: string): string =>
  CAMEL.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;

/** `latent_fit` → `latentFit`; anything but a snake_case identifier unchanged. */
export const camelName = (key: string): string =>
  SNAKE.test(key) ? key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : key;

/**
 * A copy of `value` with its field names renamed, built with a stack of its
 * own rather than by recursion: a hostile file of deeply nested arrays
 * (which JSON.parse reads without recursion) must not overflow the call
 * stack.
 */
function renameKeys(value: unknown, rename: (key: string) => string, keep: readonly string[]): unknown {
  const shell = (v: unknown): unknown =>
    Array.isArray(v) ? new Array(v.length) : typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) ? {} : v;
  const root = shell(value),
    todo: [unknown, unknown][] = root === value ? [] : [[value, root]];
  for (let next; (next = todo.pop());) {
    const [from, to] = next as [Record<string, unknown>, Record<string, unknown>];
    const into = (key: string, v: unknown, copy: boolean) => {
      const out = copy ? shell(v) : v;
      to[key] = out;
      if (out !== v) todo.push([v, out]);
    };
    if (Array.isArray(from)) from.forEach((v, i) => into(String(i), v, true));
    else
      for (const [key, v] of Object.entries(from))
        if (v !== undefined) into(rename(key), v, !keep.includes(snakeName(key))); // undefined: as JSON.stringify drops it
  }
  return root;
}

/**
 * `value` with every field name in snake_case, for writing. `keep`: the
 * fields (in snake_case) whose values are copied as they are.
 */
export const snakeCaseKeys = (value: unknown, keep: readonly string[] = []): unknown =>
  renameKeys(value, snakeName, keep);

/** A parsed file's field names in the code's camelCase (camelCase ones stay), for reading. */
export const camelCaseKeys = (value: unknown, keep: readonly string[] = []): unknown =>
  renameKeys(value, camelName, keep);

/** The JSON text of `value` with snake_case field names, one line (or indented by `indent`), ending in a newline. */
export const jsonText = (value: unknown, o: { indent?: number; keep?: readonly string[] } = {}): string =>
  JSON.stringify(snakeCaseKeys(value, o.keep), null, o.indent) + '\n';

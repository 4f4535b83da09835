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

/** `latentFit` → `latent_fit`; anything but a camelCase identifier unchanged. */
export const snakeName = (key: string): string =>
  CAMEL.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;

/** `latent_fit` → `latentFit`; anything but a snake_case identifier unchanged. */
export const camelName = (key: string): string =>
  SNAKE.test(key) ? key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : key;

function renameKeys(value: unknown, rename: (key: string) => string, keep: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename, keep));
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue; // as JSON.stringify drops it
    const name = rename(key);
    out[name] = keep.includes(snakeName(key)) ? v : renameKeys(v, rename, keep);
  }
  return out;
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

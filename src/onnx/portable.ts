// An export is shipped to every browser that loads it, so the model's data
// record goes into it without the training machine's file paths: each
// absolute path (POSIX, Windows, UNC, file: URL) becomes its file name.

const ABSOLUTE = /^(\/|[A-Za-z]:[\\/]|\\\\|file:)/i;

/** `value` (a JSON-like record) with every absolute path string replaced by its last component. */
export function withoutPaths<T>(value: T): T {
  if (typeof value === 'string')
    return (ABSOLUTE.test(value) ? value.replace(/[\\/]+$/, '').replace(/^.*[\\/]/, '') : value) as T;
  if (Array.isArray(value)) return value.map(withoutPaths) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutPaths(v)])) as T;
  return value;
}

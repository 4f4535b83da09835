// Bad input from the user (a flag, a file): the CLI prints the message as
// one line and exits with code 2, never a stack trace.
export class InputError extends Error {
  override name = 'InputError';
}

// Ctrl-C stopped a command cleanly (what it had done is saved): the CLI
// prints the message as one line and exits with 130, the code a shell gives
// a process SIGINT ended, so that `jpvae train … && jpvae eval …` stops too.
export class Interrupted extends Error {
  override name = 'Interrupted';
}

// The installation is incomplete or stale (a wasm build older than the
// code that loads it): the CLI prints the message, which says how to mend
// it, as one line and exits with 1.
export class SetupError extends Error {
  override name = 'SetupError';
}

// A command could not finish for a reason that is neither the user's input
// nor the installation (a job it ran failed, and said why on its own
// lines): the CLI prints the message as one line and exits with 1.
export class RunError extends Error {
  override name = 'RunError';
}

/** f(), or undefined when it throws: for best-effort steps (what they leave, a later run mends) and probes. */
export function orUndefined<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/**
 * A user's text inside a one-line message: quoted, at most `max`
 * characters (then '…'), control, format and other invisible characters
 * escaped, so that a garbage file's bytes can neither run over several
 * lines nor hide what they are.
 */
export function quoted(text: string, max = 24): string {
  let body = text.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(body)) body = body.slice(0, -1); // never half a character
  const escaped = body.replace(/['\\]|[^\P{C}]|[\p{Z}\uFFFD]/gu, (ch) => {
    if (ch === ' ') return ch;
    if (ch === "'" || ch === '\\') return `\\${ch}`;
    const code = ch.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
  return `'${escaped}${text.length > body.length ? '…' : ''}'`;
}

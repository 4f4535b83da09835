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

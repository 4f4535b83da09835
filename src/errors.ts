// Bad input from the user (a flag, a file): the CLI prints the message as
// one line and exits with code 2, never a stack trace.
export class InputError extends Error {
  override name = 'InputError';
}

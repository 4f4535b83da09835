// Packages the CLI uses for one command only are optional peers of jpvae:
// a consumer installs them when it needs that command. Without one, the
// command says which package to install (one line, exit 2).

import { InputError } from '../errors.ts';

export function requirePackage(name: string, forWhat: string): void {
  try {
    import.meta.resolve(name);
  } catch {
    throw new InputError(
      `${forWhat} needs the npm package '${name}', which is not installed: run 'npm install ${name}'`,
    );
  }
}

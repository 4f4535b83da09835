// A file whose format version is above the newest this jpvae knows (a
// model.json, an M-view model.json, an export manifest) is not broken: a
// newer jpvae wrote it. One line that says so and what to do, rather than
// an error about whichever field the older reader trips on first.

/** The line for `what` (a file's name) of format `version`, when this jpvae reads up to `newest`. */
export function newerFormatLine(what: string, version: number, newest: number): string {
  return `${what} was written by a newer jpvae (format ${version}; this jpvae reads up to ${newest}): upgrade jpvae`;
}

// The repository the `pleura` command runs from (it runs from sources through tsx): where the built renderer and
// the bundled demonstration model are, and its version.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The version in package.json: what the services and the files Pleura writes call the software. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

// The repository the `pleura` command runs from (it runs from sources through tsx): where the built renderer and
// the bundled demonstration model are.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

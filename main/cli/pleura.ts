// The `pleura` command: a thin shell over the same services the workstation uses.
// Usage from the repository: `npm run --silent pleura -- <command> …`.
import { resolveDataDir } from '../services/data-dir';
import { commands } from './commands';
import { failureMessage } from './failure-message';
import { CliUsageError, runCli } from './run';

const [name, ...rest] = process.argv.slice(2);
process.exitCode = await runCli(commands, name, rest).catch((error: unknown) => {
  if (error instanceof CliUsageError) {
    process.stderr.write(`pleura: ${error.message}\n`);
    return 2;
  }
  const command = name !== undefined && Object.hasOwn(commands, name) ? name : undefined;
  process.stderr.write(`${failureMessage(error, { command, dataDir: resolveDataDir(), debug: !['', '0', undefined].includes(process.env.PLEURA_DEBUG) })}\n`);
  return 1;
});

// The `pleura` command: a thin shell over the same services the workstation uses.
// Usage from the repository: `npm run --silent pleura -- <command> …`.
import { commands } from './commands';
import { CliUsageError, runCli } from './run';

const [name, ...rest] = process.argv.slice(2);
process.exitCode = await runCli(commands, name, rest).catch((error: unknown) => {
  process.stderr.write(`pleura: ${error instanceof CliUsageError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  return error instanceof CliUsageError ? 2 : 1;
});

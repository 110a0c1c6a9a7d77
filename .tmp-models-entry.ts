import { importTorch } from './main/cli/commands/import-torch';
import { models } from './main/cli/commands/models';
import { CliUsageError, runCli } from './main/cli/run';
const [name, ...rest] = process.argv.slice(2);
process.exitCode = await runCli({ 'import-torch': importTorch, models }, name, rest).catch((error: unknown) => {
  process.stderr.write(`pleura: ${error instanceof CliUsageError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  return error instanceof CliUsageError ? 2 : 1;
});

import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A CLI command: its own flags (node:util parseArgs), a one-line usage, and a handler returning the exit code. */
export interface CliCommand {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: { positionals: string[]; values: Record<string, string | boolean | string[] | undefined> }): Promise<number>;
}

export class CliUsageError extends Error {}

export async function runCli(commands: Record<string, CliCommand>, name: string | undefined, argv: string[]): Promise<number> {
  if (!name || name === '--help' || name === 'help') {
    process.stdout.write(helpText(commands));
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) throw new CliUsageError(`unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\nusage: pleura ${command.usage}`);
  }
  return command.run({ positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | string[] | undefined> });
}

function helpText(commands: Record<string, CliCommand>): string {
  const lines = Object.values(commands).map((c) => `  pleura ${c.usage}\n      ${c.summary}`);
  return `Pleura command line\n\n${lines.join('\n')}\n`;
}

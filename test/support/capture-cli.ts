// Runs a CLI command in-process as pleura.ts does, capturing what it writes to stdout and stderr.
import { vi } from 'vitest';
import { runCli, type CliCommand } from '../../main/cli/run';

export async function runCliCaptured(commands: Record<string, CliCommand>, name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let [stdout, stderr] = ['', ''];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await runCli(commands, name, args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

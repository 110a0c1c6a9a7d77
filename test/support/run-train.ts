// `pleura train` run in-process with the CLI's defaults filled in (as parseArgs would), capturing stdout and stderr.
import { vi } from 'vitest';
import { train } from '../../main/cli/commands/train';

export type TrainArgs = Record<string, string | boolean | string[]>;

const CLI_DEFAULTS: TrainArgs = { plan: 'quick', size: '256', seed: '0', 'checkpoint-every': '0', folds: '5', fold: '0', backend: 'auto', resume: false };

export async function runTrain(args: TrainArgs): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    const code = await train.run({ positionals: [], values: { ...CLI_DEFAULTS, ...args } });
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

// `pleura models …` and `pleura import-torch` through their run() functions, against a data directory of their own.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { importTorch, parseArchOptions } from '../../../../main/cli/commands/import-torch';
import { models } from '../../../../main/cli/commands/models';
import type { CliCommand } from '../../../../main/cli/run';
import { createModel } from '../../../../ml/models';
import { architectureStateDict } from '../../../fixtures/architecture-state-dict';
import { writeTorchZip } from '../../../fixtures/torch-writer';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-model-commands-'));
const dataDir = path.join(root, 'data');
const previousDataDir = process.env.PLEURA_DATA_DIR;
beforeAll(() => {
  process.env.PLEURA_DATA_DIR = dataDir;
});
afterAll(() => {
  if (previousDataDir === undefined) delete process.env.PLEURA_DATA_DIR;
  else process.env.PLEURA_DATA_DIR = previousDataDir;
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

type Values = Record<string, string | boolean | string[]>;

/** Runs a command as the CLI would after parsing its flags; returns its exit code and what it wrote. */
async function run(command: CliCommand, positionals: string[], values: Values = {}) {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await command.run({ positionals, values }), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

const narrowAlbunet = { arch: 'albunet', 'arch-option': ['nf=4'], size: '256' };

describe('pleura models init / list / current / set-current', () => {
  it('makes an untrained model, installs it and makes it current', async () => {
    const out = path.join(root, 'init');
    const result = await run(models, ['init'], { ...narrowAlbunet, out, seed: '5', 'model-version': 'seed5', install: true, 'set-current': true });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({
      model: 'albunet@seed5', out, arch: 'albunet', options: { nf: 4 }, parameters: 22_691_581, source: 'random-init',
      installed: path.join(dataDir, 'models', 'albunet@seed5'), current: true,
    });
    const card = JSON.parse(readFileSync(path.join(out, 'card.json'), 'utf8'));
    expect(card.provenance).toMatchObject({ source: 'random-init', seed: 5, file: null });
    expect(card.notes).toMatch(/^Untrained: random initial weights \(seed 5\)/);

    expect((await run(models, ['list'])).stdout).toBe('* albunet@seed5  albunet nf=4  256px  random-init\n');
    const current = await run(models, ['current'], { json: true });
    expect(JSON.parse(current.stdout)).toMatchObject({ ref: 'albunet@seed5', card: { input: { size: 256 } } });
  });

  it('reports what it cannot do on stderr with exit code 1', async () => {
    expect(await run(models, ['set-current', 'nope@1'])).toEqual({
      code: 1, stdout: '', stderr: `pleura: nope@1 is not installed in ${path.join(dataDir, 'models')}; installed: albunet@seed5\n`,
    });
    const occupied = path.join(root, 'init');
    expect((await run(models, ['init'], { ...narrowAlbunet, out: occupied })).stderr).toMatch(`pleura: ${occupied} already holds files`);
    expect((await run(models, ['init'], { arch: 'albunet', 'arch-option': ['depth=3'], out: path.join(root, 'x') })).stderr).toBe('pleura: albunet has no option "depth" (its options: nf)\n');
    expect(existsSync(path.join(root, 'x'))).toBe(false);
  });

  it('checks its arguments', async () => {
    await expect(run(models, ['frob'])).rejects.toThrow(/unknown models subcommand "frob"/);
    await expect(run(models, ['set-current'])).rejects.toThrow(/usage: pleura models list/);
    await expect(run(models, ['init'], { arch: 'albunet' })).rejects.toThrow(/--arch and --out are required/);
    await expect(run(models, ['init'], { ...narrowAlbunet, out: 'x', seed: 'one' })).rejects.toThrow('--seed must be a whole number, got "one"');
    await expect(run(models, ['init'], { ...narrowAlbunet, out: 'x', size: '5.5' })).rejects.toThrow('--size must be a positive whole number');
    expect(() => parseArchOptions(['nf'])).toThrow('--arch-option expects KEY=VALUE, got "nf"');
    expect(parseArchOptions(['nf=32', 'frozenBatchNorm=false', 'mode=fast'])).toEqual({ nf: 32, frozenBatchNorm: false, mode: 'fast' });
  });
});

describe('pleura import-torch', () => {
  const weightsFile = path.join(root, 'albunet.pth');
  beforeAll(() => {
    writeFileSync(weightsFile, writeTorchZip(architectureStateDict(createModel('albunet', { nf: 4 }).graph, 9).tensors));
  });

  it('imports, installs and is listed beside the other model; set-current switches to it', async () => {
    const out = path.join(root, 'imported');
    const result = await run(importTorch, [weightsFile], { ...narrowAlbunet, out, id: 'albunet-fold0', 'model-version': '1', install: true });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ model: 'albunet-fold0@1', source: 'pytorch', current: false });
    expect((await run(models, ['list'])).stdout).toBe(
      '  albunet-fold0@1  albunet nf=4  256px  pytorch albunet.pth\n* albunet@seed5  albunet nf=4  256px  random-init\n');
    expect((await run(models, ['set-current', 'albunet-fold0@1'])).stdout).toBe('current model: albunet-fold0@1  albunet nf=4  256px  pytorch albunet.pth\n');
    expect((await run(models, ['current'])).stdout).toMatch(/^albunet-fold0@1 /);
  });

  it('names the tensors that do not fit, and exits 1', async () => {
    const out = path.join(root, 'too-wide');
    const result = await run(importTorch, [weightsFile], { arch: 'albunet', 'arch-option': ['nf=8'], out });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^pleura: the weights do not fit the model — shape mismatch: center\.block\.1\.conv\.weight is \[64,512,3,3\] in the file, the model wants \[128,512,3,3\]/);
    expect((await run(importTorch, [path.join(root, 'missing.pth')], { arch: 'albunet', out })).stderr).toMatch(/^pleura: ENOENT: no such file or directory/);
    expect(existsSync(out)).toBe(false);
    await expect(run(importTorch, [], { arch: 'albunet', out })).rejects.toThrow(/expected one weights file/);
  });
});

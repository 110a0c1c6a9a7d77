// One Pleura process per data directory, between real processes: `pleura scan` waits a bounded time for the
// holder and then says who it is (exit 75); a second `pleura serve` is refused at once, told the first one's
// address without its token; a killed holder leaves the directory free. The scans run in this test's own process
// (a process apart from the holder's, as pleura.ts runs the command; a tsx start per scan would only add seconds).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { scan as scanCommand } from '../../../main/cli/commands/scan';
import { writeStudyFolder } from '../../fixtures/study-folder';
import { runCliCaptured } from '../../support/capture-cli';
import { repositoryRoot as repo, startServe } from '../../support/serve-process';
import { ensureRendererBuilt } from '../../renderer/renderer-build';

describe('a data directory another Pleura holds', () => {
  let dir: string;
  let dataDir: string;
  let folder: string;
  const children: ChildProcess[] = [];
  const scan = async (...args: string[]) => {
    vi.stubEnv('PLEURA_DATA_DIR', dataDir);
    try {
      return await runCliCaptured({ scan: scanCommand }, 'scan', [folder, ...args]);
    } finally {
      vi.unstubAllEnvs();
    }
  };

  beforeAll(async () => {
    await ensureRendererBuilt();
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-busy-'));
    folder = path.join(dir, 'images');
    mkdirSync(folder);
    await writeStudyFolder(folder, { studies: 1, imagesPerStudy: 2 });
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes `pleura scan` wait, then say who holds it; once the holder is killed, the scan runs', async () => {
    dataDir = path.join(dir, 'data-scan');
    mkdirSync(dataDir);
    const holder = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-data-dir.ts', dataDir], { cwd: repo });
    children.push(holder);
    await new Promise<void>((resolve) => holder.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && resolve()));

    const busy = await scan('--wait', '1');
    expect(busy.code).toBe(75);
    expect(busy.stderr).toMatch(new RegExp(`^pleura scan: Pleura serve \\(pid ${holder.pid}, since [^)]*, at http://127\\.0\\.0\\.1:4321/\\) is using ${dataDir}; waiting up to 1 s for it to finish\\n`));
    expect(busy.stderr).toMatch(/pleura scan: Pleura serve .* is using .*; open its page with the link it printed/);
    expect(busy.stderr).not.toMatch(/\n\s+at /);
    expect(busy.stdout).toBe('');

    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const scanned = await scan('--json');
    expect(scanned.code).toBe(0);
    expect(JSON.parse(scanned.stdout).summary).toMatchObject({ added: 2, studies: 1 });
  });

  it('refuses a second `pleura serve`, naming the first and its address without the token', async () => {
    dataDir = path.join(dir, 'data-serve');
    const first = startServe({ dataDir });
    children.push(first.child);
    const address = new URL(await first.address);
    const second = startServe({ dataDir });
    children.push(second.child);
    expect(await second.exited).toBe(75);
    expect(second.stderr()).toContain(`pleura serve: Pleura serve (pid ${first.child.pid}, since `);
    expect(second.stderr()).toContain(`at http://127.0.0.1:${address.port}/) is using ${dataDir}`);
    expect(second.output()).not.toContain(address.searchParams.get('token')!);
    // The first one is unaffected.
    expect((await fetch(new URL('/api/app.info', address), { method: 'POST', headers: { Authorization: `Bearer ${address.searchParams.get('token')}` }, body: '{}' })).status).toBe(200);
  });
});

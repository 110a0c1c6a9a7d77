// The esbuild bundles as Electron would load them: built into a scratch folder inside the repository (so the
// external packages resolve from node_modules), the preload evaluated as a sandboxed script, and the main bundle
// run in plain Node against a fake `electron` module, calling the API through its IPC handler.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PleuraBridge } from '../../main/transports/ipc/bridge';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let outdir: string;
let tmp: string;

beforeAll(async () => {
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  outdir = mkdtempSync(path.join(root, 'dist', '.bundle-test-'));
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pleura-bundles-'));
  await run(process.execPath, ['scripts/build-main.mjs', '--outdir', outdir], { cwd: root });
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('main bundles', () => {
  it('has the Electron entry, the preload, and every worker one folder below the output', () => {
    const workers = readdirSync(path.join(root, 'main'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((area) => readdirSync(path.join(root, 'main', area.name)).filter((f) => f.endsWith('.worker.ts')).map((f) => `${area.name}/${f.replace(/\.ts$/, '.js')}`));
    expect(workers.length).toBeGreaterThan(0);
    for (const file of ['app/electron-main.js', 'app/preload.cjs', ...workers]) expect(existsSync(path.join(outdir, file)), file).toBe(true);
  });

  it('has a tiny CommonJS preload that needs nothing but electron and exposes window.pleura', async () => {
    const file = path.join(outdir, 'app', 'preload.cjs');
    expect(statSync(file).size).toBeLessThan(8 * 1024);
    const exposed: Record<string, unknown> = {};
    const required: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: { invoke: async () => ({ ok: true, result: 'sent' }), on: () => {}, removeListener: () => {} },
    };
    const module = { exports: {} };
    vm.runInNewContext(readFileSync(file, 'utf8'), {
      module,
      exports: module.exports,
      require: (name: string) => {
        required.push(name);
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return electron;
      },
    });
    expect(required).toEqual(['electron']);
    const bridge = exposed.pleura as PleuraBridge;
    expect(await bridge.invoke('app.info', {})).toEqual({ ok: true, result: 'sent' });
    expect(await bridge.invoke('app.quit', {})).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
  });

  it('runs the Electron entry: hardened window, page, IPC, services and a scan in the worker bundle', async () => {
    const userData = path.join(tmp, 'user-data');
    const folder = path.join(tmp, 'studies');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'notes.txt'), 'not DICOM');
    const { stdout } = await run(
      process.execPath,
      ['--import', './test/fixtures/electron/register-fake-electron.mjs', path.join(outdir, 'app', 'electron-main.js')],
      { cwd: root, timeout: 60_000, env: { ...process.env, PLEURA_DATA_DIR: '', PLEURA_NO_SAMPLES: '1', PLEURA_FAKE_USER_DATA: userData, PLEURA_FAKE_SCAN: folder } },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(report.sandboxEnabled).toBe(true);
    expect(report.windows[0].webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(existsSync(report.windows[0].webPreferences.preload)).toBe(true);
    expect(report.loaded).toBe(path.join(root, 'dist', 'renderer', 'index.html'));
    expect(report.csp).toMatch(/^default-src 'self'/);
    expect(report.info).toMatchObject({ ok: true, result: { shell: 'electron', dataDir: userData, canPickFolder: true } });
    expect(report.scan).toMatchObject({ ok: true, result: { root: folder, filesSeen: 1, errors: 0, skipped: 1 } });
  });
});

// Packs the app offline with electron-builder (`--linux dir`, a stand-in Electron, no native rebuild) and checks
// the layout the installers would ship: the asar, what it holds, what is unpacked beside it, the models folder.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { listPackage, statFile } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const electronVersion = (JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
let tmp: string;
let resources: string;
let asarFiles: Set<string>;
let rendererBuilt = false;

beforeAll(async () => {
  // Builds only what is missing: a lead's `npm run build` output is packed as it is.
  if (!existsSync(path.join(root, 'dist', 'main', 'app', 'electron-main.js'))) await run('npm', ['run', '--silent', 'build:main'], { cwd: root });
  if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    await run('npm', ['run', '--silent', 'build:renderer'], { cwd: root }).catch((error: Error) =>
      console.warn(`packaging test: the renderer does not build (${error.message.split('\n')[0]}); its checks are skipped`),
    );
  }
  rendererBuilt = existsSync(path.join(root, 'dist', 'renderer', 'index.html'));

  tmp = mkdtempSync(path.join(os.tmpdir(), 'pleura-packaging-'));
  const standIn = path.join(tmp, 'electron-dist');
  mkdirSync(standIn);
  writeFileSync(path.join(standIn, 'electron'), '#!/bin/sh\n');
  chmodSync(path.join(standIn, 'electron'), 0o755);
  const builder = path.join(root, 'node_modules', '.bin', 'electron-builder');
  await run(
    builder,
    ['--linux', 'dir', '--publish', 'never', `-c.electronVersion=${electronVersion}`, `-c.electronDist=${standIn}`, `-c.directories.output=${path.join(tmp, 'out')}`, '-c.npmRebuild=false'],
    { cwd: root, env: { ...process.env, ELECTRON_BUILDER_OFFLINE: 'true' }, maxBuffer: 16 * 1024 * 1024 },
  );
  resources = path.join(tmp, 'out', 'linux-unpacked', 'resources');
  asarFiles = new Set(listPackage(path.join(resources, 'app.asar'), { isPack: false }).map((file) => file.split(path.sep).join('/')));
}, 240_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packaged app (linux dir)', () => {
  it('holds the main bundles, the preload and package.json in app.asar, and no sources', () => {
    for (const file of ['/package.json', '/dist/main/app/electron-main.js', '/dist/main/app/preload.cjs']) expect(asarFiles.has(file), file).toBe(true);
    expect([...asarFiles].some((file) => /^\/dist\/main\/[^/]+\/[^/]+\.worker\.js$/.test(file))).toBe(true);
    expect([...asarFiles].some((file) => file.startsWith('/main/') || file.startsWith('/test/'))).toBe(false);
  });

  it('holds the built renderer in app.asar', (context) => {
    if (!rendererBuilt) context.skip();
    expect(asarFiles.has('/dist/renderer/index.html')).toBe(true);
  });

  it('ships production node_modules only', () => {
    expect(asarFiles.has('/node_modules/better-sqlite3/package.json')).toBe(true);
    expect(asarFiles.has('/node_modules/zod/package.json')).toBe(true);
    for (const devOnly of ['vitest', 'electron', 'electron-builder', 'vite', '@rollup']) {
      expect(asarFiles.has(`/node_modules/${devOnly}`), devOnly).toBe(false);
    }
  });

  it('unpacks native addons and WebAssembly next to the asar', () => {
    const unpacked = path.join(resources, 'app.asar.unpacked', 'node_modules');
    expect(existsSync(path.join(unpacked, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    expect(existsSync(path.join(unpacked, 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'onnxruntime_binding.node'))).toBe(true);
    expect(existsSync(path.join(unpacked, '@cornerstonejs', 'codec-charls', 'dist', 'charlswasm_decode.wasm'))).toBe(true);
    // The archive lists unpacked files too, flagged: none may have its bytes inside.
    const binaries = [...asarFiles].filter((file) => /\.(node|wasm)$/.test(file));
    expect(binaries.length).toBeGreaterThan(0);
    const packed = binaries.filter((file) => !(statFile(path.join(resources, 'app.asar'), file.slice(1)) as { unpacked?: boolean }).unpacked);
    expect(packed).toEqual([]);
  });

  it('ships the models folder as resources/models', () => {
    expect(existsSync(path.join(resources, 'models', 'README.md'))).toBe(true);
  });
});

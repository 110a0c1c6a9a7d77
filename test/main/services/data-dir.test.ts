import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ensureDataDir, indexPath, resolveDataDir } from '../../../main/services/data-dir';

it('uses PLEURA_DATA_DIR when set, made absolute', () => {
  expect(resolveDataDir({ env: { PLEURA_DATA_DIR: '/srv/pleura' }, platform: 'win32', home: '/home/x' })).toBe('/srv/pleura');
  expect(resolveDataDir({ env: { PLEURA_DATA_DIR: 'rel' }, platform: 'linux', home: '/home/x' })).toBe(path.resolve('rel'));
});

it("names the folder Electron's userData would be for productName Pleura", () => {
  expect(resolveDataDir({ env: {}, platform: 'linux', home: '/home/ann' })).toBe('/home/ann/.config/Pleura');
  expect(resolveDataDir({ env: { XDG_CONFIG_HOME: '/xdg' }, platform: 'linux', home: '/home/ann' })).toBe('/xdg/Pleura');
  expect(resolveDataDir({ env: {}, platform: 'darwin', home: '/Users/ann' })).toBe('/Users/ann/Library/Application Support/Pleura');
  expect(resolveDataDir({ env: { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\ann' })).toBe(
    'C:\\Users\\ann\\AppData\\Roaming\\Pleura',
  );
});

it('creates the folder and puts the index in it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-datadir-'));
  try {
    const dataDir = ensureDataDir(path.join(dir, 'a', 'b'));
    expect(existsSync(dataDir)).toBe(true);
    expect(indexPath(dataDir)).toBe(path.join(dir, 'a', 'b', 'index.sqlite'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

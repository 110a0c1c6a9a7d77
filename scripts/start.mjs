// `npm start`: build, then launch the workstation in Electron, when Electron's binary is installed.
// require('electron') would try to download a missing binary; this looks for it the way electron/index.js
// does (path.txt names it inside node_modules/electron/dist, ELECTRON_OVERRIDE_DIST_PATH overrides the folder),
// without the download.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function electronBinary() {
  let packageDir;
  try {
    packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? path.join(override, name || 'electron') : name && path.join(packageDir, 'dist', name);
  return binary && existsSync(binary) ? binary : null;
}

const binary = electronBinary();
if (!binary) {
  process.stderr.write(`Pleura: Electron's binary is not installed, so the desktop window cannot start.

The electron package is installed, but its binary is fetched separately, and this machine cannot download it.
To get it, on a machine with internet access:
    npx install-electron        (or: delete node_modules/electron and run npm install)
or point ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron ${readVersion()} folder.

Meanwhile the same workstation runs in a browser:
    npm run serve               (prints http://127.0.0.1:PORT/?token=…)
`);
  process.exit(1);
}

// npm is a .cmd script on Windows, which only a shell runs.
const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (built.status !== 0) process.exit(built.status ?? 1);
const launched = spawnSync(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(launched.status ?? 1);

function readVersion() {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  } catch {
    return '';
  }
}

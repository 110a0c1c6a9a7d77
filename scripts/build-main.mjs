// `npm run build:main`: esbuild bundles of the Node side into dist/main/ (or --outdir DIR), as Electron runs them.
// - dist/main/app/electron-main.js (ESM: spawn.ts needs import.meta.url) and every main/<area>/<name>.worker.ts
//   to dist/main/<area>/<name>.worker.js: every entry one folder below dist/main/, as spawn.ts expects;
// - dist/main/app/preload.cjs: CommonJS, because sandboxed preloads cannot import modules.
// Packages with native (.node) or WebAssembly files stay external: they load those files from their own folder,
// which the packaged app unpacks from the asar. @tensorflow/* stays external as a whole so the backends and the
// core they register into are one copy.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = path.resolve(values.outdir ?? path.join(root, 'dist', 'main'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

function shipsBinaries(dir, depth = 0) {
  if (!existsSync(dir) || depth > 4) return false;
  return readdirSync(dir, { withFileTypes: true }).some((entry) =>
    entry.isDirectory()
      ? entry.name !== 'node_modules' && shipsBinaries(path.join(dir, entry.name), depth + 1)
      : /\.(node|wasm)$/.test(entry.name) || entry.name === 'binding.gyp',
  );
}

const external = [
  'electron',
  '@tensorflow/*',
  // ws's optional native helpers
  'bufferutil',
  'utf-8-validate',
  // optional dependencies may be absent (tfjs-node cannot install offline); they are loaded with a fallback
  ...Object.keys(pkg.optionalDependencies ?? {}),
  ...Object.keys(pkg.dependencies ?? {}).filter((name) => shipsBinaries(path.join(root, 'node_modules', name))),
];

const workerEntries = readdirSync(path.join(root, 'main'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((area) =>
    readdirSync(path.join(root, 'main', area.name))
      .filter((file) => file.endsWith('.worker.ts'))
      .map((file) => [`${area.name}/${file.slice(0, -'.ts'.length)}`, path.join('main', area.name, file)]),
  );

rmSync(outdir, { recursive: true, force: true });
const common = { absWorkingDir: root, bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };
await Promise.all([
  build({
    ...common,
    entryPoints: Object.fromEntries([['app/electron-main', 'main/app/electron-main.ts'], ...workerEntries]),
    outdir,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external,
    // Bundled CommonJS packages call require(); ESM has none.
    banner: { js: "import { createRequire as __pleuraCreateRequire } from 'node:module'; const require = __pleuraCreateRequire(import.meta.url);" },
  }),
  build({
    ...common,
    entryPoints: ['main/transports/ipc/preload.ts'],
    outfile: path.join(outdir, 'app', 'preload.cjs'),
    format: 'cjs',
    platform: 'browser',
    target: 'chrome130',
    external: ['electron'],
  }),
]);
const built = [['app/electron-main'], ...workerEntries].map(([name]) => `${name}.js`);
process.stdout.write(`built in ${path.relative(root, outdir)}: ${[...built, 'app/preload.cjs'].join(', ')}\nexternal: ${external.join(', ')}\n`);

// The renderer runs sandboxed with no Node: its built bundle must not import a single module by name (every
// import is one of its own chunks), must not call require(), and its page must allow no remote origin.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from './renderer-build';

type ImportRecord = { specifier: string; kind: string; importer: string };

/** Every import of the given modules that is not a relative path, found by esbuild's parser (not by a regex). */
async function externalImports(entryPoints: string[], stdin?: string): Promise<ImportRecord[]> {
  const found: ImportRecord[] = [];
  const recorder: Plugin = {
    name: 'record-imports',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, ({ path: specifier, kind, importer }) => {
        if (kind === 'entry-point' || specifier.startsWith('./') || specifier.startsWith('../')) return undefined;
        found.push({ specifier, kind, importer });
        return { path: specifier, external: true };
      });
    },
  };
  await build({
    ...(stdin === undefined ? { entryPoints } : { stdin: { contents: stdin, loader: 'js' } }),
    bundle: true,
    write: false,
    // Never written; esbuild needs it to name the outputs when the bundle has several chunks (Cornerstone's workers).
    outdir: 'unwritten',
    format: 'esm',
    platform: 'browser',
    logLevel: 'silent',
    plugins: [recorder],
  });
  return found;
}

const requireCall = /(?<![\w$.])require\s*\(/g;

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.m?js$/.test(name))
    .map((name) => path.join(dir, name));
}

function cspOf(html: string): Map<string, string[]> {
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
  if (!meta) throw new Error('index.html has no Content-Security-Policy <meta> tag');
  const policy = meta[1].replaceAll('&#39;', "'").replaceAll('&quot;', '"');
  return new Map(
    policy
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe('the import check itself', () => {
  it('finds Node and Electron imports in every form a bundle could carry them', async () => {
    const source = [
      'import fs from "node:fs";',
      'import { join } from "path";',
      'const cp = require("child_process");',
      'import("electron").then(() => {});',
      'export { fs, join, cp };',
    ].join('\n');
    const found = await externalImports([], source);
    expect(found.map((record) => record.specifier).sort()).toEqual(['child_process', 'electron', 'node:fs', 'path']);
    expect(source.match(requireCall)).toHaveLength(1);
  });
});

describe('the renderer bundle (dist/renderer)', () => {
  let dist: string;
  let files: string[];
  beforeAll(async () => {
    dist = await ensureRendererBuilt();
    files = jsFiles(dist);
  }, 180_000);

  it('emits JavaScript', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('imports nothing by module name: no node:*, fs, path, child_process, electron or any other package', async () => {
    const found = await externalImports(files);
    expect(found.map(({ specifier, kind, importer }) => `${kind} "${specifier}" in ${path.relative(dist, importer)}`)).toEqual([]);
  });

  it('never calls require()', () => {
    const calls = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [...text.matchAll(requireCall)].map((match) => `${path.basename(file)}: …${text.slice(match.index - 40, match.index + 40)}…`);
    });
    expect(calls).toEqual([]);
  });

  it('loads its assets by relative URLs, so it works from file:// as well as over HTTP', () => {
    const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^\.\/[^/]/);
  });

  it('declares a Content-Security-Policy that admits no remote origin', () => {
    const csp = cspOf(readFileSync(path.join(dist, 'index.html'), 'utf8'));
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    const localSources = new Set(["'self'", "'none'", "'unsafe-inline'", 'data:', 'blob:']);
    for (const [directive, sources] of csp) {
      for (const source of sources) expect(localSources, `${directive} allows ${source}`).toContain(source);
    }
    expect([...csp].filter(([, sources]) => sources.includes("'unsafe-inline'")).map(([name]) => name)).toEqual(['style-src']);
  });
});

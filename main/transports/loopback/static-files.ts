// The built renderer as static files. Paths are decoded, resolved under the root and checked again after
// following links, so neither "..", its encodings, nor a symbolic link reaches a file outside the root.
// The renderer routes with a HashRouter, so every page is "/" and no route needs a fallback to index.html.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export type StaticLookup = { status: 200; file: string; size: number } | { status: 400 | 403 | 404 };

export async function lookupStatic(root: string, urlPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  if (decoded.split('/').includes('..')) return { status: 403 };
  const realRoot = await realpath(root);
  const candidate = path.join(realRoot, decoded);
  return (await existingFile(realRoot, candidate)) ?? { status: 404 };
}

async function existingFile(realRoot: string, candidate: string): Promise<StaticLookup | null> {
  try {
    let file = await realpath(candidate);
    if (!isInside(realRoot, file)) return { status: 403 };
    let info = await stat(file);
    if (info.isDirectory()) {
      file = await realpath(path.join(file, 'index.html'));
      if (!isInside(realRoot, file)) return { status: 403 };
      info = await stat(file);
    }
    return info.isFile() ? { status: 200, file, size: info.size } : null;
  } catch {
    return null;
  }
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative));
}

export function sendFile(response: ServerResponse, file: string, size: number, headOnly: boolean): void {
  response.writeHead(200, {
    'Content-Type': contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size,
    'Cache-Control': 'no-cache',
  });
  if (headOnly) {
    response.end();
    return;
  }
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}

// Production build of the renderer: one static folder (dist/renderer) that Electron loads from file:// and the
// loopback server serves over HTTP, so every URL in it is relative (base './').
import path from 'node:path';
import { viteCommonjs } from '@originjs/vite-plugin-commonjs';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { contentSecurityPolicy } from '../main/transports/csp';

const rendererDir = import.meta.dirname;

export default defineConfig({
  root: rendererDir,
  base: './',
  // Cornerstone's dependencies (vtk.js, dicom-parser) still ship CommonJS; the dev server needs them converted.
  plugins: [react(), viteCommonjs(), contentSecurityPolicyMeta()],
  optimizeDeps: {
    exclude: ['@cornerstonejs/core', '@cornerstonejs/tools'],
    include: ['dicom-parser', 'xmlbuilder2', 'globalthis', 'loglevel'],
  },
  worker: { format: 'es' },
  build: {
    outDir: path.resolve(rendererDir, '../dist/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    // Cornerstone is large by nature; the warning would only repeat that on every build.
    chunkSizeWarningLimit: 6000,
  },
});

/**
 * The page carries the same policy the loopback server sends as a header, as a <meta> tag: under file:// in
 * Electron there is no header. `frame-ancestors` is left out because browsers ignore it in a <meta> tag.
 */
function contentSecurityPolicyMeta(): Plugin {
  const policy = contentSecurityPolicy()
    .split('; ')
    .filter((directive) => !directive.startsWith('frame-ancestors'))
    .join('; ');
  return {
    name: 'pleura-csp-meta',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' },
    ],
  };
}

// The page's Content-Security-Policy, the same in Electron and in the browser, and no looser than the renderer's
// own meta tag (both apply): our own files only, no remote origin anywhere. data: images and fonts because Vite
// inlines small assets as data URIs; inline styles and blob: workers because the viewer's libraries use them;
// scripts stay 'self' only.
export function contentSecurityPolicy(options: { connect?: string[] } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    ["connect-src 'self'", ...new Set(options.connect)].join(' '),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

// What every end-to-end test shares: Debian's Chromium driven by playwright-core, the real services behind the
// real loopback server in a fresh data directory, the built renderer, and the page's errors collected.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ApiHandlers } from '../../main/api/contract';
import { createServices, type Services, type ServicesOptions } from '../../main/services/create-services';
import { startLoopbackServer, type LoopbackServer } from '../../main/transports/loopback/server';
import { ensureRendererBuilt, repoRoot } from '../renderer/renderer-build';

export const chromiumPath = '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
/** Appended to a describe title: why the suite is skipped, when it is. */
export const chromiumNote = hasChromium ? '' : ` (skipped: ${chromiumPath} is absent — apt-get install chromium)`;
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
export const artifacts = path.join(repoRoot, 'test-artifacts/e2e');

export interface Workstation {
  dataDir: string;
  services: Services;
  server: LoopbackServer;
  browser: Browser;
  page: Page;
  /** every page error and console error so far */
  pageErrors: string[];
  close(): Promise<void>;
}

export interface WorkstationOptions {
  /** a data directory to use (and remove on close); a fresh temporary one by default */
  dataDir?: string;
  /** handlers that replace the real services' (a test double of a worker behind a real service) */
  handlers?: (services: Services) => Partial<ApiHandlers>;
  /** the first run's bundled model and samples (none by default: a bare data directory) */
  firstRun?: ServicesOptions['firstRun'];
  /** a scripted stand-in for the trainer's worker behind the real training service */
  training?: ServicesOptions['training'];
}

export async function openWorkstation(options: WorkstationOptions = {}): Promise<Workstation> {
  const staticDir = await ensureRendererBuilt();
  mkdirSync(artifacts, { recursive: true });
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'pleura-e2e-'));
  const services = createServices({ dataDir, shell: 'browser', version: '0.0.0-e2e', firstRun: options.firstRun, training: options.training });
  const handlers = { ...services.handlers, ...options.handlers?.(services) };
  const server = await startLoopbackServer({ handlers, events: services.events, staticDir });
  const { browser, page, pageErrors } = await launchChromium();
  return {
    dataDir,
    services,
    server,
    browser,
    page,
    pageErrors,
    async close() {
      await browser.close();
      await server.close();
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits (outside a test too, where expect.poll cannot) until the worklist lists `rows` studies, none waiting for triage. */
export async function waitForWorklistSettled(page: Page, rows: number): Promise<void> {
  await page.waitForFunction(
    (count) => {
      const listed = [...document.querySelectorAll('[data-testid="worklist-row"]')];
      return listed.length === count && listed.every((row) => !['pending', 'queued', 'running'].includes(row.getAttribute('data-status') ?? 'pending'));
    },
    rows,
    { timeout: 120_000, polling: 100 },
  );
}

/** Debian's Chromium with one page, its page errors and console errors collected. */
export async function launchChromium(): Promise<{ browser: Browser; page: Page; pageErrors: string[] }> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console error: ${message.text()} (${message.location().url})`);
  });
  return { browser, page, pageErrors };
}

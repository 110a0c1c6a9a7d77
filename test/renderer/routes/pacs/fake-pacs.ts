// A scripted PACS service behind the real loopback server, for the PACS screens in Chromium: `pacs.*` answers that
// a test sets, every call recorded, progress pushed through the real event hub. Everything else is the transport
// tests' small services (test/fixtures/api/test-services).
import type { Browser, Page } from 'playwright-core';
import type { ApiArgs, ApiHandlers, ApiResults, PacsInfo, PacsJob, PacsSettings, PacsStatus, PacsStudy, WorkstationSettings } from '../../../../main/api/contract';
import { DEFAULT_INTENDED_USE } from '../../../../main/triage/intended-use';
import { startLoopbackServer, type LoopbackServer } from '../../../../main/transports/loopback/server';
import { createTestServices } from '../../../fixtures/api/test-services';
import { launchChromium } from '../../../e2e/support';
import { DEFAULT_PACS_SETTINGS } from '../../../../main/pacs/pacs-settings';
import { ensureRendererBuilt } from '../../renderer-build';

type PacsMethod = Extract<keyof ApiHandlers, `pacs.${string}`>;

export const unconfigured: PacsSettings = { ...DEFAULT_PACS_SETTINGS, pushResults: false };

export function pacsStudy(i: number, patch: Partial<PacsStudy> = {}): PacsStudy {
  return {
    studyInstanceUid: `1.2.826.0.1.${i}`,
    patientId: `P${i}`,
    patientName: `Doe^Patient${i}`,
    studyDate: `2024010${i}`,
    studyTime: '101500',
    accessionNumber: `ACC${i}`,
    studyDescription: 'Chest PA',
    modalities: ['CR'],
    instanceCount: 2,
    localInstances: 0,
    ...patch,
  };
}

export class FakePacs {
  info: PacsInfo = { settings: unconfigured, secret: { present: false, source: null, canStore: true } };
  studies: PacsStudy[] = [];
  /** what `pacs.test` answers for each source; anything else connects in 7 ms */
  testOutcomes = new Map<string, ApiResults['pacs.test']>();
  status: PacsStatus = {
    job: null,
    polling: { enabled: false, lastPollAt: null, nextPollAt: null, lastError: null },
    listener: { running: false, port: null, aeTitle: 'PLEURA', associations: 0, received: 0, error: null },
  };
  readonly calls: { method: PacsMethod; args: unknown }[] = [];
  private job: PacsJob | null = null;
  private readonly services = createTestServices();

  argsOf<M extends PacsMethod>(method: M): ApiArgs<M>[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args as ApiArgs<M>);
  }

  /** The running job changed; pushed to the page as the service would. */
  progress(patch: Partial<PacsJob>): PacsJob {
    if (!this.job) throw new Error('no PACS job is running');
    this.job = { ...this.job, ...patch };
    this.status = { ...this.status, job: this.job };
    this.services.events.emit('pacs.progress', this.job);
    return this.job;
  }

  private startJob(kind: PacsJob['kind'], source: string, studies: number): PacsJob {
    this.job = {
      id: `job-${this.calls.length}`, kind, source, state: 'running', studies, instances: { done: 0, total: studies * 2 },
      retrieved: 0, triaged: 0, pushed: 0, skipped: 0, errors: [], startedAt: new Date().toISOString(), endedAt: null, message: null,
    };
    return this.job;
  }

  private record<M extends PacsMethod>(method: M, answer: (args: ApiArgs<M>) => ApiResults[M]): ApiHandlers[M] {
    return (async (args: ApiArgs<M>) => {
      this.calls.push({ method, args });
      return answer(args);
    }) as ApiHandlers[M];
  }

  handlers(): ApiHandlers {
    const pacs: Pick<ApiHandlers, PacsMethod> = {
      'pacs.settings': this.record('pacs.settings', () => this.info),
      'pacs.updateSettings': this.record('pacs.updateSettings', (patch) => (this.info = { ...this.info, settings: { ...this.info.settings, ...patch } })),
      'pacs.setSecret': this.record('pacs.setSecret', ({ secret }) => (this.info = { ...this.info, secret: { ...this.info.secret, present: secret !== null, source: secret === null ? null : 'safe-storage' } })),
      'pacs.test': this.record('pacs.test', ({ source }) => this.testOutcomes.get(source) ?? { ok: true, ms: 7, message: '' }),
      'pacs.search': this.record('pacs.search', () => this.studies),
      'pacs.retrieve': this.record('pacs.retrieve', ({ source, studyInstanceUids }) => this.startJob('retrieve', source, studyInstanceUids.length)),
      'pacs.push': this.record('pacs.push', ({ studyInstanceUids }) => this.startJob('push', 'dicomweb', studyInstanceUids?.length ?? 0)),
      'pacs.cancel': this.record('pacs.cancel', () => {
        if (this.job?.state !== 'running') return { cancelled: false };
        this.progress({ state: 'cancelled', endedAt: new Date().toISOString() });
        return { cancelled: true };
      }),
      'pacs.status': this.record('pacs.status', () => this.status),
    };
    return { ...this.services.handlers, 'settings.get': async () => workstationSettings, ...pacs };
  }

  async open(): Promise<FakeWorkstation> {
    const staticDir = await ensureRendererBuilt();
    const server = await startLoopbackServer({ handlers: this.handlers(), events: this.services.events, staticDir });
    const { browser, page, pageErrors } = await launchChromium();
    return {
      server,
      browser,
      page,
      pageErrors,
      async close() {
        await browser.close();
        await server.close();
      },
    };
  }
}

export interface FakeWorkstation {
  server: LoopbackServer;
  browser: Browser;
  page: Page;
  pageErrors: string[];
  close(): Promise<void>;
}

/** The settings route reads the workstation settings too; the transport tests' services have none. */
const workstationSettings: WorkstationSettings = {
  autoTriage: false, thresholds: { kind: 'card' }, engine: 'auto', tta: 'none', reviewer: 'tester', ensemble: [], intendedUse: DEFAULT_INTENDED_USE,
};

/** Uncaught errors in the page; failed requests (refused on purpose by a test) are the tests' own business. */
export function uncaughtErrors(pageErrors: string[]): string[] {
  return pageErrors.filter((error) => error.startsWith('page error:'));
}

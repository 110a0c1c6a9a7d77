// The PACS page in Debian's Chromium, over the real loopback server and a scripted PACS service (fake-pacs): what
// it says when nothing is configured, what a search sends and shows, choosing studies, retrieving and sending
// results, the job's progress events with cancel, and the arrivals' status.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, chromiumNote, hasChromium } from '../../../e2e/support';
import { FakePacs, pacsStudy, uncaughtErrors, unconfigured, type FakeWorkstation } from './fake-pacs';

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `pacs-page-${name}.png`), fullPage: true });

describe.skipIf(!hasChromium)(`the PACS page in Chromium${chromiumNote}`, () => {
  const pacs = new FakePacs();
  let workstation: FakeWorkstation;
  let page: Page;
  const row = (i: number) => page.locator(`[data-testid="pacs-study"][data-study-uid="${pacsStudy(i).studyInstanceUid}"]`);

  const openPacsPage = async () => {
    await page.goto(workstation.server.url);
    await page.getByRole('link', { name: 'PACS', exact: true }).click();
    await page.getByTestId('pacs').waitFor();
  };

  beforeAll(async () => {
    workstation = await pacs.open();
    page = workstation.page;
  }, 180_000);
  afterAll(() => workstation?.close());

  it('says when no PACS is configured, and links to Settings → PACS', async () => {
    await openPacsPage();
    await page.getByTestId('pacs-not-configured').waitFor();
    await expect(page.getByTestId('pacs-search').count()).resolves.toBe(0);
    await page.getByTestId('pacs-not-configured').getByRole('link', { name: 'Settings → PACS' }).click();
    await page.getByTestId('pacs-form').waitFor();
  });

  it('searches the chosen source with the patient, the dates as DICOM dates and the modalities', async () => {
    pacs.info = {
      ...pacs.info,
      settings: {
        ...unconfigured,
        dicomweb: { url: 'http://127.0.0.1:8042/dicom-web', auth: 'basic', user: 'reader' },
        dimsePeers: [{ name: 'MAIN', aeTitle: 'ORTHANC', host: '127.0.0.1', port: 4242, retrieve: 'get' }],
      },
    };
    pacs.studies = [pacsStudy(1), pacsStudy(2, { localInstances: 1 }), pacsStudy(3, { localInstances: 2, instanceCount: 2, modalities: ['DX', 'SR'] })];
    await openPacsPage();
    await page.getByLabel('Source').selectOption('MAIN');
    await page.getByLabel('Patient name or ID').fill(' DOE* ');
    await page.getByLabel('From').fill('2024-01-01');
    await page.getByLabel('To').fill('2024-01-31');
    await page.getByTestId('pacs-modality-CR').uncheck();
    await page.getByTestId('pacs-search-run').click();
    await row(1).waitFor();
    expect(pacs.argsOf('pacs.search')).toEqual([{ source: 'MAIN', patient: 'DOE*', from: '20240101', to: '20240131', modalities: ['DX'] }]);
    await expect(page.getByTestId('pacs-result-count').textContent()).resolves.toBe('3 studies found');
    await expect(row(1).textContent()).resolves.toMatch(/Doe, Patient1.*P1.*2024-01-01.*ACC1.*Chest PA.*CR.*2.*local: 0 of 2/);
    await expect(row(2).getByTestId('pacs-study-local').textContent()).resolves.toBe('local: 1 of 2');
    await expect(row(3).getAttribute('data-local')).resolves.toBe('all');
    await expect(row(3).textContent()).resolves.toContain('DX, SR');
    await shot(page, '01-results');
  });

  it('refuses a date range that ends before it starts, without searching', async () => {
    const searches = pacs.argsOf('pacs.search').length;
    await page.getByLabel('From').fill('2024-02-01');
    await page.getByTestId('pacs-search-run').click();
    await expect(page.getByTestId('pacs-search-problem').textContent()).resolves.toBe('The first date is after the last one.');
    expect(pacs.argsOf('pacs.search')).toHaveLength(searches);
    await page.getByLabel('From').fill('2024-01-01');
  });

  it('retrieves the chosen studies from where they were found, follows the job and cancels it', async () => {
    const selectAll = page.getByTestId('pacs-select-all');
    await expect(page.getByTestId('pacs-retrieve').isDisabled()).resolves.toBe(true);
    await selectAll.check();
    await row(3).getByTestId('pacs-study-select').uncheck();
    await expect(selectAll.evaluate((box: HTMLInputElement) => box.indeterminate)).resolves.toBe(true);
    // Keyboard: Space on a focused row checkbox chooses it.
    await row(3).getByTestId('pacs-study-select').focus();
    await page.keyboard.press('Space');
    await expect(row(3).getByTestId('pacs-study-select').isChecked()).resolves.toBe(true);
    await page.keyboard.press('Space');
    await expect(page.getByTestId('pacs-retrieve').textContent()).resolves.toBe('Retrieve 2 selected');
    await page.getByTestId('pacs-retrieve').click();
    await page.locator('[data-testid="pacs-job"][data-state="running"]').waitFor();
    expect(pacs.argsOf('pacs.retrieve')).toEqual([{ source: 'MAIN', studyInstanceUids: [pacsStudy(1).studyInstanceUid, pacsStudy(2).studyInstanceUid] }]);
    // One job at a time.
    await expect(page.getByTestId('pacs-retrieve').isDisabled()).resolves.toBe(true);

    pacs.progress({ instances: { done: 3, total: 4 }, retrieved: 2, skipped: 1, triaged: 1, errors: [{ sopInstanceUid: '1.2.3.4', message: 'instance larger than 512 MiB: refused' }] });
    await expect.poll(() => page.getByTestId('pacs-job-summary').textContent()).toBe(
      'Retrieving from MAIN: 3 of 4 images in 2 studies; 2 retrieved, 1 triaged, 0 pushed, 1 skipped, 1 error',
    );
    await expect(page.getByTestId('pacs-job-summary').getAttribute('role')).resolves.toBe('status');
    await expect(page.getByTestId('pacs-job-progress').getAttribute('value')).resolves.toBe('3');
    await expect(page.getByTestId('pacs-job-error').textContent()).resolves.toBe('1.2.3.4: instance larger than 512 MiB: refused');
    await shot(page, '02-running');

    pacs.studies = pacs.studies.map((study, i) => (i === 0 ? { ...study, localInstances: 2 } : study));
    const searches = pacs.argsOf('pacs.search').length;
    await page.getByTestId('pacs-cancel').click();
    await page.locator('[data-testid="pacs-job"][data-state="cancelled"]').waitFor();
    expect(pacs.argsOf('pacs.cancel')).toHaveLength(1);
    await expect(page.getByTestId('pacs-job-summary').textContent()).resolves.toMatch(/^Retrieve from MAIN cancelled: /);
    // The job's end changed what is local: the same search again, the choice kept.
    await expect.poll(() => row(1).getByTestId('pacs-study-local').textContent()).toBe('local: 2 of 2');
    expect(pacs.argsOf('pacs.search').slice(searches)).toEqual([pacs.argsOf('pacs.search')[0]]);
    await expect(row(1).getByTestId('pacs-study-select').isChecked()).resolves.toBe(true);
    await shot(page, '03-cancelled');
  });

  it('sends the results of the chosen studies', async () => {
    await page.getByTestId('pacs-push').click();
    await page.locator('[data-testid="pacs-job"][data-kind="push"]').waitFor();
    expect(pacs.argsOf('pacs.push')).toEqual([{ studyInstanceUids: [pacsStudy(1).studyInstanceUid, pacsStudy(2).studyInstanceUid] }]);
    pacs.progress({ state: 'done', pushed: 6, endedAt: new Date().toISOString() });
    await expect.poll(() => page.getByTestId('pacs-job-summary').textContent()).toMatch(/^Sending results to DICOMweb finished: .*6 pushed/);
    await expect(page.getByTestId('pacs-open-worklist').count()).resolves.toBe(0);
  });

  it('shows how studies arrive: polling and the listener, with their errors', async () => {
    pacs.status = {
      ...pacs.status,
      polling: { enabled: true, lastPollAt: '2025-01-01T10:00:00Z', nextPollAt: '2025-01-01T10:05:00Z', lastError: 'authentication failed: HTTP 401' },
      listener: { running: true, port: 11112, aeTitle: 'PLEURA', associations: 1, received: 12, error: null },
    };
    await openPacsPage();
    await expect(page.getByTestId('pacs-polling').textContent()).resolves.toMatch(/^Polling the DICOMweb server: last poll .*; next at .*\. Last error: authentication failed: HTTP 401$/);
    await expect(page.getByTestId('pacs-listener').textContent()).resolves.toBe('Listening on port 11112 as PLEURA: 1 association open, 12 images received.');
    // The latest job, from pacs.status, with the way to the worklist.
    pacs.progress({ kind: 'retrieve', state: 'done' });
    await page.getByTestId('pacs-open-worklist').click();
    await page.getByTestId('worklist-row').first().waitFor();
  });

  it('reported no uncaught errors in the page', () => {
    expect(uncaughtErrors(workstation.pageErrors)).toEqual([]);
  });
});

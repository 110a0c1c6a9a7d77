// The PACS screens end to end: Debian's Chromium, the real services behind the loopback server, and a real Orthanc
// (basic authentication, DICOMweb plugin) holding three phantom studies. Settings → PACS configures the server
// through the UI (the browser shell keeps no password: PLEURA_PACS_PASSWORD carries it), Test connection answers;
// the PACS page searches, retrieves one study, follows the job to its end, and the study is on the worklist.
// A wrong password is an authentication error on Test connection.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelLibrary } from '../../main/models/model-library';
import { PASSWORD_VARIABLE } from '../../main/pacs/secrets';
import { writePhantomSet, type PhantomSetSummary } from '../../main/phantoms/write-set';
import { writeDemoModel } from '../fixtures/demo-model';
import { ORTHANC_MISSING, orthancAvailable, startOrthanc, type OrthancServer } from '../fixtures/orthanc';
import { artifacts, chromiumNote, hasChromium, openWorkstation, type Workstation } from './support';

const hasOrthanc = orthancAvailable();
const orthancNote = hasOrthanc ? '' : ` (${ORTHANC_MISSING})`;
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `pacs-${name}.png`), fullPage: true });

/** A data directory with a small current model, so that what is retrieved is triaged too. */
async function dataDirWithModel(): Promise<string> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pleura-e2e-pacs-'));
  const modelDir = mkdtempSync(path.join(tmpdir(), 'pleura-e2e-pacs-model-'));
  await writeDemoModel(modelDir, { size: 64 });
  const library = createModelLibrary(dataDir);
  const { ref } = await library.installModel(modelDir);
  await library.setCurrent(ref);
  rmSync(modelDir, { recursive: true, force: true });
  return dataDir;
}

describe.skipIf(!hasChromium || !hasOrthanc)(`the PACS screens against a real Orthanc, in Chromium${chromiumNote}${orthancNote}`, () => {
  let orthanc: OrthancServer;
  let phantoms: PhantomSetSummary;
  let phantomDir: string;
  let workstation: Workstation;
  let page: Page;
  const previousPassword = process.env[PASSWORD_VARIABLE];

  const openSettings = async () => {
    await page.goto(workstation.server.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('pacs-form').waitFor();
  };

  beforeAll(async () => {
    orthanc = await startOrthanc();
    phantomDir = path.join(mkdtempSync(path.join(tmpdir(), 'pleura-e2e-pacs-phantoms-')), 'set');
    phantoms = await writePhantomSet({ out: phantomDir, count: 3, seed: 13, size: 256, positiveFraction: 0.34 });
    for (const image of phantoms.images) await orthanc.upload(readFileSync(path.join(phantomDir, image.file)));
    process.env[PASSWORD_VARIABLE] = orthanc.password;
    workstation = await openWorkstation({ dataDir: await dataDirWithModel() });
    page = workstation.page;
  }, 240_000);

  afterAll(async () => {
    if (previousPassword === undefined) delete process.env[PASSWORD_VARIABLE];
    else process.env[PASSWORD_VARIABLE] = previousPassword;
    await workstation?.close();
    await orthanc?.close();
    if (phantomDir) rmSync(path.dirname(phantomDir), { recursive: true, force: true });
  });

  it('configures the DICOMweb server in Settings → PACS and tests the connection', async () => {
    await openSettings();
    // The browser shell cannot keep a password: the panel says where it comes from, and that it is there.
    await expect(page.getByTestId('pacs-secret-note').count()).resolves.toBe(0);
    await page.getByTestId('pacs-url').fill(orthanc.dicomwebUrl);
    await page.getByTestId('pacs-auth').selectOption('basic');
    await expect(page.getByTestId('pacs-secret-note').textContent()).resolves.toBe('Set PLEURA_PACS_PASSWORD in the environment of pleura serve. PLEURA_PACS_PASSWORD is set.');
    await page.getByTestId('pacs-user').fill(orthanc.user);
    // Sending results back is the service's own tests' business; here the retrieve alone is followed.
    await page.getByTestId('pacs-push-results').uncheck();
    await page.getByTestId('pacs-save').click();
    await page.getByTestId('pacs-unsaved').waitFor({ state: 'detached' });
    await expect(page.getByTestId('pacs-problem').count()).resolves.toBe(0);
    const { settings } = await workstation.services.handlers['pacs.settings']({});
    expect(settings.dicomweb).toEqual({ url: orthanc.dicomwebUrl, auth: 'basic', user: orthanc.user });
    expect(settings.pushResults).toBe(false);

    await page.getByTestId('pacs-dicomweb-test').click();
    const result = page.getByTestId('pacs-dicomweb-test-result');
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 30_000 }).toBe('true');
    await expect(result.textContent()).resolves.toMatch(/^Connected in [\d,]+ ms/);
    await shot(page, '01-settings');
  });

  it('searches the PACS, retrieves one study, follows the job to its end, and the study is on the worklist', async () => {
    await page.getByRole('link', { name: 'PACS', exact: true }).click();
    await page.getByLabel('From').fill('2026-01-01');
    await page.getByLabel('To').fill('2026-01-01');
    await page.getByTestId('pacs-search-run').click();
    await expect.poll(() => page.getByTestId('pacs-study').count(), { timeout: 30_000 }).toBe(3);
    const wanted = phantoms.images[1].patientId;
    const row = page.getByTestId('pacs-study').filter({ hasText: wanted });
    const uid = await row.getAttribute('data-study-uid');
    expect(uid).toBeTruthy();
    await expect(row.getByTestId('pacs-study-local').textContent()).resolves.toBe('local: 0 of 1');

    await row.getByTestId('pacs-study-select').check();
    await page.getByTestId('pacs-retrieve').click();
    const job = page.getByTestId('pacs-job');
    await job.waitFor();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 120_000 }).not.toBe('running');
    await shot(page, '02-retrieved');
    expect(await job.getAttribute('data-state')).toBe('done');
    await expect(page.getByTestId('pacs-job-summary').textContent()).resolves.toMatch(/^Retrieve from DICOMweb finished: 1 of 1 images in 1 study; 1 retrieved, \d triaged, 0 pushed, 0 skipped, 0 errors$/);
    await expect(page.getByTestId('pacs-job-errors').count()).resolves.toBe(0);
    // The page asked again: the study is here now.
    await expect.poll(() => row.getByTestId('pacs-study-local').textContent(), { timeout: 10_000 }).toBe('local: 1 of 1');

    await page.getByTestId('pacs-open-worklist').click();
    await page.locator(`[data-testid="worklist-row"][data-study-uid="${uid}"]`).waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('worklist-row').count()).resolves.toBe(1);
    await shot(page, '03-worklist');
  }, 180_000);

  it('says a wrong password is an authentication error on Test connection', async () => {
    // The service reads the variable when it connects: a wrong one now is a wrong one for the next test.
    process.env[PASSWORD_VARIABLE] = 'not-the-password';
    await openSettings();
    await page.getByTestId('pacs-dicomweb-test').click();
    const result = page.getByTestId('pacs-dicomweb-test-result');
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 30_000 }).toBe('false');
    await expect(result.textContent()).resolves.toMatch(/^Failed: .*(authentication|user name and password)/i);
    await shot(page, '04-wrong-password');
  });

  it('reported no errors in the page', () => {
    expect(workstation.pageErrors).toEqual([]);
  });
});

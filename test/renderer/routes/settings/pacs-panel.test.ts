// Settings → PACS in Debian's Chromium, over the real loopback server and a scripted PACS service
// (test/renderer/routes/pacs/fake-pacs): what the form sends, what it shows back, the secret kept apart from the
// settings, connection tests announced, the service's refusals shown beside the form.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, chromiumNote, hasChromium } from '../../../e2e/support';
import { FakePacs, uncaughtErrors, unconfigured, type FakeWorkstation } from '../pacs/fake-pacs';

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `pacs-panel-${name}.png`), fullPage: true });

describe.skipIf(!hasChromium)(`Settings → PACS in Chromium${chromiumNote}`, () => {
  const pacs = new FakePacs();
  let workstation: FakeWorkstation;
  let page: Page;

  const openSettings = async () => {
    await page.goto(workstation.server.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('pacs-form').waitFor();
  };

  beforeAll(async () => {
    workstation = await pacs.open();
    page = workstation.page;
  }, 180_000);
  afterAll(() => workstation?.close());

  it('saves a DICOMweb server with basic authentication, and stores the password apart from the settings', async () => {
    await openSettings();
    await expect(page.getByTestId('pacs-dicomweb-test').isDisabled()).resolves.toBe(true);
    await page.getByLabel('Base URL (e.g. https://pacs.example/dicom-web)').fill(' http://127.0.0.1:8042/dicom-web ');
    await page.getByTestId('pacs-auth').selectOption('basic');
    await page.getByLabel('User name').fill('reader');
    await expect(page.getByTestId('pacs-unsaved').isVisible()).resolves.toBe(true);
    await page.getByTestId('pacs-save').click();
    await expect.poll(() => pacs.argsOf('pacs.updateSettings').length).toBe(1);
    expect(pacs.argsOf('pacs.updateSettings')[0]).toEqual({ ...unconfigured, dicomweb: { url: 'http://127.0.0.1:8042/dicom-web', auth: 'basic', user: 'reader' } });
    await page.getByTestId('pacs-unsaved').waitFor({ state: 'detached' });

    await expect(page.getByTestId('pacs-secret-state').textContent()).resolves.toBe('No password is stored.');
    await page.getByLabel('Password').fill('s3cret');
    await page.getByLabel('Password').press('Enter');
    await expect.poll(() => page.getByTestId('pacs-secret-state').textContent()).toBe('A password is stored, encrypted by the operating system.');
    expect(pacs.argsOf('pacs.setSecret')).toEqual([{ secret: 's3cret' }]);
    // Enter stored the password, and did not save the settings around it; the field is emptied.
    expect(pacs.argsOf('pacs.updateSettings')).toHaveLength(1);
    await expect(page.getByLabel('Password').inputValue()).resolves.toBe('');
    await shot(page, '01-dicomweb');
  });

  it('tests the saved connection and announces the outcome, a failure with its reason', async () => {
    const result = page.getByTestId('pacs-dicomweb-test-result');
    await expect(result.getAttribute('role')).resolves.toBe('status');
    await page.getByTestId('pacs-dicomweb-test').click();
    await expect.poll(() => result.textContent()).toBe('Connected in 7 ms');
    expect(pacs.argsOf('pacs.test').at(-1)).toEqual({ source: 'dicomweb' });

    pacs.testOutcomes.set('dicomweb', { ok: false, ms: null, message: 'authentication failed: the PACS answered HTTP 401' });
    await page.getByTestId('pacs-dicomweb-test').click();
    await expect.poll(() => result.textContent()).toBe('Failed: authentication failed: the PACS answered HTTP 401');
    await expect(result.getAttribute('data-ok')).resolves.toBe('false');
    await shot(page, '02-test-failed');
  });

  it('shows the service’s refusal beside the form, and names a wrong number before sending anything', async () => {
    const saves = pacs.argsOf('pacs.updateSettings').length;
    await page.getByTestId('pacs-listener-port').fill('99999');
    await page.getByTestId('pacs-save').click();
    await expect(page.getByTestId('pacs-problem').textContent()).resolves.toBe('The listener port must be a whole number from 1 to 65535.');
    expect(pacs.argsOf('pacs.updateSettings')).toHaveLength(saves);

    await page.getByTestId('pacs-listener-port').fill('11112');
    await page.getByTestId('pacs-url').fill('ftp://pacs.example/dicom-web');
    await page.getByTestId('pacs-save').click();
    // The contract's own validation, as the real service answers it.
    await expect.poll(() => page.getByTestId('pacs-problem').textContent()).toMatch(/^Could not save the PACS settings: invalid arguments for pacs.updateSettings: dicomweb.url: expected an http:\/\/ or https:\/\/ URL/);
    await expect(page.getByTestId('pacs-url').inputValue()).resolves.toBe('ftp://pacs.example/dicom-web');
    await page.getByTestId('pacs-url').fill('http://127.0.0.1:8042/dicom-web');
    await page.getByTestId('pacs-unsaved').waitFor({ state: 'detached' });
  });

  it('adds, tests, edits and removes DIMSE peers', async () => {
    await page.getByTestId('pacs-peer-add').click();
    const peer = page.getByTestId('pacs-peer').first();
    await peer.getByLabel('Name').fill('MAIN');
    await peer.getByLabel('AE title').fill('ORTHANC');
    await peer.getByLabel('Host').fill('127.0.0.1');
    await peer.getByLabel('Port').fill('4242');
    await peer.getByLabel('Retrieve with').selectOption('move');
    // Not saved yet: nothing to test.
    await expect(peer.getByTestId('pacs-peer-test').isDisabled()).resolves.toBe(true);
    await page.getByTestId('pacs-save').click();
    await expect.poll(() => pacs.info.settings.dimsePeers).toEqual([{ name: 'MAIN', aeTitle: 'ORTHANC', host: '127.0.0.1', port: 4242, retrieve: 'move' }]);

    pacs.testOutcomes.set('MAIN', { ok: false, ms: null, message: 'association rejected: called AE title not recognised' });
    await peer.getByRole('button', { name: 'Test the connection to peer MAIN' }).click();
    await expect.poll(() => peer.getByTestId('pacs-peer-test-result').textContent()).toBe('Failed: association rejected: called AE title not recognised');
    expect(pacs.argsOf('pacs.test').at(-1)).toEqual({ source: 'MAIN' });
    await shot(page, '03-peer');

    await peer.getByRole('button', { name: 'Remove MAIN' }).click();
    await expect(page.getByTestId('pacs-peer').count()).resolves.toBe(0);
    await page.getByTestId('pacs-save').click();
    await expect.poll(() => pacs.info.settings.dimsePeers).toEqual([]);
  });

  it('warns that listening on every interface opens the port to the network, and saves the listener, polling and push', async () => {
    await page.getByTestId('pacs-listener-enabled').check();
    await page.getByTestId('pacs-listener-all-interfaces').check();
    await expect(page.getByTestId('pacs-listener-exposure').textContent()).resolves.toMatch(/opens the port to the network/);
    await page.getByLabel('Calling AE titles allowed to send (commas between them; empty: any)').fill('CR ROOM 1, DX2');
    await page.getByLabel('Associations at once').fill('8');
    await page.getByLabel("Pleura's AE title").fill('PLEURA_WS1');
    await page.getByTestId('pacs-polling-enabled').check();
    await page.getByLabel('Every (minutes)').fill('15');
    await page.getByTestId('pacs-push-results').check();
    await page.getByTestId('pacs-save').click();
    await expect.poll(() => pacs.info.settings.pushResults).toBe(true);
    expect(pacs.info.settings).toMatchObject({
      aeTitle: 'PLEURA_WS1',
      listener: { enabled: true, port: 11112, maxAssociations: 8, allowedCallers: ['CR ROOM 1', 'DX2'], allInterfaces: true },
      polling: { enabled: true, intervalMinutes: 15 },
    });
    await shot(page, '04-listener');
  });

  it('in a browser on pleura serve, says where the password must come from instead of asking for it', async () => {
    pacs.info = { ...pacs.info, secret: { present: true, source: 'environment', canStore: false } };
    await openSettings();
    await expect(page.getByTestId('pacs-secret-note').textContent()).resolves.toBe('Set PLEURA_PACS_PASSWORD in the environment of pleura serve. PLEURA_PACS_PASSWORD is set.');
    await expect(page.getByTestId('pacs-secret-input').count()).resolves.toBe(0);
    pacs.info = { ...pacs.info, secret: { present: false, source: null, canStore: false } };
    await openSettings();
    await expect(page.getByTestId('pacs-secret-note').getAttribute('data-present')).resolves.toBe('false');
    await shot(page, '05-serve');
  });

  it('reported no uncaught errors in the page', () => {
    expect(uncaughtErrors(workstation.pageErrors)).toEqual([]);
  });
});

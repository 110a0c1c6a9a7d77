// What the safety work shows a user, in Debian's Chromium: a damaged study index is moved aside and rebuilt with a
// notice saying so, the folders it knew are scanned again, and files that are not DICOM are counted as skipped
// instead of listed as broken.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPath } from '../../main/services/data-dir';
import { writeStudyFolder } from '../fixtures/study-folder';
import { artifacts, chromiumNote, hasChromium, openWorkstation, type Workstation } from './support';

describe.skipIf(!hasChromium)(`safety in the workstation${chromiumNote}`, () => {
  let workstation: Workstation;
  let studies: string;

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pleura-e2e-safety-'));
    studies = path.join(dataDir, '..', `${path.basename(dataDir)}-studies`);
    await writeStudyFolder(studies, { studies: 2, imagesPerStudy: 1 });
    writeFileSync(path.join(studies, 'README.txt'), 'exported from the PACS on Monday\n');
    writeFileSync(path.join(studies, '._IM00001.dcm'), Buffer.alloc(4096, 0));
    // A folder Pleura had scanned, then an index that is no database at all: what a disk error leaves behind.
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, 'roots.json'), `${JSON.stringify({ roots: [studies] })}\n`);
    writeFileSync(indexPath(dataDir), Buffer.alloc(8192, 0x5a));
    workstation = await openWorkstation({ dataDir });
  }, 180_000);

  afterAll(() => workstation?.close());

  it('says the damaged index was moved aside and rebuilt, and lists the rescanned studies', async () => {
    const { page } = workstation;
    await page.goto(workstation.server.url);
    const notice = page.getByTestId('index-recovery');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/damaged/i);
    await workstation.services.rebuilt;
    await page.reload();
    await expect.poll(() => page.getByTestId('worklist-row').count(), { timeout: 30_000 }).toBe(2);
    await page.screenshot({ path: path.join(artifacts, '30-index-rebuilt.png') });
  }, 90_000);

  it('counts files that are not DICOM as skipped, not as errors', async () => {
    const { page } = workstation;
    await page.getByTestId('scan-path').fill(studies);
    await page.getByTestId('scan-button').click();
    const summary = page.getByTestId('scan-summary');
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.textContent()).toMatch(/2 not DICOM \(skipped\),\s*0 errors/);
    await expect(page.getByTestId('file-error').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(artifacts, '31-skipped-files.png') });
  }, 90_000);
});

// The whole workstation in Debian's Chromium: the real services behind the real loopback server, the built
// renderer, a scan of the shared test folder, the worklist, and a SIIM chest film rendered by Cornerstone —
// checked by reading back the pixels it drew.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithSharedData, sharedDataDir, sharedFile } from '../support/shared-data';
import { artifacts, chromiumNote, hasChromium, openWorkstation, type Workstation } from './support';
import { correlation, meanAbsDifference, regionMean, sampleViewportCanvas, type CanvasSample } from './canvas-sample';

const gridSize = 32;

const siimFiles = [
  '1.2.276.0.7230010.3.1.4.8323329.301.1517875162.280319.dcm',
  '1.2.276.0.7230010.3.1.4.8323329.307.1517875162.311533.dcm',
  '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm',
];

function studyUidOf(file: string): string {
  // The transfer syntax is only a fallback for files without a file meta group (CR-MONO1-10-chest.dcm).
  const dataset = dicomParser.parseDicom(new Uint8Array(readFileSync(file)), { untilTag: 'x7fe00010', TransferSyntaxUID: '1.2.840.10008.1.2' });
  const uid = dataset.string('x0020000d');
  if (!uid) throw new Error(`${file} has no StudyInstanceUID`);
  return uid;
}

describeWithSharedData('the workstation in Chromium (end to end)', () => {
  describe.skipIf(!hasChromium)(`browser mode${chromiumNote}`, () => {
    let workstation: Workstation;
    let page: Page;

    beforeAll(async () => {
      workstation = await openWorkstation();
      page = workstation.page;
    }, 180_000);

    afterAll(() => workstation?.close());

    it('refuses requests that carry no token', async () => {
      const base = `http://127.0.0.1:${workstation.server.port}`;
      expect((await fetch(`${base}/`)).status).toBe(401);
      expect((await fetch(`${base}/api/app.info`, { method: 'POST', body: '{}' })).status).toBe(401);
      expect((await fetch(`${base}/?token=not-the-token`, { redirect: 'manual' })).status).toBe(401);
    });

    it('opens on an empty worklist, scans the shared folder and lists its studies and broken files', async () => {
      await page.goto(workstation.server.url);
      await page.getByTestId('worklist-empty').waitFor();
      await page.screenshot({ path: path.join(artifacts, '01-empty-worklist.png') });

      await page.getByTestId('scan-path').fill(sharedDataDir);
      await page.getByTestId('scan-button').click();
      await page.getByTestId('scan-summary').waitFor({ timeout: 60_000 });

      const listed = await page.getByTestId('worklist-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-study-uid')));
      for (const file of siimFiles) expect(listed).toContain(studyUidOf(sharedFile('siim', file)));

      const malformed = page.getByTestId('file-error').filter({ hasText: 'malformed-no-pixel-description.dcm' });
      await expect(malformed.count()).resolves.toBe(1);
      expect(await malformed.getAttribute('data-code')).toMatch(/^[a-z-]+$/);
      await page.screenshot({ path: path.join(artifacts, '02-worklist.png'), fullPage: true });
    }, 90_000);

    it('shows a SIIM chest film in the viewer, and Invert and a window/level drag change what is drawn', async () => {
      const studyUid = studyUidOf(sharedFile('siim', siimFiles[0]));
      await page.locator(`[data-testid="worklist-row"][data-study-uid="${studyUid}"]`).click();
      const viewport = page.getByTestId('viewport');
      await page.locator('[data-testid="viewport"][data-state="ready"]').waitFor({ timeout: 30_000 });
      const original = await renderedSample(page);
      await page.screenshot({ path: path.join(artifacts, '03-viewer.png') });

      expect(original.std).toBeGreaterThan(25);
      expect(chestContrast(original)).toBeGreaterThan(30);

      const metadata = page.getByTestId('metadata-panel');
      await expect(metadata.textContent()).resolves.toMatch(/1024 × 1024/);
      await expect(metadata.textContent()).resolves.toMatch(/JPEG Baseline/i);
      await expect(metadata.textContent()).resolves.toMatch(/MONOCHROME2/);
      const initialWindow = await page.getByTestId('wl-readout').textContent();
      expect(initialWindow).toMatch(/^W [\d,.]+ \/ L [\d,.]+$/);

      await page.getByTestId('invert-button').click();
      const inverted = await changedSample(page, original);
      expect(correlation(original.grid, inverted.grid)).toBeLessThan(-0.95);
      expect(meanAbsDifference(inverted.grid, original.grid.map((value) => 255 - value))).toBeLessThan(12);
      await page.screenshot({ path: path.join(artifacts, '04-inverted.png') });

      await page.getByTestId('invert-button').click();
      const box = await viewport.boundingBox();
      if (!box) throw new Error('the viewport has no box');
      const start = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      await page.mouse.move(start.x, start.y);
      await page.mouse.down();
      await page.mouse.move(start.x + 120, start.y + 90, { steps: 8 });
      await page.mouse.up();
      const windowed = await changedSample(page, original);
      expect(await page.getByTestId('wl-readout').textContent()).not.toBe(initialWindow);
      expect(meanAbsDifference(windowed.grid, original.grid)).toBeGreaterThan(8);
      await page.screenshot({ path: path.join(artifacts, '05-windowed.png') });

      // Wheel zooms, middle drag pans; Reset then restores the window and the camera.
      await page.mouse.move(start.x, start.y);
      await page.mouse.wheel(0, -400);
      const zoomed = await changedSample(page, windowed);
      await page.mouse.down({ button: 'middle' });
      await page.mouse.move(start.x + 100, start.y + 60, { steps: 6 });
      await page.mouse.up({ button: 'middle' });
      await changedSample(page, zoomed);
      await page.screenshot({ path: path.join(artifacts, '06-zoomed-panned.png') });

      await page.getByTestId('reset-button').click();
      await expect.poll(() => page.getByTestId('wl-readout').textContent()).toBe(initialWindow);
      const reset = await renderedSample(page);
      expect(meanAbsDifference(reset.grid, original.grid)).toBeLessThan(3);
    }, 90_000);

    it('shows a MONOCHROME1 film inverted, so that it reads like every other film', async () => {
      const studyUid = studyUidOf(sharedFile('cxr', 'CR-MONO1-10-chest.dcm'));
      await page.getByRole('link', { name: 'Worklist' }).click();
      // By keyboard this time: focus a row, then Enter opens the study.
      await page.locator(`[data-testid="worklist-row"][data-study-uid="${studyUid}"]`).focus();
      await page.keyboard.press('Enter');
      await page.locator('[data-testid="viewport"][data-state="ready"]').waitFor({ timeout: 30_000 });
      const shown = await renderedSample(page);
      await page.screenshot({ path: path.join(artifacts, '07-monochrome1.png') });
      await expect(page.getByTestId('metadata-panel').textContent()).resolves.toMatch(/MONOCHROME1/);
      await expect(page.getByTestId('invert-button').getAttribute('aria-pressed')).resolves.toBe('true');
      expect(chestContrast(shown)).toBeGreaterThan(30);
    }, 60_000);

    it('reported no errors in the page', () => {
      const { pageErrors } = workstation;
      writeFileSync(path.join(artifacts, 'page-errors.log'), pageErrors.join('\n'));
      expect(pageErrors, `the page reported errors (test-artifacts/e2e/page-errors.log):\n${pageErrors.join('\n')}`).toEqual([]);
    });
  });
});

/** A PA chest film at its default window: dark lungs either side of the bright mediastinum and spine. */
function chestContrast(sample: CanvasSample): number {
  const leftLung = regionMean(sample, [0.2, 0.3, 0.38, 0.6]);
  const rightLung = regionMean(sample, [0.62, 0.3, 0.8, 0.6]);
  const mediastinum = regionMean(sample, [0.45, 0.3, 0.55, 0.7]);
  return mediastinum - Math.max(leftLung, rightLung);
}

/** The viewport's pixels once Cornerstone has drawn something that is not a flat fill. */
async function renderedSample(page: Page): Promise<CanvasSample> {
  const handle = await page.waitForFunction(sampleViewportCanvas, { gridSize, minStd: 5 }, { timeout: 20_000 });
  return (await handle.jsonValue()) as CanvasSample;
}

/** The viewport's pixels once they differ from `before` (a tool's change is drawn on the next frame). */
async function changedSample(page: Page, before: CanvasSample): Promise<CanvasSample> {
  let latest = before;
  await expect
    .poll(async () => {
      latest = await renderedSample(page);
      return meanAbsDifference(latest.grid, before.grid);
    })
    .toBeGreaterThan(5);
  return latest;
}

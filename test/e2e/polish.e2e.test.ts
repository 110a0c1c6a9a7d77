// Issue 11's polish in Debian's Chromium, on one workstation: the first run says it is preparing the samples; the
// worklist's columns fit their words at 1280 and 1600 px; the scan's error count leads to the list of the folder just
// scanned; exports cover the selection or the filter; the report's header once with names as the worklist shows
// them; review times in the one date-time format; legend labels apart when thresholds are close; an absent CUDA as
// information.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledModelDir } from '../../main/first-run/first-run';
import { repoRoot } from '../renderer/renderer-build';
import { describeWithSharedData, sharedDataDir } from '../support/shared-data';
import { artifacts, chromiumNote, hasChromium, openWorkstation, type Workstation } from './support';

const shots = path.join(artifacts, 'issue-11');
const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(shots, `polish-${name}.png`), fullPage });
const dateTime = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/;

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Cells with content cut off, by the cell or by an element in it (an ellipsis, a line clamp), with their text. */
function clippedCells(cells: Locator): Promise<string[]> {
  return cells.evaluateAll((elements) =>
    elements
      .filter((cell) => [cell, ...cell.querySelectorAll('*')].some((element) => element.scrollWidth > element.clientWidth || element.scrollHeight > element.clientHeight + 1))
      .map((cell) => cell.textContent ?? ''),
  );
}

describeWithSharedData('issue 11 polish in Chromium (end to end)', () => {
  describe.skipIf(!hasChromium)(`one workstation${chromiumNote}`, () => {
    let workstation: Workstation;
    let page: Page;
    let exportFolder: string;
    const rowUids = () => page.getByTestId('worklist-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-study-uid') ?? ''));
    const toWorklist = async () => {
      await page.getByRole('link', { name: 'Worklist' }).click();
      await page.getByTestId('worklist-row').first().waitFor();
    };

    beforeAll(async () => {
      workstation = await openWorkstation({ firstRun: { bundledModel: bundledModelDir(repoRoot) } });
      page = workstation.page;
      exportFolder = mkdtempSync(path.join(tmpdir(), 'pleura-e2e-polish-exports-'));
    }, 180_000);

    afterAll(async () => {
      await workstation?.close();
      if (exportFolder) rmSync(exportFolder, { recursive: true, force: true });
    });

    it('says the sample studies are being prepared, not "No studies yet", while the first run works', async () => {
      await page.goto(workstation.server.url);
      const preparing = page.getByTestId('worklist-preparing');
      await preparing.waitFor({ timeout: 10_000 });
      await expect(preparing.textContent()).resolves.toContain('Preparing the sample studies…');
      await expect(page.getByTestId('worklist-empty').count()).resolves.toBe(0);
      await shot(page, 'preparing');
      await workstation.services.firstRun;
      await expect.poll(() => page.getByTestId('worklist-row').count(), { timeout: 30_000 }).toBe(12);
      await expect(preparing.count()).resolves.toBe(0);
      const unsettled = () => page.locator('[data-testid="worklist-row"]:is([data-status="pending"], [data-status="queued"], [data-status="running"])').count();
      await expect.poll(unsettled, { timeout: 60_000 }).toBe(0);
    }, 90_000);

    it('lists the errors of the folder just scanned, and the error count leads there', async () => {
      // The shared films are indexed, not triaged: the model's time is not what this test is about.
      await workstation.services.handlers['settings.update']({ autoTriage: false });
      await page.getByTestId('scan-path').fill(sharedDataDir);
      await page.getByTestId('scan-button').click();
      await page.getByTestId('scan-summary').waitFor({ timeout: 60_000 });
      const list = page.getByTestId('file-errors');
      await expect(list.getAttribute('data-root')).resolves.toBe(sharedDataDir);
      await expect(list.getByTestId('file-error').filter({ hasText: 'malformed-no-pixel-description.dcm' }).count()).resolves.toBe(1);

      await page.getByTestId('scan-errors-link').click();
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('file-errors-title');
      await expect(list.evaluate((element) => element.getBoundingClientRect().top < window.innerHeight)).resolves.toBe(true);
      await shot(page, 'file-errors');

      // Another folder, without broken files: the list is of that folder now, so it is gone.
      await page.getByTestId('scan-path').fill(path.join(workstation.dataDir, 'samples'));
      await page.getByTestId('scan-button').click();
      await expect.poll(() => page.getByTestId('scan-summary').textContent(), { timeout: 30_000 }).toContain(path.join(workstation.dataDir, 'samples'));
      await expect.poll(() => list.count()).toBe(0);
      await expect(page.getByTestId('scan-errors-link').count()).resolves.toBe(0);
    }, 90_000);

    it('fits the flag words and the patient names at 1600 and 1280 px; the patient ID gives way first', async () => {
      // The hip and extremity films are outside the intended use: their flag says so, in the longest words.
      const codecStudies = await page
        .locator('[data-testid="worklist-row"]')
        .filter({ hasText: /CompressedSamples, RG[23]/ })
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-study-uid') ?? ''));
      expect(codecStudies.length).toBeGreaterThan(0);
      await workstation.services.handlers['triage.start']({ studyInstanceUids: codecStudies });
      await expect.poll(async () => (await workstation.services.handlers['triage.status']({})).job?.state, { timeout: 60_000 }).not.toMatch(/^(queued|running)$/);
      for (const width of [1600, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        await expect.poll(() => page.getByTestId('worklist-row').count()).toBeGreaterThan(12);
        expect(await clippedCells(page.locator('[data-testid="worklist-row"] td.col-flag')), `flag cells at ${width} px`).toEqual([]);
        expect(await clippedCells(page.locator('[data-testid="worklist-row"] td.col-patient')), `patient cells at ${width} px`).toEqual([]);
        // and every other column but the ID, whose whole value is on hover
        expect(await clippedCells(page.locator('[data-testid="worklist-row"] td:not(.col-id):not(.worklist__select)')), `cells at ${width} px`).toEqual([]);
        expect(await clippedCells(page.locator('[data-testid="worklist-table"] th:not(:has([data-testid="sort-patientId"]))')), `headers at ${width} px`).toEqual([]);
        // every row as tall as the first: the windowing counts on it
        expect(new Set(await page.getByTestId('worklist-row').evaluateAll((rows) => rows.map((row) => row.getBoundingClientRect().height))).size).toBe(1);
        await shot(page, `columns-${width}`);
      }
      // An anonymised film's 36-character UUID as its name is shown whole at 1280 px; its equal ID is the one cut.
      const uuidRow = page.locator('[data-testid="worklist-row"]').filter({ hasText: '97d32841-8836-4630-873c-be0b4d2e5478' });
      expect(await clippedCells(uuidRow.locator('td.col-patient'))).toEqual([]);
      expect(await clippedCells(uuidRow.locator('td.col-id'))).toHaveLength(1);
      await page.setViewportSize({ width: 1400, height: 900 });
    }, 90_000);

    it('exports just the selected studies, or just those the filter shows', async () => {
      const report = () => readFileSync(path.join(exportFolder, 'report.html'), 'utf8');
      const exportReport = async () => {
        for (const kind of ['seg', 'sc', 'csv']) await page.getByTestId(`export-kind-${kind}`).uncheck();
        await page.getByTestId('export-folder').fill(exportFolder);
        await page.getByTestId('export-run').click();
        await page.getByTestId('export-result').waitFor({ timeout: 60_000 });
      };

      const uids = await rowUids();
      const chosen = [uids[1], uids[3]];
      for (const uid of chosen) await page.locator(`[data-testid="worklist-row"][data-study-uid="${uid}"] [data-testid="row-select"]`).check();
      await expect(page.getByTestId('worklist-export').textContent()).resolves.toBe('Export 2 selected');
      await page.getByTestId('worklist-export').click();
      await expect(page.getByTestId('export-scope').textContent()).resolves.toContain('Exports the 2 selected studies.');
      await exportReport();
      await shot(page, 'export-selection', true);
      expect(report().match(/<tr class="study">/g)).toHaveLength(2);
      for (const uid of chosen) expect(report()).toContain(uid);

      await toWorklist();
      await page.getByTestId('worklist-search').fill('CompressedSamples');
      const shown = await rowUids();
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.length).toBeLessThan(uids.length);
      await expect(page.getByTestId('worklist-export').textContent()).resolves.toBe(`Export ${shown.length} shown`);
      await page.getByTestId('worklist-export').click();
      await expect(page.getByTestId('export-scope').getAttribute('data-studies')).resolves.toBe(String(shown.length));
      await exportReport();
      expect(report().match(/<tr class="study">/g)).toHaveLength(shown.length);
      for (const uid of shown) expect(report()).toContain(uid);
      await shot(page, 'export-filter', true);
    }, 90_000);

    it('shows reviews in the one date-time format, in the audit log, the finding and the report', async () => {
      await toWorklist();
      const studyInstanceUid = (await page.locator('[data-testid="worklist-row"][data-flag="positive"]').first().getAttribute('data-study-uid'))!;
      const [image] = await workstation.services.handlers['triage.images']({ studyInstanceUid });
      await workstation.services.handlers['review.save']({ instanceId: image.instanceId, decision: 'confirmed' });
      await page.locator(`[data-testid="worklist-row"][data-study-uid="${studyInstanceUid}"]`).click();
      await page.locator('[data-testid="viewport"][data-state="ready"]').waitFor({ timeout: 30_000 });
      const times = page.locator('[data-testid="audit-entry"] time');
      await expect.poll(() => times.count(), { timeout: 20_000 }).toBeGreaterThan(0);
      for (const text of await times.allTextContents()) expect(text).toMatch(dateTime);
      await expect(page.getByTestId('finding-state').textContent()).resolves.toMatch(/ \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      await shot(page, 'audit-times');

      await page.getByRole('link', { name: 'Exports' }).click();
      for (const kind of ['seg', 'sc', 'csv']) await page.getByTestId(`export-kind-${kind}`).uncheck();
      await page.getByTestId('export-folder').fill(exportFolder);
      await page.getByTestId('export-run').click();
      await page.getByTestId('export-result').waitFor({ timeout: 60_000 });
    }, 90_000);

    it('the report has its column header once, names patients as the worklist does and dates the review', async () => {
      const reportPage = await workstation.browser.newPage({ viewport: { width: 1280, height: 900 } });
      try {
        await reportPage.goto(`file://${path.join(exportFolder, 'report.html')}`);
        await expect(reportPage.locator('thead').count()).resolves.toBe(1);
        await expect(reportPage.locator('th', { hasText: /^Image$/ }).count()).resolves.toBe(1);
        const studyTitles = await reportPage.locator('tr.study').allTextContents();
        expect(studyTitles.length).toBeGreaterThanOrEqual(12);
        const text = (await reportPage.locator('body').textContent()) ?? '';
        expect(text).not.toContain('^');
        expect(text).toMatch(/Phantom, 0\d{3}/);
        expect(text).not.toMatch(/\bbilateral\b/);
        expect(text).toMatch(/Confirmed by .+, \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
        await reportPage.screenshot({ path: path.join(shots, 'polish-report.png') });
      } finally {
        await reportPage.close();
      }
    }, 30_000);

    it('keeps the legend\'s threshold labels apart when the thresholds are close', async () => {
      await workstation.services.handlers['settings.update']({
        thresholds: { kind: 'custom', rule: { kind: 'triple-threshold', top: 0.52, minArea: 2000, bottom: 0.5, minRegionArea: null } },
      });
      await toWorklist();
      // Not the reviewed one: a reviewer's decision is not triaged again.
      const studyInstanceUid = (await page.locator('[data-testid="worklist-row"]:not([data-status="reviewed"])').filter({ hasText: 'Phantom' }).first().getAttribute('data-study-uid'))!;
      await workstation.services.handlers['triage.start']({ studyInstanceUids: [studyInstanceUid] });
      await expect.poll(async () => (await workstation.services.handlers['triage.status']({})).job?.state, { timeout: 60_000 }).not.toMatch(/^(queued|running)$/);
      await page.locator(`[data-testid="worklist-row"][data-study-uid="${studyInstanceUid}"]`).click();
      const labels = page.getByTestId('legend-label');
      await expect.poll(() => labels.count(), { timeout: 30_000 }).toBe(2);
      await expect.poll(() => labels.evaluateAll((elements) => elements.map((element) => element.textContent))).toEqual(['mask 0.50', 'top 0.52']);
      const [mask, top] = (await labels.evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().toJSON()))) as Box[];
      expect(overlaps(mask, top)).toBe(false);
      const legend = (await page.getByTestId('colormap-legend').boundingBox())!;
      for (const label of [mask, top]) expect(label.y).toBeGreaterThanOrEqual(legend.y);
      await page.getByTestId('colormap-legend').screenshot({ path: path.join(shots, 'polish-legend.png') });
    }, 90_000);

    it('says an absent CUDA plainly, as information about the machine', async () => {
      await page.getByRole('link', { name: 'Settings' }).click();
      const onnx = page.locator('[data-testid="engine-available"][data-engine="onnx"]');
      await onnx.waitFor({ timeout: 60_000 });
      const text = (await onnx.textContent()) ?? '';
      expect(text).not.toMatch(/failed to load/i);
      expect(text).toMatch(/running on (CPU|CUDA|DirectML|CoreML)$/);
      const { engines } = await workstation.services.handlers['system.info']({});
      if (engines.find((engine) => engine.name === 'onnx')?.backend === 'cpu') {
        // onnxruntime-node lists CUDA on Linux and Windows whether or not its libraries are there
        expect(text).toMatch(/^ONNX Runtime: (CUDA not found on this machine — )?running on CPU$/);
      }
      await expect(onnx.getAttribute('role')).resolves.toBeNull();
      await expect(page.getByTestId('engine-problem').count()).resolves.toBe(0);
      await page.getByTestId('engine').screenshot({ path: path.join(shots, 'polish-engine.png') });
      expect(workstation.pageErrors).toEqual([]);
    }, 60_000);
  });
});

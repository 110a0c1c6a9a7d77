// A clinician's day in Debian's Chromium against the real services: the first run's sample studies triaged by the
// bundled demonstration model, the flagged worklist in priority order, a flagged study's heatmap and mask, a mask
// edited with the brush and saved, another finding confirmed, the audit log, and the exports — then the exported
// files are checked from outside the app (dcmjs, dciodvfy, the RLE decoder).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dcmjs from 'dcmjs';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageRows, decodeRle, parseMaskTable } from '../../ml/post';
import { bundledModelDir } from '../../main/first-run/first-run';
import { LabelRecord, labelsDir } from '../../main/labels/label-store';
import { repoRoot } from '../renderer/renderer-build';
import { artifacts, chromiumNote, hasChromium, openWorkstation, type Workstation } from './support';

const bundledModel = bundledModelDir(repoRoot);
const dciodvfy = spawnSync('dciodvfy', ['-version'], { encoding: 'utf8' }).error ? null : 'dciodvfy';

type Row = { uid: string; flag: string; score: number | null; status: string };

function readDicom(file: string) {
  const bytes = readFileSync(file);
  const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
}

/** How many pixels of the overlay canvas are not transparent: the heatmap and contour drawn over the image. */
async function paintedPixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((element) => {
    const source = element as HTMLCanvasElement;
    const context = source.getContext('2d');
    if (!context || source.width === 0) return 0;
    const { data } = context.getImageData(0, 0, source.width, source.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
  });
}

describe.skipIf(!hasChromium)(`triage workflow in Chromium (end to end)${chromiumNote}`, () => {
  let workstation: Workstation;
  let page: Page;
  let exportFolder: string;
  let firstRunMs: number;

  beforeAll(async () => {
    if (!existsSync(bundledModel)) throw new Error(`the bundled model is missing: ${bundledModel} (npm run train:default-model)`);
    const started = performance.now();
    workstation = await openWorkstation({ firstRun: { bundledModel } });
    page = workstation.page;
    await workstation.services.firstRun;
    firstRunMs = performance.now() - started;
    exportFolder = mkdtempSync(path.join(tmpdir(), 'pleura-e2e-exports-'));
  }, 180_000);

  afterAll(async () => {
    await workstation?.close();
    if (exportFolder) rmSync(exportFolder, { recursive: true, force: true });
  });

  const rows = (): Promise<Row[]> =>
    page.getByTestId('worklist-row').evaluateAll((elements) =>
      elements.map((row) => ({
        uid: row.getAttribute('data-study-uid') ?? '',
        flag: row.getAttribute('data-flag') ?? '',
        score: row.hasAttribute('data-score') ? Number(row.getAttribute('data-score')) : null,
        status: row.getAttribute('data-status') ?? '',
      })),
    );

  it('opens on the bundled sample studies with the demonstration note, triages them and lists the flagged ones first', async () => {
    await page.goto(workstation.server.url);
    const banner = page.getByTestId('demo-banner');
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toMatch(/not for clinical use/i);
    await expect(page.getByTestId('demo-open-folder').isVisible()).resolves.toBe(true);

    const started = performance.now();
    await expect.poll(async () => (await rows()).filter((row) => row.status === 'triaged').length, { timeout: 120_000, interval: 100 }).toBe(12);
    const triageMs = performance.now() - started;
    writeFileSync(path.join(artifacts, 'triage-timing.json'), `${JSON.stringify({ firstRunMs, triageAfterPageMs: triageMs }, null, 2)}\n`);
    await page.screenshot({ path: path.join(artifacts, '11-triaged-worklist.png'), fullPage: true });

    const listed = await rows();
    const flags = listed.map((row) => row.flag);
    const positives = listed.filter((row) => row.flag === 'positive');
    expect(positives.length, 'the demonstration model flags some of the sample phantoms').toBeGreaterThan(0);
    // Suspected pneumothorax first, by score, then the rest.
    expect(flags.slice(0, positives.length).every((flag) => flag === 'positive')).toBe(true);
    expect(flags.slice(positives.length).every((flag) => flag === 'not-flagged')).toBe(true);
    const scores = positives.map((row) => row.score!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Words beside the colour.
    await expect(page.getByTestId('worklist-row').first().textContent()).resolves.toContain('Suspected pneumothorax');
  }, 180_000);

  it('shows the flagged study with its heatmap and mask; the toggle and the opacity slider change what is drawn', async () => {
    const [top] = await rows();
    await page.locator(`[data-testid="worklist-row"][data-study-uid="${top.uid}"]`).click();
    await page.locator('[data-testid="viewport"][data-state="ready"]').waitFor({ timeout: 30_000 });
    const summary = page.getByTestId('finding-summary');
    await expect.poll(() => summary.getAttribute('data-flag'), { timeout: 30_000 }).toBe('positive');
    await expect(page.getByTestId('finding-flag').textContent()).resolves.toBe('Suspected pneumothorax');
    await expect(page.getByTestId('finding-area').textContent()).resolves.toMatch(/cm²/);
    await expect(page.getByTestId('colormap-legend').isVisible()).resolves.toBe(true);

    const overlay = page.getByTestId('overlay-canvas');
    await expect.poll(() => paintedPixels(overlay), { timeout: 20_000 }).toBeGreaterThan(0);
    const withHeatmap = await paintedPixels(overlay);
    await page.screenshot({ path: path.join(artifacts, '12-heatmap.png') });

    await page.getByTestId('heatmap-toggle').click();
    await expect.poll(() => overlay.getAttribute('data-heatmap')).toBe('off');
    await expect.poll(() => paintedPixels(overlay)).toBeLessThan(withHeatmap);
    await page.screenshot({ path: path.join(artifacts, '13-contour-only.png') });
    await page.getByTestId('heatmap-toggle').click();
    await expect.poll(() => paintedPixels(overlay)).toBe(withHeatmap);

    const before = await overlay.getAttribute('data-opacity');
    await page.getByTestId('opacity-slider').fill('0.2');
    await expect.poll(() => overlay.getAttribute('data-opacity')).not.toBe(before);
    await page.screenshot({ path: path.join(artifacts, '14-opacity.png') });

    await page.getByTestId('side-by-side-toggle').click();
    await page.getByTestId('viewport-reference').waitFor();
    await page.screenshot({ path: path.join(artifacts, '15-side-by-side.png') });
    await page.getByTestId('side-by-side-toggle').click();
  }, 120_000);

  it('edits the mask with the brush, undoes and redoes, saves it as a reviewed label and logs it', async () => {
    const viewport = page.getByTestId('viewport').first();
    const box = await viewport.boundingBox();
    if (!box) throw new Error('the viewport has no box');
    await page.getByTestId('brush-tool').click();
    const at = { x: box.x + box.width * 0.3, y: box.y + box.height * 0.5 };
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    await page.mouse.move(at.x + 40, at.y + 30, { steps: 4 });
    await page.mouse.up();
    const save = page.getByTestId('review-save');
    await expect.poll(() => save.isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('undo').click();
    await expect.poll(() => save.isEnabled()).toBe(false);
    await page.getByTestId('redo').click();
    await expect.poll(() => save.isEnabled()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, '16-brush.png') });
    await save.click();
    await expect.poll(() => page.getByTestId('finding-state').textContent(), { timeout: 30_000 }).toMatch(/Reviewed — edited by/);
    await expect.poll(() => page.locator('[data-testid="audit-entry"][data-action="edit"]').count()).toBe(1);
    await page.screenshot({ path: path.join(artifacts, '17-reviewed.png') });
  }, 120_000);

  it('confirms the next flagged study, and the worklist shows both as reviewed', async () => {
    await page.getByRole('link', { name: 'Worklist' }).click();
    await page.getByTestId('worklist-row').first().waitFor();
    const listed = await rows();
    const next = listed.find((row) => row.status !== 'reviewed' && row.flag === 'positive') ?? listed.find((row) => row.status !== 'reviewed')!;
    await page.locator(`[data-testid="worklist-row"][data-study-uid="${next.uid}"]`).click();
    await page.locator('[data-testid="viewport"][data-state="ready"]').waitFor({ timeout: 30_000 });
    const confirm = page.getByTestId('review-confirm');
    await expect.poll(() => confirm.isEnabled(), { timeout: 30_000 }).toBe(true);
    await confirm.click();
    await expect.poll(() => page.getByTestId('finding-state').textContent(), { timeout: 30_000 }).toMatch(/Reviewed — confirmed by/);
    await page.getByRole('link', { name: 'Worklist' }).click();
    await expect.poll(async () => (await rows()).filter((row) => row.status === 'reviewed').length, { timeout: 30_000 }).toBe(2);
  }, 90_000);

  it('exports SEG, Secondary Capture, the SIIM CSV and the report into a chosen folder', async () => {
    await page.getByRole('link', { name: 'Exports' }).click();
    await page.getByTestId('export-folder').fill(exportFolder);
    await page.getByTestId('export-run').click();
    const result = page.getByTestId('export-result');
    await result.waitFor({ timeout: 120_000 });
    await expect(result.getAttribute('data-errors')).resolves.toBe('0');
    await page.screenshot({ path: path.join(artifacts, '18-exports.png'), fullPage: true });
    for (const kind of ['seg', 'secondary-capture', 'submission-csv', 'report']) {
      expect(await page.locator(`[data-testid="export-file"][data-kind="${kind}"]`).count(), kind).toBeGreaterThan(0);
    }
  }, 150_000);

  it('the exported SEGs reference their images and hold the reviewed masks; the CSV decodes to the same masks', () => {
    const labels = readLabels(workstation.dataDir);
    expect(labels.length).toBe(2);
    const table = parseMaskTable(readFileSync(path.join(exportFolder, 'submission.csv'), 'utf8'));
    expect(table.size).toBe(12);
    for (const label of labels) {
      const seg = readDicom(path.join(exportFolder, 'seg', `${label.sopInstanceUid}.seg.dcm`));
      expect(seg.Modality).toBe('SEG');
      expect(seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence[0].ReferencedSOPInstanceUID).toBe(label.sopInstanceUid);
      expect(seg.SegmentSequence[0].SegmentAlgorithmType).toBe('MANUAL');
      const size = { rows: label.rows, columns: label.columns };
      const mask = Array.from(decodeRle(label.encodedPixels, size).data);
      const bits = Array.from(dcmjs.data.BitArray.unpack(seg.PixelData[0]).subarray(0, size.rows * size.columns), (v) => (v ? 1 : 0));
      expect(bits).toEqual(mask);
      expect(Array.from(decodeImageRows(table.get(label.sopInstanceUid)!, size).data)).toEqual(mask);
    }
  });

  it.skipIf(!dciodvfy)('the exported DICOM files pass dciodvfy without errors (skipped without dicom3tools)', () => {
    const files = readdirSync(exportFolder, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.dcm'))
      .map((name) => path.join(exportFolder, name));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const run = spawnSync(dciodvfy!, [file], { encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`.split('\n').filter((line) => /^Error/.test(line)), file).toEqual([]);
    }
  });

  it('reported no errors in the page', () => {
    const { pageErrors } = workstation;
    writeFileSync(path.join(artifacts, 'triage-page-errors.log'), pageErrors.join('\n'));
    expect(pageErrors, pageErrors.join('\n')).toEqual([]);
  });
});

function readLabels(dataDir: string): LabelRecord[] {
  const dir = labelsDir(dataDir);
  return readdirSync(dir).map((name) => LabelRecord.parse(JSON.parse(readFileSync(path.join(dir, name), 'utf8'))));
}

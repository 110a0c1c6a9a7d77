// Triage that behaves like a cleared triage device, in Debian's Chromium against the real services: the first run's
// phantoms, a real SIIM chest film and the NEMA hip film. Suspected pneumothorax in red words; "not flagged" in grey
// with the model's peak and the rule that held it; the hip film not assessed, with why; the demonstration model's
// mark on the real film and not on the phantoms; a confirmed "not flagged" stays out of the positives and reads as
// the reviewer's "no pneumothorax" in the worklist and the viewer alike; an edit's area is the area shown, and after
// a rejection the viewer's headline agrees with the worklist.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledModelDir } from '../../main/first-run/first-run';
import { readInstanceInfo } from '../../main/studies/dicom';
import { repoRoot } from '../renderer/renderer-build';
import { hasSharedData, sharedDataDir, sharedFile } from '../support/shared-data';
import { artifacts, chromiumNote, hasChromium, openWorkstation, waitForWorklistSettled, type Workstation } from './support';

const bundledModel = bundledModelDir(repoRoot);
const shots = path.join(artifacts, 'issue-11');
const REVIEWER = 'Dr Flag Test';
/** the large pneumothorax of the SIIM files, a Secondary Capture of a CR chest PA */
const REAL_CHEST = ['siim', '1.2.276.0.7230010.3.1.4.8323329.307.1517875162.311533.dcm'];
const HIP = ['codecs', 'RG2_UNC.dcm'];

type Row = { uid: string; flag: string; words: string; source: string | null; demo: boolean; status: string };

const skipNote = hasChromium ? (hasSharedData ? '' : ` (skipped: ${sharedDataDir} is absent — the real DICOM test data lives there)`) : chromiumNote;

describe.skipIf(!hasChromium || !hasSharedData)(`flags as a triage device, in Chromium (end to end)${skipNote}`, () => {
  let workstation: Workstation;
  let page: Page;
  let realFolder: string;
  let realChest: string;
  let hip: string;

  beforeAll(async () => {
    if (!existsSync(bundledModel)) throw new Error(`the bundled model is missing: ${bundledModel} (npm run train:default-model)`);
    mkdirSync(shots, { recursive: true });
    // Links to the real films, never copies.
    realFolder = mkdtempSync(path.join(tmpdir(), 'pleura-e2e-real-'));
    for (const parts of [REAL_CHEST, HIP]) symlinkSync(sharedFile(...parts), path.join(realFolder, parts.at(-1)!));
    realChest = (await readInstanceInfo(sharedFile(...REAL_CHEST))).studyInstanceUid;
    hip = (await readInstanceInfo(sharedFile(...HIP))).studyInstanceUid;

    workstation = await openWorkstation({ firstRun: { bundledModel } });
    page = workstation.page;
    const { handlers } = workstation.services;
    await handlers['settings.update']({ reviewer: REVIEWER });
    // The page loads while the first run works: its worklist follows the studies as they are added.
    await page.goto(workstation.server.url);
    await workstation.services.firstRun;
    // Auto-triage (on by default) takes the chest film the scan adds; the hip film is never queued.
    await handlers['studies.scan']({ path: realFolder });
    await waitForWorklistSettled(page, 14);
  }, 180_000);

  afterAll(async () => {
    await workstation?.close();
    if (realFolder) rmSync(realFolder, { recursive: true, force: true });
  });

  const rows = (): Promise<Row[]> =>
    page.getByTestId('worklist-row').evaluateAll((elements) =>
      elements.map((row) => {
        const cell = row.querySelector('[data-testid="flag-cell"]');
        return {
          uid: row.getAttribute('data-study-uid') ?? '',
          flag: cell?.getAttribute('data-flag') ?? '',
          words: cell?.querySelector('.flag')?.textContent ?? '',
          source: cell?.getAttribute('data-flag-source') ?? null,
          demo: row.querySelector('[data-testid="demo-mark"]') !== null,
          status: row.getAttribute('data-status') ?? '',
        };
      }),
    );
  const rowOf = (uid: string) => page.locator(`[data-testid="worklist-row"][data-study-uid="${uid}"]`);
  const colour = (locator: Locator) => locator.evaluate((element) => getComputedStyle(element).color);
  const headline = () => page.getByTestId('finding-flag').textContent();
  const open = async (uid: string) => {
    await rowOf(uid).click();
    await page.locator('[data-testid="viewport"][data-state="ready"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('finding-summary').getAttribute('data-state'), { timeout: 30_000 }).not.toMatch(/^(loading|)$/);
  };
  const backToWorklist = async () => {
    await page.getByRole('link', { name: 'Worklist' }).click();
    await page.getByTestId('worklist-row').first().waitFor();
  };

  it('flags suspected pneumothorax in red words, leaves the rest grey with their peak, and does not assess the hip film', async () => {
    const listed = await rows();
    const positives = listed.filter((row) => row.flag === 'positive');
    expect(positives.length, 'the demonstration model flags some of the sample phantoms').toBeGreaterThan(0);
    expect(listed.slice(0, positives.length).every((row) => row.flag === 'positive')).toBe(true);
    expect(positives.every((row) => row.words === 'Suspected pneumothorax')).toBe(true);
    expect(await colour(rowOf(positives[0].uid).locator('.flag'))).toBe('rgb(255, 107, 107)');

    const notFlagged = listed.filter((row) => row.flag === 'not-flagged');
    expect(notFlagged.length).toBeGreaterThan(0);
    // The rule's figures are the bundled model's card's: its top threshold, and min_area scaled to the film.
    for (const row of notFlagged) expect(row.words).toMatch(/^Not flagged — peak (0\.\d\d\d?|<0\.01)( below 0\.\d\d|, \d+ px above 0\.\d\d \(needs \d+\))$/);
    expect(await colour(rowOf(notFlagged[0].uid).locator('.flag'))).toBe('rgb(180, 188, 199)');
    expect((await page.getByTestId('worklist-table').textContent()) ?? '').not.toMatch(/No finding|negative|0\.00/i);

    expect(listed.find((row) => row.uid === hip)).toMatchObject({ flag: 'not-assessed', words: 'Not assessed — body part HIP', status: 'not-assessed', demo: false });
    expect(listed.at(-1)?.uid, 'not assessed after every assessed study').toBe(hip);

    // The demonstration model's result on a real film is marked; its results on Pleura's phantoms are not.
    const real = listed.find((row) => row.uid === realChest)!;
    expect(real).toMatchObject({ status: 'triaged', demo: true });
    expect(real.flag).toMatch(/^(positive|not-flagged)$/);
    expect(listed.filter((row) => row.demo).map((row) => row.uid)).toEqual([realChest]);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'flags-worklist.png'), fullPage: true });
  }, 60_000);

  it("marks the real film's result in the viewer too, in the worklist's words", async () => {
    const words = (await rows()).find((row) => row.uid === realChest)!.words;
    await open(realChest);
    await expect.poll(headline).toBe(words);
    await expect(page.getByTestId('finding-demo').textContent()).resolves.toMatch(/Demonstration model .* not for clinical use/i);
    // A probability with two decimals; on a real film the phantom-trained demonstration model may well peak at 1.00.
    await expect(page.getByTestId('finding-peak').textContent()).resolves.toMatch(/^(0\.\d\d|1\.00)$/);
    await page.screenshot({ path: path.join(shots, 'flags-viewer-demonstration.png') });
    await backToWorklist();
  }, 60_000);

  it('confirming a not-flagged image keeps it out of the positives: "Reviewed: no pneumothorax" in the viewer and the worklist', async () => {
    const target = (await rows()).find((row) => row.flag === 'not-flagged' && row.uid !== realChest)!;
    await open(target.uid);
    await expect.poll(headline).toBe(target.words);
    const confirm = page.getByTestId('review-confirm');
    await expect.poll(() => confirm.isEnabled(), { timeout: 30_000 }).toBe(true);
    await confirm.click();
    await expect.poll(headline, { timeout: 30_000 }).toBe(`Reviewed: no pneumothorax — ${REVIEWER}`);
    await expect(page.getByTestId('finding-summary').getAttribute('data-flag')).resolves.toBe('not-flagged');
    await expect(page.getByTestId('finding-area').textContent()).resolves.toBe('—');
    await page.screenshot({ path: path.join(shots, 'flags-confirmed-not-flagged.png') });

    await backToWorklist();
    await expect.poll(async () => (await rows()).find((row) => row.uid === target.uid)?.words).toBe(`Reviewed: no pneumothorax — ${REVIEWER}`);
    const listed = await rows();
    const at = listed.findIndex((row) => row.uid === target.uid);
    expect(listed[at]).toMatchObject({ flag: 'not-flagged', source: 'reviewer', status: 'reviewed' });
    expect(at).toBeGreaterThan(listed.findLastIndex((row) => row.flag === 'positive'));
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'flags-confirmed-worklist.png'), fullPage: true });
  }, 60_000);

  it("shows an edit's own area, in the viewer and the worklist; after a rejection the headline agrees with the worklist", async () => {
    const target = (await rows()).find((row) => row.flag === 'positive' && row.uid !== realChest)!;
    await open(target.uid);
    await expect.poll(headline).toBe('Suspected pneumothorax');
    const area = page.getByTestId('finding-area');
    const modelArea = await area.textContent();
    await page.getByTestId('brush-tool').click();
    const box = await page.getByTestId('viewport').first().boundingBox();
    if (!box) throw new Error('the viewport has no box');
    // A long stroke across the lower lung fields, away from the model's finding.
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.75);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.78, { steps: 8 });
    await page.mouse.up();
    const save = page.getByTestId('review-save');
    await expect.poll(() => save.isEnabled(), { timeout: 30_000 }).toBe(true);
    await save.click();
    await expect.poll(headline, { timeout: 30_000 }).toBe(`Reviewed: pneumothorax — ${REVIEWER}`);
    await expect.poll(() => area.textContent()).not.toBe(modelArea);
    const editedArea = await area.textContent();
    expect(editedArea).toMatch(/cm²$/);
    await page.getByTestId('brush-tool').click();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'flags-edited-area.png') });

    await backToWorklist();
    await expect.poll(() => rowOf(target.uid).locator('td.col-area').textContent()).toBe(editedArea);
    await expect(rowOf(target.uid).locator('.flag').textContent()).resolves.toBe(`Reviewed: pneumothorax — ${REVIEWER}`);

    await open(target.uid);
    const reject = page.getByTestId('review-reject');
    await expect.poll(() => reject.isEnabled(), { timeout: 30_000 }).toBe(true);
    await reject.click();
    await expect.poll(headline, { timeout: 30_000 }).toBe(`Reviewed: no pneumothorax — ${REVIEWER}`);
    await page.screenshot({ path: path.join(shots, 'flags-rejected.png') });
    await backToWorklist();
    await expect.poll(() => rowOf(target.uid).locator('.flag').textContent()).toBe(`Reviewed: no pneumothorax — ${REVIEWER}`);
    await expect(rowOf(target.uid).locator('td.col-area').textContent()).resolves.toBe('—');
  }, 90_000);

  it('shows the accepted body parts and views in Settings, where a change is checked, saved and audited', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const panel = page.getByTestId('intended-use');
    await panel.waitFor();
    await expect(page.getByTestId('intended-body-parts').inputValue()).resolves.toBe('CHEST, THORAX');
    await expect(page.getByTestId('intended-views').inputValue()).resolves.toBe('PA, AP');
    await expect(page.getByTestId('intended-views-absent').isChecked()).resolves.toBe(true);
    await page.getByTestId('intended-views').fill('PA, AP, lateral-view');
    await page.getByTestId('intended-use-save').click();
    await expect(page.getByTestId('intended-views-error').textContent()).resolves.toMatch(/"LATERAL-VIEW" is not a DICOM code string/);
    await page.getByTestId('intended-views').fill('pa, ap, ll');
    await page.getByTestId('intended-use-save').click();
    await expect.poll(async () => (await workstation.services.handlers['settings.get']({})).intendedUse.views).toEqual(['PA', 'AP', 'LL']);
    await expect(page.getByTestId('intended-views').inputValue()).resolves.toBe('pa, ap, ll');
    const [entry] = await workstation.services.handlers['audit.list']({ limit: 1 });
    expect(entry).toMatchObject({ action: 'settings', who: REVIEWER, detail: 'intendedUse: body part CHEST, THORAX, absent; view PA, AP, absent → body part CHEST, THORAX, absent; view PA, AP, LL, absent' });
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'flags-settings-intended-use.png') });
  }, 30_000);

  it('reported no errors in the page', () => {
    expect(workstation.pageErrors, workstation.pageErrors.join('\n')).toEqual([]);
  });
});

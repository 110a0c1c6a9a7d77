// Editing as radiologists expect, in Debian's Chromium against the real services and the first run's sample
// studies: the viewer says it is loading until it knows; the brush's size by slider and by [ ], in mm at the
// image's spacing, and what a stroke at each size paints; undo and redo by keys; unsaved edits asked about before
// a link, a reload or the next study takes them; next and previous study in the worklist's order; the "?" list of
// shortcuts, which rest while typing; Tab in and out of the viewport; and 24 opened studies without a lost WebGL
// context.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledModelDir } from '../../main/first-run/first-run';
import { repoRoot } from '../renderer/renderer-build';
import { artifacts, chromiumNote, hasChromium, openWorkstation, waitForWorklistSettled, type Workstation } from './support';

const bundledModel = bundledModelDir(repoRoot);
const shots = path.join(artifacts, 'issue-11');
// Chromium's own warning when a page passes its limit of live contexts, and Cornerstone's when one is lost.
const contextLost = /too many active webgl contexts|webgl context lost|context_lost/i;

describe.skipIf(!hasChromium)(`editing in the viewer, in Chromium (end to end)${chromiumNote}`, () => {
  let workstation: Workstation;
  let page: Page;
  /** the studies in the worklist's priority order */
  let worklistOrder: string[];
  const lostContexts: string[] = [];

  beforeAll(async () => {
    if (!existsSync(bundledModel)) throw new Error(`the bundled model is missing: ${bundledModel} (npm run train:default-model)`);
    mkdirSync(shots, { recursive: true });
    workstation = await openWorkstation({ firstRun: { bundledModel } });
    page = workstation.page;
    page.on('console', (message) => {
      if (contextLost.test(message.text())) lostContexts.push(message.text());
    });
    // The page loads while the first run works: its worklist follows the samples as they are added.
    await page.goto(workstation.server.url);
    await workstation.services.firstRun;
    await waitForWorklistSettled(page, 12);
    worklistOrder = await listedStudies();
  }, 180_000);

  afterAll(async () => {
    await workstation?.close();
  });

  const listedStudies = () => page.getByTestId('worklist-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-study-uid') ?? ''));
  const shownStudy = () => decodeURIComponent(new URL(page.url()).hash.replace('#/viewer/', ''));
  const viewport = () => page.locator('[data-testid="viewport"]');
  const maskPixels = async () => Number(await page.getByTestId('overlay-canvas').getAttribute('data-mask-pixels'));
  const brushSize = () => page.getByTestId('brush-size').textContent();
  /** Waits until the viewer shows the study's image (its keys are live from then on). */
  const studyShown = (uid: string) => page.locator(`[data-testid="viewer"][data-study-uid="${uid}"] [data-testid="viewport"][data-state="ready"]`).waitFor({ timeout: 30_000 });
  const openFromWorklist = async (uid: string) => {
    await page.locator(`[data-testid="worklist-row"][data-study-uid="${uid}"]`).click();
    await studyShown(uid);
  };
  /** A left-button drag across the image, at fractions of the viewport's box. */
  const stroke = async (from: [number, number], to: [number, number]) => {
    const box = await viewport().boundingBox();
    if (!box) throw new Error('the viewport has no box');
    await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 3 });
    await page.mouse.up();
  };

  it('says it is loading, not "No triage result", while the verdicts and the image are on their way', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowed = /\/api\/(triage\.images|images\.load)$/;
    const continued: Promise<void>[] = [];
    await page.route(slowed, (route) => {
      continued.push(held.then(() => route.continue()));
    });
    await page.locator(`[data-testid="worklist-row"][data-study-uid="${worklistOrder[0]}"]`).click();
    await page.getByTestId('finding-loading').waitFor();
    await page.getByTestId('viewport-loading').waitFor();
    await expect(page.getByTestId('finding-summary').textContent()).resolves.not.toMatch(/no triage result/i);
    await expect(page.getByTestId('viewport-loading').textContent()).resolves.toMatch(/decoding/i);
    await page.screenshot({ path: path.join(shots, 'editing-loading.png') });
    release();
    await Promise.all(continued);
    await page.unroute(slowed);
    await page.locator('[data-testid="viewport"][data-state="ready"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('finding-loading').count()).toBe(0);
    await expect(page.getByTestId('finding-summary').getAttribute('data-state')).resolves.not.toBe('loading');
  }, 60_000);

  it('sizes the brush by slider and by [ and ], in mm at the image spacing; a small brush paints less than a large one', async () => {
    const confirm = page.getByTestId('review-confirm');
    await expect.poll(() => confirm.isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('brush-tool').click();
    await expect.poll(() => viewport().getAttribute('data-tool')).toBe('brush');
    await expect(page.getByTestId('brush-size').getAttribute('data-unit')).resolves.toBe('mm');
    await expect(brushSize()).resolves.toBe('4 mm');
    await page.keyboard.press(']');
    await expect(brushSize()).resolves.toBe('5 mm');
    await page.keyboard.press('[');
    await page.keyboard.press('[');
    await expect(brushSize()).resolves.toBe('3 mm');
    await page.getByTestId('brush-size-slider').fill('0');
    await expect(brushSize()).resolves.toBe('1 mm');

    const before = await maskPixels();
    const track: [[number, number], [number, number]] = [
      [0.4, 0.8],
      [0.6, 0.82],
    ];
    await stroke(...track);
    await expect.poll(maskPixels, { timeout: 10_000 }).toBeGreaterThan(before);
    const small = (await maskPixels()) - before;
    await page.keyboard.press('Control+z');
    await expect.poll(maskPixels).toBe(before);

    await page.getByTestId('brush-size-slider').fill('11');
    await expect(brushSize()).resolves.toBe('20 mm');
    await stroke(...track);
    await expect.poll(maskPixels, { timeout: 10_000 }).toBeGreaterThan(before);
    const large = (await maskPixels()) - before;
    // Twenty times the diameter: the stroke's area grows at least ten times (its length is the same).
    expect(large).toBeGreaterThan(small * 10);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'editing-brush-size.png') });

    // Undo and redo by keys: Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y.
    await page.keyboard.press('Control+z');
    await expect.poll(maskPixels).toBe(before);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(maskPixels).toBe(before + large);
    await page.keyboard.press('Control+z');
    await expect.poll(maskPixels).toBe(before);
    await page.keyboard.press('Control+y');
    await expect.poll(maskPixels).toBe(before + large);
    await expect(page.getByTestId('review-save').isEnabled()).resolves.toBe(true);
  }, 60_000);

  it('asks before unsaved edits are left: staying keeps them, a reload is asked about, and leaving goes on', async () => {
    const edited = await maskPixels();
    const here = shownStudy();
    await page.getByRole('link', { name: 'Worklist' }).click();
    const dialog = page.getByTestId('leave-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.screenshot({ path: path.join(shots, 'editing-leave-dialog.png') });
    await page.getByTestId('leave-stay').click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(shownStudy()).toBe(here);
    await expect(maskPixels()).resolves.toBe(edited);

    const asked = new Promise<string>((resolve) => page.once('dialog', (browserDialog) => void browserDialog.dismiss().then(() => resolve(browserDialog.type()))));
    await page.evaluate(() => window.location.reload());
    await expect(asked).resolves.toBe('beforeunload');
    expect(shownStudy()).toBe(here);
    await expect(maskPixels()).resolves.toBe(edited);

    await page.keyboard.press('n');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.getByTestId('leave-discard').click();
    await studyShown(worklistOrder[1]);
    expect(shownStudy()).toBe(worklistOrder[1]);
  }, 60_000);

  it('goes to the next and previous study in worklist order, by keys and by the button', async () => {
    await expect(page.getByTestId('study-position').textContent()).resolves.toBe('2 of 12');
    await page.keyboard.press('p');
    await studyShown(worklistOrder[0]);
    await page.getByTestId('next-study').click();
    await studyShown(worklistOrder[1]);
    await page.keyboard.press('n');
    await studyShown(worklistOrder[2]);
    expect(shownStudy()).toBe(worklistOrder[2]);
    await expect(page.getByTestId('study-position').textContent()).resolves.toBe('3 of 12');
    await page.screenshot({ path: path.join(shots, 'editing-next-study.png') });

    // Sorted in the worklist, the viewer reads on in that order.
    await page.getByRole('link', { name: 'Worklist' }).click();
    await page.getByTestId('sort-patientId').click();
    const sorted = await listedStudies();
    expect(sorted).not.toEqual(worklistOrder);
    await openFromWorklist(sorted[0]);
    await page.keyboard.press('n');
    await studyShown(sorted[1]);
    await page.getByRole('link', { name: 'Worklist' }).click();
    await page.getByTestId('worklist-row').first().waitFor();
  }, 60_000);

  it('lists its shortcuts on "?", closes the list on Escape, and rests them while typing', async () => {
    await openFromWorklist(worklistOrder[0]);
    await page.keyboard.press('?');
    const help = page.getByTestId('shortcut-help');
    await expect.poll(() => help.isVisible()).toBe(true);
    const listed = (await help.textContent()) ?? '';
    for (const words of ['Next study in worklist order', 'Window: lung', 'Undo the last stroke', 'Confirm the finding as shown', 'Heatmap on or off']) {
      expect(listed).toContain(words);
    }
    await page.screenshot({ path: path.join(shots, 'editing-shortcuts.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => help.isVisible()).toBe(false);

    const field = page.getByTestId('audit-export-path');
    await field.click();
    await page.keyboard.type('np?');
    await expect(field.inputValue()).resolves.toBe('np?');
    expect(shownStudy()).toBe(worklistOrder[0]);
    await expect(help.isVisible()).resolves.toBe(false);
    await field.fill('');
  }, 60_000);

  it('lets Tab leave the viewport and Shift+Tab return to it; keys pressed on it still reach the viewer', async () => {
    const element = viewport();
    await element.focus();
    const heatmap = page.getByTestId('overlay-canvas');
    await expect.poll(() => heatmap.getAttribute('data-heatmap'), { timeout: 30_000 }).toBe('on');
    await page.keyboard.press('h');
    await expect.poll(() => heatmap.getAttribute('data-heatmap')).toBe('off');
    await page.keyboard.press('h');
    const onViewport = () => element.evaluate((node) => node === document.activeElement);
    const insideViewport = () => element.evaluate((node) => node.contains(document.activeElement));
    await page.keyboard.press('Tab');
    await expect(insideViewport()).resolves.toBe(false);
    await page.keyboard.press('Shift+Tab');
    await expect(onViewport()).resolves.toBe(true);
    await page.screenshot({ path: path.join(shots, 'editing-viewport-focus.png') });
  }, 30_000);

  it('opens and leaves the viewer 24 times without losing a WebGL context', async () => {
    await page.getByRole('link', { name: 'Worklist' }).click();
    for (let open = 0; open < 24; open++) {
      await openFromWorklist(worklistOrder[open % worklistOrder.length]);
      // Every third open also shows the plain image beside: a second viewport.
      if (open % 3 === 0) {
        await page.keyboard.press('s');
        await page.locator('[data-testid="viewport-reference"][data-state="ready"]').waitFor({ timeout: 30_000 });
      }
      await page.getByRole('link', { name: 'Worklist' }).click();
      await page.getByTestId('worklist-row').first().waitFor();
    }
    expect(lostContexts).toEqual([]);
    expect(workstation.pageErrors).toEqual([]);
  }, 120_000);
});

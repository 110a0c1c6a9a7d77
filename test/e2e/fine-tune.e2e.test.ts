// Fine-tuning keeps its word, in Debian's Chromium over the real services (only the trainer's worker is the scripted
// stand-in): the form offers the current model or scratch as the start and keeps its values across pages; data with
// too few patients is refused before a run starts, in plain words; a finished run's comparison shows its sample and
// 95% intervals, and Discard — not Promote — is the highlighted action when the new model is not shown better; the
// curves have axes, the learning rate on a log scale; a run that never checkpointed offers no Resume.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveLabel } from '../../main/labels/label-store';
import { createModelLibrary } from '../../main/models/model-library';
import { writePngPairs } from '../fixtures/png-pairs';
import { ScriptedTrainer } from '../fixtures/scripted-trainer';
import { NARROW_ALBUNET, writeSmallModel } from '../fixtures/small-models';
import { artifacts, chromiumNote, hasChromium, openWorkstation, type Workstation } from './support';

const SIDE = 64;
const CURRENT_SEED = 7;
const shots = path.join(artifacts, 'issue-11');
/** The training panel (the form, the run and its comparison), whole: the settings page scrolls inside its frame. */
const shot = (page: Page, name: string) =>
  page.locator('section.settings__panel', { has: page.getByTestId('training-form') }).screenshot({ path: path.join(shots, `fine-tune-${name}.png`) });

describe.skipIf(!hasChromium)(`fine-tuning in the settings panel, in Chromium${chromiumNote}`, () => {
  const trainer = new ScriptedTrainer(SIDE);
  let workstation: Workstation;
  let page: Page;
  let currentRef: string;
  let pngFolder: string;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pleura-e2e-fine-tune-'));
    const model = path.join(mkdtempSync(path.join(tmpdir(), 'pleura-e2e-model-')), 'model');
    await writeSmallModel(model, { ...NARROW_ALBUNET, seed: CURRENT_SEED }, SIDE);
    const library = createModelLibrary(dataDir);
    currentRef = (await library.installModel(model)).ref;
    await library.setCurrent(currentRef);
    // Three patients' reviewed images: too few for five folds.
    for (const [k, patientId] of ['P1', 'P2', 'P2', 'P3'].entries()) {
      const mask = { rows: 8, columns: 8, data: new Uint8Array(64) };
      await saveLabel(dataDir, { sopInstanceUid: `1.2.826.9.${k}`, studyInstanceUid: '1.2.826.9', patientId, imagePath: path.join(dataDir, `${k}.dcm`), reviewer: 'Dr E2E', decision: 'rejected', mask });
    }
    pngFolder = writePngPairs(path.join(dataDir, 'pngs'), 6, SIDE);
    workstation = await openWorkstation({ dataDir, training: { startTrainer: trainer.start, throttleMs: 100 } });
    page = workstation.page;
    // Tall enough for the whole training panel in one screenshot.
    await page.setViewportSize({ width: 1400, height: 1800 });
    await page.goto(workstation.server.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('training-form').waitFor();
  }, 240_000);
  afterAll(() => workstation?.close());

  it('offers the current model or scratch as the start, and keeps the form as it was left across pages', async () => {
    const current = page.getByTestId('training-start-current');
    await expect(current.isChecked()).resolves.toBe(true);
    await expect(page.locator('label', { has: current }).textContent()).resolves.toContain(`The current model, ${currentRef}: its weights, albunet at 64 × 64 and its thresholds`);
    await expect(page.getByTestId('training-size-fixed').textContent()).resolves.toBe("64 × 64 (the model's)");

    await page.getByTestId('data-png-pairs').check();
    await page.getByTestId('data-folder').fill(pngFolder);
    await page.getByTestId('training-start-scratch').check();
    await page.getByTestId('training-size').selectOption('512');
    await page.getByTestId('training-plan').selectOption('fourth-place');
    await page.getByTestId('training-epochs').fill('5');

    await page.getByRole('link', { name: 'Worklist' }).click();
    await page.getByTestId('training-form').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByTestId('training-form').waitFor();
    await expect(page.getByTestId('data-png-pairs').isChecked()).resolves.toBe(true);
    await expect(page.getByTestId('data-folder').inputValue()).resolves.toBe(pngFolder);
    await expect(page.getByTestId('training-start-scratch').isChecked()).resolves.toBe(true);
    await expect(page.getByTestId('training-size').inputValue()).resolves.toBe('512');
    await expect(page.getByTestId('training-plan').inputValue()).resolves.toBe('fourth-place');
    await expect(page.getByTestId('training-epochs').inputValue()).resolves.toBe('5');
    await shot(page, 'form-kept');
  });

  it('refuses reviewed images of too few patients before starting, in plain words', async () => {
    await page.getByTestId('data-reviewed').check();
    await page.getByTestId('training-start-current').check();
    await page.getByTestId('training-start').click();
    const problem = page.getByTestId('training-problem');
    await expect(problem.textContent()).resolves.toMatch(/^Training needs reviewed images of at least 5 patients \(.*\); you have 3\.$/);
    await expect(page.getByTestId('training-status').count()).resolves.toBe(0);
    expect(trainer.configs).toHaveLength(0);
    await shot(page, 'too-few-patients');
  });

  it('ends a run with its reason, its comparison with the sample and 95% intervals, and Discard first when it is not better', async () => {
    await page.getByTestId('data-png-pairs').check();
    await page.getByTestId('training-plan').selectOption('quick');
    await page.getByTestId('training-epochs').fill('3');
    await page.getByTestId('training-start').click();
    await page.locator('[data-testid="training-status"][data-state="running"]').waitFor();
    expect(trainer.configs.at(-1)).toMatchObject({ arch: 'albunet', size: SIDE, init: expect.stringContaining(currentRef) });
    await expect(page.getByTestId('training-origin').textContent()).resolves.toBe(`From ${currentRef} · quick · 64 × 64 · 3 epochs`);

    // Three epochs of ten steps: the loss falls, the learning rate anneals over two decades, Dice at each epoch's end.
    for (let epoch = 1; epoch <= 3; epoch++) {
      for (let step = 1; step <= 10; step++) {
        const k = (epoch - 1) * 10 + step;
        trainer.report(epoch, step, { epochs: 3, stepsInEpoch: 10, globalStep: k, loss: 1.2 / Math.sqrt(k), lr: 1e-3 * 10 ** (-2 * (k / 30)), ...(step === 10 ? { valDice: 0.4 + 0.05 * epoch } : {}) });
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    }
    // The new model learnt nothing: the current model's very weights, so every image scores the same for both.
    await trainer.finish({ seed: CURRENT_SEED, version: 'fine-tuned' });
    const comparison = page.getByTestId('comparison');
    await comparison.waitFor({ timeout: 60_000 });

    await expect(page.getByTestId('training-end').textContent()).resolves.toBe('Finished all 3 epochs.');
    await expect(comparison.getAttribute('data-verdict')).resolves.toBe('undecided');
    await expect(page.getByTestId('comparison-sample').textContent()).resolves.toMatch(/^Held out \(never trained on\): (\d) images? of \1 patients?\./);
    await expect(page.getByTestId('comparison-difference').textContent()).resolves.toMatch(/^Mean Dice, new − current: \+0\.0000(, 95% interval \+0\.0000 to \+0\.0000 \(paired bootstrap over the images, 2000 resamples\)| \(no interval from a single image\))$/);
    await expect(page.getByTestId('comparison-verdict').textContent()).resolves.toMatch(/(do not show the new model to be better|too few to tell the models apart)/);
    await expect(page.getByTestId('score-current').textContent()).resolves.toContain(currentRef);
    await expect(page.getByTestId('score-candidate').textContent()).resolves.toContain('test-albunet@fine-tuned');
    await expect(page.getByTestId('discard').getAttribute('class')).resolves.toContain('button--primary');
    await expect(page.getByTestId('promote').getAttribute('class')).resolves.not.toContain('button--primary');
    await shot(page, 'comparison');
  }, 120_000);

  it('draws the curves on axes: epochs along x, ticked values up y, the learning rate by decades', async () => {
    const lr = page.getByTestId('chart-lr');
    await expect(lr.getAttribute('data-scale')).resolves.toBe('log');
    await expect(lr.getByTestId('chart-y-tick').allTextContents()).resolves.toEqual(['1e-5', '1e-4', '1e-3']);
    await expect(lr.getByTestId('chart-x-tick').allTextContents()).resolves.toEqual(['0', '1', '2', '3']);
    await expect(lr.locator('text.chart__axis-label').allTextContents()).resolves.toEqual(['epoch', 'learning rate']);
    const loss = page.getByTestId('chart-loss');
    await expect(loss.getAttribute('data-scale')).resolves.toBe('linear');
    const lossTicks = (await loss.getByTestId('chart-y-tick').allTextContents()).map(Number);
    expect(lossTicks.length).toBeGreaterThanOrEqual(3);
    expect(lossTicks.every((tick, i) => i === 0 || tick > lossTicks[i - 1])).toBe(true);
    await expect(page.getByTestId('chart-dice').locator('text.chart__axis-label').allTextContents()).resolves.toEqual(['epoch', 'Dice']);
    await page.getByTestId('training-status').screenshot({ path: path.join(shots, 'fine-tune-charts.png') });
  });

  it('offers no Resume for a run that ended before its first checkpoint, and says why it ended', async () => {
    await page.getByTestId('discard').click();
    await page.locator('[data-testid="training-status"][data-state="discarded"]').waitFor();
    await page.getByTestId('training-start').click();
    await page.locator('[data-testid="training-status"][data-state="running"]').waitFor();
    trainer.fail('the training data could not be read');
    await page.locator('[data-testid="training-status"][data-state="failed"]').waitFor();
    await expect(page.getByTestId('training-end').textContent()).resolves.toBe('Failed: the training data could not be read');
    await expect(page.getByTestId('training-resume').count()).resolves.toBe(0);
    await shot(page, 'no-resume');
  });

  it('reported no errors in the page but the refused start', () => {
    writeFileSync(path.join(shots, 'fine-tune-page-errors.log'), workstation.pageErrors.join('\n'));
    const refusedStart = /status of 400 .*\/api\/training\.start/;
    expect(workstation.pageErrors.filter((error) => !refusedStart.test(error))).toEqual([]);
    expect(workstation.pageErrors.filter((error) => refusedStart.test(error))).toHaveLength(1);
  });
});

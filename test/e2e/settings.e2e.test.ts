// The settings panel in Debian's Chromium, over the real services and loopback server: the installed models with
// their cards, a clear error for unusable data, then a training run driven step by step (the training service is
// real; only its worker is the scripted stand-in) — progress bars, live curves, cancel, resume, the held-out
// comparison, promote, restore. Last, a tiny run of the real trainer on a generated PNG folder. The models are light
// U-Nets (2 M parameters): the panel and the service handle any model folder alike, and a narrow AlbuNet's 23 M
// would cost seconds to draw, write, load in each comparison and copy on promotion.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelLibrary } from '../../main/models/model-library';
import { writePngPairs } from '../fixtures/png-pairs';
import { ScriptedTrainer } from '../fixtures/scripted-trainer';
import { writeSmallModel, type SmallModel } from '../fixtures/small-models';
import { artifacts, chromiumNote, hasChromium, openWorkstation, type Workstation } from './support';

const SIDE = 64;
/** the installed model; the scripted runs' models are the same architecture with seeds of their own */
const LIGHT: SmallModel = { arch: 'unet-light', seed: 7 };
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `settings-${name}.png`), fullPage: true });

/** A data directory with one installed, current model (so the comparison has something to beat). */
async function dataDirWithModel(): Promise<{ dataDir: string; ref: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pleura-e2e-settings-'));
  const src = mkdtempSync(path.join(tmpdir(), 'pleura-e2e-model-'));
  await writeSmallModel(path.join(src, 'model'), LIGHT, SIDE);
  const library = createModelLibrary(dataDir);
  const { ref } = await library.installModel(path.join(src, 'model'));
  await library.setCurrent(ref);
  return { dataDir, ref };
}

async function openSettings(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByTestId('settings').waitFor();
}

async function choosePngFolder(page: Page, folder: string): Promise<void> {
  await page.getByTestId('data-png-pairs').check();
  await page.getByTestId('data-folder').fill(folder);
}

describe.skipIf(!hasChromium)(`the settings panel in Chromium${chromiumNote}`, () => {
  describe('with a scripted training worker', () => {
    const trainer = new ScriptedTrainer(SIDE, LIGHT);
    let workstation: Workstation;
    let page: Page;
    let initialRef: string;
    let pngFolder: string;

    beforeAll(async () => {
      const { dataDir, ref } = await dataDirWithModel();
      initialRef = ref;
      pngFolder = writePngPairs(path.join(dataDir, 'pngs'), 6, SIDE);
      workstation = await openWorkstation({ dataDir, training: { startTrainer: trainer.start, throttleMs: 100 } });
      page = workstation.page;
    }, 240_000);
    afterAll(() => workstation?.close());

    it('lists the installed models with their cards, the current one marked', async () => {
      await openSettings(page, workstation.server.url);
      const entry = page.locator(`[data-testid="model-entry"][data-ref="${initialRef}"]`);
      await entry.waitFor();
      expect(await entry.getAttribute('data-current')).toBe('true');
      await expect(entry.textContent()).resolves.toMatch(/unet-light.*parameters/);
      await expect(entry.textContent()).resolves.toMatch(/64 × 64/);
      await expect(page.getByTestId('model-current').count()).resolves.toBe(1);
      await shot(page, '01-models');
    });

    it('says clearly what is wrong with data it cannot use', async () => {
      await choosePngFolder(page, 'relative/folder');
      await page.getByTestId('training-start').click();
      await expect(page.getByTestId('training-problem').textContent()).resolves.toMatch(/must be an absolute path/);
      await shot(page, '02-error');
    });

    it('trains: progress bars and live curves, cancel, resume, then the comparison and promote', async () => {
      await choosePngFolder(page, pngFolder);
      await page.getByTestId('training-epochs').fill('3');
      await page.getByTestId('training-start').click();
      await page.locator('[data-testid="training-status"][data-state="running"]').waitFor();
      await expect(page.getByTestId('training-start').isDisabled()).resolves.toBe(true);

      // One epoch of 40 steps with a falling loss, validation at its end, then part of the second.
      for (let step = 1; step <= 40; step++) {
        trainer.report(1, step, { loss: 1 / step, etaSeconds: 95, ...(step === 40 ? { valDice: 0.42 } : {}) });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (let step = 1; step <= 20; step++) trainer.report(2, step, { loss: 0.02, lr: 5e-4, etaSeconds: 61 });
      await expect.poll(() => page.getByTestId('progress-epoch').getAttribute('value'), { timeout: 5000 }).toBe('20');
      await expect.poll(async () => Number(await page.getByTestId('chart-loss').getAttribute('data-points'))).toBeGreaterThan(2);
      expect(await page.getByTestId('chart-dice').getAttribute('data-points')).toBe('1');
      expect(Number(await page.getByTestId('progress-overall').getAttribute('value'))).toBeCloseTo(1.5, 5);
      await expect(page.getByTestId('training-eta').textContent()).resolves.toBe('1 min 1 s');
      await shot(page, '03-running');

      // A reloaded page redraws the curves from the service's history.
      const points = await page.getByTestId('chart-loss').getAttribute('data-points');
      await page.reload();
      await page.getByTestId('chart-loss').waitFor();
      expect(await page.getByTestId('chart-loss').getAttribute('data-points')).toBe(points);

      await page.getByTestId('training-cancel').click();
      await page.locator('[data-testid="training-status"][data-state="cancelled"]').waitFor();
      await shot(page, '04-cancelled');
      await page.getByTestId('training-resume').click();
      await page.locator('[data-testid="training-status"][data-state="running"]').waitFor();
      expect(trainer.configs.at(-1)!.resume).toBe(true);
      for (let step = 21; step <= 40; step++) trainer.report(2, step, { loss: 0.015, lr: 2e-4, ...(step === 40 ? { valDice: 0.55 } : {}) });
      await trainer.finish();

      await page.getByTestId('comparison').waitFor({ timeout: 60_000 });
      await expect(page.getByTestId('score-current').textContent()).resolves.toContain(initialRef);
      await expect(page.getByTestId('score-candidate').textContent()).resolves.toMatch(/\d\.\d{4}/);
      await shot(page, '05-comparison');

      await page.getByTestId('promote').click();
      await page.locator('[data-testid="training-status"][data-state="promoted"]').waitFor();
      const promoted = page.locator('[data-testid="model-entry"][data-current="true"]');
      await expect.poll(() => promoted.getAttribute('data-ref')).toBe('test-unet-light@100');
      await expect(page.getByTestId('model-entry').count()).resolves.toBe(2);
      await shot(page, '06-promoted');
    }, 120_000);

    it('restores an earlier version as current', async () => {
      await page.locator(`[data-testid="model-entry"][data-ref="${initialRef}"] [data-testid="model-restore"]`).click();
      await expect.poll(() => page.locator('[data-testid="model-entry"][data-current="true"]').getAttribute('data-ref')).toBe(initialRef);
      await shot(page, '07-restored');
    });

    it('averages another installed version into the triage ensemble with a weight', async () => {
      const member = page.locator('[data-testid="ensemble-member"]');
      await expect(member.count()).resolves.toBe(1);
      const ref = await member.getAttribute('data-ref');
      expect(ref).not.toBe(initialRef);
      await member.getByTestId('ensemble-weight').fill('0.5');
      // The box follows the saved settings, so it changes once the service has answered.
      await member.getByRole('checkbox').click();
      await expect.poll(() => member.getAttribute('data-included')).toBe('true');
      expect((await workstation.services.handlers['settings.get']({})).ensemble).toEqual([{ ref, weight: 0.5 }]);
      await member.getByRole('checkbox').click();
      await expect.poll(() => member.getAttribute('data-included')).toBe('false');
    });

    it('reported no errors in the page but the rejected start', () => {
      writeFileSync(path.join(artifacts, 'settings-page-errors.log'), workstation.pageErrors.join('\n'));
      // Chromium logs every 4xx answer; the one to training.start is the relative path refused on purpose above.
      const refusedStart = /status of 400 .*\/api\/training\.start/;
      expect(workstation.pageErrors.filter((error) => !refusedStart.test(error))).toEqual([]);
      expect(workstation.pageErrors.filter((error) => refusedStart.test(error))).toHaveLength(1);
    });
  });

  describe('with the real trainer', () => {
    let workstation: Workstation;
    let currentRef: string;

    beforeAll(async () => {
      const { dataDir, ref } = await dataDirWithModel();
      currentRef = ref;
      workstation = await openWorkstation({ dataDir });
    }, 240_000);
    afterAll(() => workstation?.close());

    it('trains a tiny model on a generated PNG folder, compares it and promotes it', async () => {
      const { page, dataDir } = workstation;
      await openSettings(page, workstation.server.url);
      await choosePngFolder(page, writePngPairs(path.join(dataDir, 'pngs'), 5, SIDE));
      await page.getByTestId('training-start-scratch').check();
      await page.getByTestId('training-epochs').fill('1');
      await page.getByTestId('training-start').click();
      const ended = page.locator('[data-testid="training-status"]:is([data-state="finished"], [data-state="failed"])');
      await ended.waitFor({ timeout: 240_000 });
      await shot(page, '08-real-run');
      if ((await ended.getAttribute('data-state')) === 'failed') {
        throw new Error(`the training run failed: ${await page.getByTestId('training-end').textContent()}`);
      }
      // The installed model is a unet-light too: the candidate is the run's own, not it.
      const candidate = (await page.getByTestId('score-candidate').textContent()) ?? '';
      expect(candidate).toMatch(/unet-light@/);
      expect(candidate).not.toContain(currentRef);
      await expect(page.getByTestId('chart-dice').getAttribute('data-points')).resolves.not.toBe('0');
      await page.getByTestId('promote').click();
      await page.locator('[data-testid="training-status"][data-state="promoted"]').waitFor();
      // The list follows the promotion once the library has answered.
      await expect.poll(() => page.getByTestId('model-entry').count()).toBe(2);
      await shot(page, '09-real-promoted');
    }, 300_000);
  });
});

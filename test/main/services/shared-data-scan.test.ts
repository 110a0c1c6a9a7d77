import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ScanSummary } from '../../../main/api/contract';
import { createServices, type Services } from '../../../main/services/create-services';
import { describeWithSharedData, sharedDataDir, sharedFile } from '../../support/shared-data';

describeWithSharedData('a scan of the real DICOM files in ../shared/data', () => {
  let dir: string;
  let services: Services;
  let summary: ScanSummary;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-shared-scan-'));
    services = createServices({ dataDir: dir, shell: 'browser', version: 'test' });
    summary = await services.handlers['studies.scan']({ path: sharedDataDir });
  });
  afterAll(async () => {
    await services?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('indexes every radiograph into its study', async () => {
    // SIIM 3, cxr 5, and the NEMA codec images: RG2 and RG3 each in two studies (the RLE files were made apart).
    // README.md and the mask table never claimed to be DICOM: skipped, not errors.
    expect(summary).toMatchObject({ studies: 12, errors: 1, skipped: 2, cancelled: false });
    const worklist = await services.handlers['studies.worklist']({});
    expect(worklist).toHaveLength(12);
    const paths = (await Promise.all(worklist.map((r) => services.handlers['studies.detail']({ studyInstanceUid: r.studyInstanceUid }))))
      .flatMap((d) => d.series.flatMap((s) => s.instances.map((i) => path.relative(sharedDataDir, i.path))))
      .sort();
    expect(paths.filter((p) => p.startsWith('siim/'))).toHaveLength(3);
    expect(paths.filter((p) => p.startsWith('cxr/'))).toHaveLength(5);
    expect(paths.filter((p) => p.startsWith('codecs/'))).toHaveLength(11);
    const siim = worklist.find((r) => r.studyInstanceUid === '1.2.276.0.7230010.3.1.2.8323329.301.1517875162.280318')!;
    expect(siim).toMatchObject({ modality: 'CR', view: 'PA', imageCount: 1, status: 'ok' });
    const image = await services.handlers['images.load']({ instanceId: siim.firstInstanceId! });
    expect([image.rows, image.columns]).toEqual([1024, 1024]);
  });

  it('lists the malformed file with its error, and not the files that are no images', async () => {
    const errors = await services.handlers['studies.fileErrors']({ root: sharedDataDir });
    expect(Object.fromEntries(errors.map((e) => [path.relative(sharedDataDir, e.path), e.code]))).toEqual({
      'bad/malformed-no-pixel-description.dcm': 'missing-pixel-description',
    });
    expect(errors.find((e) => e.path === sharedFile('bad', 'malformed-no-pixel-description.dcm'))!.message).toMatch(/BitsAllocated/);
  });
});

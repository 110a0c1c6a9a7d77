// "Make an INT8 version" through the API: arguments validated by the contract, refusals named, the real worker thread
// making the bundled model's INT8 version with progress events, the result installed (never made current) and audited,
// and a cancel that installs nothing and leaves nothing in the data directory.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents, QuantizeJob } from '../../../main/api/contract';
import { createDispatch } from '../../../main/api/dispatch';
import { EventHub } from '../../../main/api/events';
import { createModelLibrary } from '../../../main/models/model-library';
import { createQuantizeService } from '../../../main/models/quantize-service';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { auditLogIn } from '../../fixtures/audit-log';
import { bundledDemo, writeDemoModel } from '../../fixtures/demo-model';

let root: string;
let dataDir: string;
let phantoms: string;
const events = new EventHub();
const received: { [E in keyof ApiEvents]?: ApiEvents[E][] } = {};
events.subscribe((event, payload) => ((received[event] ??= []) as unknown[]).push(payload));
let service: ReturnType<typeof createQuantizeService>;
let dispatch: ReturnType<typeof createDispatch>;
let audit: ReturnType<typeof auditLogIn>;
const { dir: demoDir, ref: demoRef, version: demoVersion } = await bundledDemo();

const nextDone = () =>
  new Promise<QuantizeJob>((resolve) => {
    const stop = events.subscribe((event, payload) => {
      if (event !== 'quantize.done') return;
      stop();
      resolve(payload as QuantizeJob);
    });
  });
const failure = async (method: string, args: unknown) => {
  const outcome = await dispatch(method, args);
  if (outcome.ok) throw new Error(`${method} succeeded`);
  return outcome.error;
};

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-quantize-service-'));
  dataDir = path.join(root, 'data');
  phantoms = path.join(root, 'phantoms');
  await writePhantomSet({ out: phantoms, count: 10, seed: 1519, size: 256, positiveFraction: 0.5 });
  const library = createModelLibrary(dataDir);
  await library.installModel(demoDir);
  await writeDemoModel(path.join(root, 'small'), { version: 'small' });
  await library.installModel(path.join(root, 'small'));
  audit = auditLogIn(dataDir);
  service = createQuantizeService({ dataDir, events, library, audit, reviewer: () => 'Dr Test', throttleMs: 0 });
  dispatch = createDispatch(service.handlers as never);
}, 60_000);

afterAll(async () => {
  await service.close();
  await rm(root, { recursive: true, force: true });
});

describe('quantize.start', () => {
  it('validates its arguments with the contract', async () => {
    expect(await failure('quantize.start', { ref: demoRef, calibration: { kind: 'dicom-folder' } })).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/calibration\.folder/) });
    expect(await failure('quantize.start', { ref: demoRef, calibration: { kind: 'local-studies' }, method: 'fast' })).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/^invalid arguments for quantize\.start: method: /) });
    expect(await failure('quantize.start', { ref: demoRef, calibration: { kind: 'local-studies' }, out: '/tmp' })).toMatchObject({ code: 'invalid-argument' });
  });

  it('refuses what it cannot quantize, naming it', async () => {
    const calibration = { kind: 'dicom-folder', folder: phantoms };
    expect(await failure('quantize.start', { ref: 'nope@1', calibration })).toEqual({ code: 'not-found', message: 'nope@1 is not installed' });
    expect(await failure('quantize.start', { ref: demoRef, calibration: { kind: 'dicom-folder', folder: 'relative' } })).toEqual({
      code: 'invalid-argument',
      message: 'the calibration folder "relative" is not an absolute path',
    });
    expect(await failure('quantize.start', { ref: demoRef, calibration: { kind: 'dicom-folder', folder: '/proc/self' } })).toMatchObject({ message: expect.stringMatching(/is \(or is inside\) \/proc, a system folder/) });
  });

  it('makes the INT8 version in its worker with progress, installs it without making it current, and audits it', async () => {
    const done = nextDone();
    const started = await dispatch('quantize.start', { ref: demoRef, calibration: { kind: 'dicom-folder', folder: phantoms } });
    expect(started).toMatchObject({ ok: true, result: { state: 'running', phase: 'reading', request: { ref: demoRef } } });
    expect(await failure('quantize.start', { ref: 'pleura-demo@small', calibration: { kind: 'local-studies' } })).toMatchObject({ code: 'unavailable' });
    const job = await done;
    expect(job).toMatchObject({ state: 'finished', installed: `pleura-demo-int8@${demoVersion}`, error: null, skipped: 2, agreement: { images: 2, flagsTotal: 2 } });
    expect([...new Set(received['quantize.progress']!.map((p) => p.phase))]).toEqual(['reading', 'calibration', 'agreement', 'writing']);

    const installed = (await createModelLibrary(dataDir).listModels()).find((entry) => entry.ref === job.installed)!;
    expect(installed).toMatchObject({ current: false, card: { precision: 'int8', quantization: { source: demoRef, agreement: job.agreement } } });
    expect(audit.list()[0]).toMatchObject({ action: 'quantize', who: 'Dr Test', models: [job.installed, demoRef] });
    expect(await readdir(path.join(dataDir, 'quantize'))).toEqual([]);
    expect(await dispatch('quantize.status', {})).toEqual({ ok: true, result: { job } });

    expect(await failure('quantize.start', { ref: demoRef, calibration: { kind: 'dicom-folder', folder: phantoms } })).toMatchObject({ message: `${demoRef} already has an INT8 version installed: ${job.installed}` });
    expect(await failure('quantize.start', { ref: job.installed, calibration: { kind: 'dicom-folder', folder: phantoms } })).toMatchObject({ message: expect.stringMatching(/is already an INT8 model/) });
  }, 120_000);

  it('cancels: nothing installed, nothing left behind', async () => {
    const done = nextDone();
    await dispatch('quantize.start', { ref: 'pleura-demo@small', calibration: { kind: 'dicom-folder', folder: phantoms } });
    expect(await dispatch('quantize.cancel', {})).toEqual({ ok: true, result: { cancelled: true } });
    expect(await done).toMatchObject({ state: 'cancelled', installed: null, error: null });
    expect((await createModelLibrary(dataDir).listModels()).map((entry) => entry.ref)).not.toContain('pleura-demo-int8@small');
    expect(await readdir(path.join(dataDir, 'quantize'))).toEqual([]);
    expect(await dispatch('quantize.cancel', {})).toEqual({ ok: true, result: { cancelled: false } });
  }, 60_000);
});

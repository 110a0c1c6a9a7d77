// The first run through the real services on a temp data directory: a tiny stand-in for the bundled model, a small
// sample set (4 phantoms at 128; the workstation writes 12 at 512), the scan and the triage it starts; and once with
// the bundled model itself on the twelve samples, whose flags must match their truth.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TriageJob } from '../../../main/api/contract';
import { ensureCurrentModel, MARKER_FILE, noteOf } from '../../../main/first-run/first-run';
import { TRUTH_FOLDER } from '../../../main/first-run/sample-studies';
import { createModelLibrary } from '../../../main/models/model-library';
import { createServices, type Services } from '../../../main/services/create-services';
import { DEMO_NOTES } from '../../../main/training/default-model';
import { defaultThresholds } from '../../../ml/io/model-card';
import { writeModelSet } from '../../../ml/io/model-set';
import { bundledDemo, writeDemoModel } from '../../fixtures/demo-model';
import { writeStudyFolder } from '../../fixtures/study-folder';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-first-run-'));
const bundledModel = path.join(root, 'resources', 'models', 'pleura-demo');
const samples = { count: 4, size: 128 };
let modelRef: string;
beforeAll(async () => {
  modelRef = await writeDemoModel(bundledModel);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const open = (dataDir: string, model = bundledModel) => createServices({ dataDir, shell: 'browser', version: 'test', firstRun: { bundledModel: model, samples } });

function triageDone(services: Services): Promise<TriageJob> {
  return new Promise((resolve) => {
    const stop = services.events.subscribe((event, payload) => {
      if (event !== 'triage.done') return;
      stop();
      resolve(payload as TriageJob);
    });
  });
}

describe('first run', () => {
  const dataDir = path.join(root, 'fresh');
  const sampleFolder = path.join(dataDir, 'samples');

  it('installs the bundled model, writes the samples, scans and triages them, and says it is a demonstration', async () => {
    // What a start killed while writing the samples leaves beside them.
    const abandoned = path.join(dataDir, '.samples.partial-0a1b2c3d');
    mkdirSync(abandoned, { recursive: true });
    writeFileSync(path.join(abandoned, '0001.dcm'), 'half');
    const services = open(dataDir);
    try {
      const triaged = triageDone(services);
      // While it works the worklist is empty, and app.info says why.
      await expect.poll(async () => (await services.handlers['app.info']({})).demo?.preparing).toBe(true);
      await services.firstRun;
      expect((await createModelLibrary(dataDir).currentModel())?.ref).toBe(modelRef);
      expect(readdirSync(sampleFolder).sort()).toEqual([TRUTH_FOLDER, '0001.dcm', '0002.dcm', '0003.dcm', '0004.dcm']);
      expect(existsSync(abandoned)).toBe(false);
      const worklist = await services.handlers['studies.worklist']({});
      expect(worklist).toHaveLength(4);
      expect(await services.handlers['studies.fileErrors']({})).toEqual([]);
      expect((await services.handlers['app.info']({})).demo).toEqual({ sampleFolder, modelRef, note: DEMO_NOTES, preparing: false });
      const job = await triaged;
      expect(job).toMatchObject({ state: 'finished', total: 4, done: 4, failed: 0, models: [modelRef] });
    } finally {
      await services.close();
    }
  }, 120_000);

  it('does nothing on later starts, and keeps the note while the samples are what is indexed', async () => {
    const before = statSync(path.join(sampleFolder, '0001.dcm')).mtimeMs;
    const marker = readFileSync(path.join(dataDir, MARKER_FILE), 'utf8');
    const services = open(dataDir);
    try {
      await services.firstRun;
      expect(statSync(path.join(sampleFolder, '0001.dcm')).mtimeMs).toBe(before);
      expect(readFileSync(path.join(dataDir, MARKER_FILE), 'utf8')).toBe(marker);
      expect((await services.handlers['triage.status']({})).job).toBeNull();
      expect((await services.handlers['app.info']({})).demo).toEqual({ sampleFolder, modelRef, note: DEMO_NOTES, preparing: false });
    } finally {
      await services.close();
    }
  });
});

describe('first run with the bundled model and the twelve sample studies the workstation writes', () => {
  // Issue 12's promise as a user meets it: each sample's flag is its truth (a positive phantom suspected, a negative
  // one not flagged), so a rebuilt model that loses one fails here.
  it('flags every sample study as its truth says', async () => {
    const dataDir = path.join(root, 'real');
    const demo = await bundledDemo();
    const services = createServices({ dataDir, shell: 'browser', version: 'test', firstRun: { bundledModel: demo.dir } });
    try {
      const triaged = triageDone(services);
      await services.firstRun;
      expect(await triaged).toMatchObject({ state: 'finished', total: 12, done: 12, failed: 0, models: [demo.ref] });
      const truth = JSON.parse(readFileSync(path.join(dataDir, 'samples', TRUTH_FOLDER, 'phantoms.json'), 'utf8')) as { images: { patientId: string; positive: boolean }[] };
      const expected = Object.fromEntries(truth.images.map((image) => [image.patientId, image.positive ? 'positive' : 'not-flagged']));
      expect(Object.values(expected).filter((flag) => flag === 'positive')).toHaveLength(5);
      const worklist = await services.handlers['studies.worklist']({});
      expect(Object.fromEntries(worklist.map((row) => [row.patientId, row.triage?.flag]))).toEqual(expected);
    } finally {
      await services.close();
    }
  }, 180_000);
});

describe('first run, not wanted or not possible', () => {
  it('stops when the app closes during it, and starts over on the next start', async () => {
    const dataDir = path.join(root, 'interrupted');
    const closed = open(dataDir);
    await closed.close();
    await closed.firstRun;
    expect(existsSync(path.join(dataDir, MARKER_FILE))).toBe(false);
    const services = open(dataDir);
    try {
      await services.firstRun;
      expect(await services.handlers['studies.worklist']({})).toHaveLength(4);
      expect((await services.handlers['app.info']({})).demo?.modelRef).toBe(modelRef);
    } finally {
      await services.close();
    }
  }, 60_000);

  it(`leaves a bare data directory bare, with no marker, under PLEURA_NO_SAMPLES=1`, async () => {
    const dataDir = path.join(root, 'bare');
    process.env.PLEURA_NO_SAMPLES = '1';
    const services = open(dataDir);
    try {
      await services.firstRun;
    } finally {
      delete process.env.PLEURA_NO_SAMPLES;
      await services.close();
    }
    // The index and the data directory's (empty) lock file.
    expect(readdirSync(dataDir).filter((name) => !name.startsWith('index.sqlite'))).toEqual(['pleura.lock']);
    expect(existsSync(path.join(dataDir, MARKER_FILE))).toBe(false);
  });

  it('leaves a data directory that already has studies alone', async () => {
    const dataDir = path.join(root, 'in-use');
    const folder = path.join(root, 'their-studies');
    mkdirSync(folder);
    await writeStudyFolder(folder, { studies: 1, imagesPerStudy: 1 });
    const existing = createServices({ dataDir, shell: 'browser', version: 'test' });
    await existing.handlers['studies.scan']({ path: folder });
    await existing.close();
    const services = open(dataDir);
    try {
      await services.firstRun;
      expect(existsSync(path.join(dataDir, 'samples'))).toBe(false);
      expect(await createModelLibrary(dataDir).currentModel()).toBeNull();
      expect((await services.handlers['app.info']({})).demo).toBeNull();
      expect(JSON.parse(readFileSync(path.join(dataDir, MARKER_FILE), 'utf8'))).toMatchObject({ demo: null });
    } finally {
      await services.close();
    }
  });

  it('keeps a current model set, triages the samples with it and installs no demonstration model', async () => {
    const dataDir = path.join(root, 'set-current');
    const members = [path.join(root, 'set-members', 'a'), path.join(root, 'set-members', 'b')];
    await writeDemoModel(members[0], { version: 'a' });
    await writeDemoModel(members[1], { version: 'b' });
    const setDir = path.join(root, 'set-members', 'mean');
    const notes = 'Two demonstration models averaged.';
    await writeModelSet(setDir, {
      card: { format: 'pleura-model-set', formatVersion: 1, id: 'mean', version: '1', createdAt: new Date().toISOString(), tool: 'pleura 0.1.0', notes, combination: { kind: 'average', thresholds: defaultThresholds() } },
      members: members.map((dir) => ({ dir, role: 'segmentation' as const, weight: 1 })),
    });
    const library = createModelLibrary(dataDir);
    await library.installUnit(setDir);
    await library.setCurrentUnit('mean@1');
    await expect(ensureCurrentModel(library, bundledModel)).rejects.toThrow('the current mean@1 is a model set, not one model; it stays current');

    const services = open(dataDir);
    try {
      const triaged = triageDone(services);
      await services.firstRun;
      expect((await library.currentUnit())?.ref).toBe('mean@1');
      expect((await library.listModels()).map((model) => model.ref)).toEqual(['mean@1']);
      expect((await services.handlers['app.info']({})).demo).toMatchObject({ modelRef: 'mean@1', note: notes });
      expect(await triaged).toMatchObject({ state: 'finished', total: 4, done: 4, failed: 0, models: ['mean@1'] });
    } finally {
      await services.close();
    }
  }, 120_000);

  it('still shows the samples without a bundled model, and says why they are not triaged', async () => {
    const dataDir = path.join(root, 'no-model');
    const missing = path.join(root, 'nowhere', 'pleura-demo');
    const services = open(dataDir, missing);
    try {
      await services.firstRun;
      expect(await services.handlers['studies.worklist']({})).toHaveLength(4);
      const demo = (await services.handlers['app.info']({})).demo!;
      expect(demo.modelRef).toBeNull();
      expect(demo.note).toMatch(/^No model is installed, so the sample studies are not triaged\. First run: making the demonstration model current failed: no usable demonstration model at /);
      expect(demo.note).toContain(missing);
    } finally {
      await services.close();
    }
  });

  it('puts every failure in the note after the model card notes', () => {
    expect(noteOf('Demo.', [])).toBe('Demo.');
    expect(noteOf('Demo.', ['scanning failed: gone', 'triage failed: busy'])).toBe('Demo. First run: scanning failed: gone; triage failed: busy.');
  });
});

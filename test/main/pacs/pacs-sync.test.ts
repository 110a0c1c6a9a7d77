// The PACS pipeline against a real Orthanc (DICOMweb, basic authentication, revisions on): sync retrieves what is
// new, triages it with the bundled model and sends the results back into each image's own study; again, it sends
// nothing; two nodes at once leave one result set per image; Orthanc stopped mid-retrieve loses nothing.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PacsJob } from '../../../main/api/contract';
import { createDicomwebClient } from '../../../main/pacs/dicomweb/client';
import type { InstanceMatch } from '../../../main/pacs/peers';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { parseFile } from '../../../main/studies/dicom/dataset';
import { dciodvfyErrors, hasDciodvfy } from '../../fixtures/dciodvfy';
import { ORTHANC_MISSING, orthancAvailable, startOrthanc, type OrthancServer } from '../../fixtures/orthanc';
import { openPacsNode, orthancEndpoints, type PacsNode } from '../../fixtures/pacs-node';

const COUNT = 4;

interface Phantoms {
  sops: string[];
  files: string[];
}

async function uploadPhantoms(orthanc: OrthancServer, seed: number, count = COUNT): Promise<Phantoms> {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'pleura-pacs-phantoms-')), 'set');
  const set = await writePhantomSet({ out, count, seed, size: 256, positiveFraction: 0.75 });
  const files = set.images.map((image) => path.join(out, image.file));
  for (const file of files) await orthanc.upload(readFileSync(file));
  return { sops: set.images.map((image) => image.imageId), files };
}

/** Every instance in Orthanc, by study, through its DICOMweb interface. */
async function pacsInstances(orthanc: OrthancServer): Promise<InstanceMatch[]> {
  const client = createDicomwebClient({ url: orthanc.dicomwebUrl, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } });
  const studies = await client.searchStudies({});
  return (await Promise.all(studies.map((study) => client.searchInstances(study.studyInstanceUid)))).flat();
}

async function download(orthanc: OrthancServer, instance: InstanceMatch, folder: string): Promise<string> {
  const client = createDicomwebClient({ url: orthanc.dicomwebUrl, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } });
  const file = path.join(folder, `${instance.sopInstanceUid}.dcm`);
  await client.retrieveInstance(instance, file);
  return file;
}

function naturalized(file: string): Record<string, unknown> {
  const bytes = readFileSync(file);
  const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict) as Record<string, unknown>;
}

const pleuraResults = (instances: InstanceMatch[]) => instances.filter((instance) => instance.manufacturer === 'Pleura');

describe.skipIf(!orthancAvailable())(`pleura's PACS pipeline against Orthanc${orthancAvailable() ? '' : ` (${ORTHANC_MISSING})`}`, () => {
  let orthanc: OrthancServer;
  let phantoms: Phantoms;
  let node: PacsNode;

  beforeAll(async () => {
    orthanc = await startOrthanc();
    phantoms = await uploadPhantoms(orthanc, 901);
    node = await openPacsNode();
  }, 120_000);
  afterAll(async () => {
    await node?.close();
    await orthanc?.close();
  });

  it('sync retrieves every radiograph, triages it and sends SEG, Secondary Capture and SR into its study, each referencing its source', async () => {
    const job = await node.services.pacs.sync(orthancEndpoints(orthanc), { push: true });
    expect(job.errors).toEqual([]);
    expect(job).toMatchObject({ state: 'done', studies: COUNT, retrieved: COUNT, triaged: COUNT, pushed: COUNT });

    const instances = await pacsInstances(orthanc);
    const results = pleuraResults(instances);
    const bySource = new Map<string, string[]>();
    const folder = mkdtempSync(path.join(tmpdir(), 'pleura-pacs-results-'));
    try {
      for (const result of results) {
        const file = await download(orthanc, result, folder);
        const dataset = naturalized(file);
        const source = phantoms.sops.find((sop) => JSON.stringify(dataset).includes(sop));
        expect(source, `${result.modality} ${result.sopInstanceUid} names its source image`).toBeDefined();
        expect(dataset.StudyInstanceUID).toBe(instances.find((instance) => instance.sopInstanceUid === source)!.studyInstanceUid);
        expect(dataset.Manufacturer).toBe('Pleura');
        bySource.set(source!, [...(bySource.get(source!) ?? []), String(result.modality)]);
        if (hasDciodvfy) expect(dciodvfyErrors(file), `${result.modality} ${file}`).toEqual([]);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    // Every image is assessed (frontal CR phantoms): a Secondary Capture and an SR each; a SEG where flagged.
    for (const sop of phantoms.sops) {
      const kinds = (bySource.get(sop) ?? []).sort();
      expect(kinds.filter((kind) => kind === 'SR'), sop).toHaveLength(1);
      expect(kinds.filter((kind) => kind === 'OT'), sop).toHaveLength(1);
      expect(kinds.filter((kind) => kind === 'SEG').length, sop).toBeLessThanOrEqual(1);
    }
    const worklist = await node.services.handlers['studies.worklist']({});
    const positives = worklist.filter((row) => row.triage?.flag === 'positive').length;
    expect(results.filter((result) => result.modality === 'SEG')).toHaveLength(positives);

    // The retrieved files sit in the data directory's cache, whole, and are the ones Orthanc holds.
    const cache = path.join(node.dataDir, 'pacs-cache');
    const cached = readdirSync(cache, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    expect(cached).toHaveLength(COUNT);
    for (const entry of cached) {
      const sop = parseFile(readFileSync(path.join(entry.parentPath, entry.name)), entry.name).dataSet.string('x00080018');
      expect(phantoms.sops).toContain(sop);
    }
  }, 180_000);

  it('a second sync sends nothing new and retrieves nothing again, even over the same dates', async () => {
    const before = (await pacsInstances(orthanc)).length;
    // The cursor alone would leave these studies (dated 2026-01-01) out: asked for them again, nothing is redone.
    const again = await node.services.pacs.sync(orthancEndpoints(orthanc), { push: true });
    expect(again).toMatchObject({ state: 'done', studies: 0 });
    const job = await node.services.pacs.sync(orthancEndpoints(orthanc), { push: true, from: '20250101' });
    expect(job).toMatchObject({ state: 'done', retrieved: 0, triaged: 0, pushed: 0 });
    expect(job.skipped).toBeGreaterThanOrEqual(COUNT);
    expect((await pacsInstances(orthanc)).length).toBe(before);
  }, 120_000);

  it('a wrong password is an authentication error, and nothing is retrieved or written', async () => {
    const other = await openPacsNode();
    try {
      const job = await other.services.pacs.sync(orthancEndpoints(orthanc, 'not-the-password'), { push: true });
      expect(job.state).toBe('failed');
      expect(job.message).toMatch(/refused the user name and password|authentication/i);
      // No cache, no PACS state: a data directory that has not reached a PACS holds nothing of one.
      expect(existsSync(path.join(other.dataDir, 'pacs-cache'))).toBe(false);
      expect(existsSync(path.join(other.dataDir, 'pacs.sqlite'))).toBe(false);
    } finally {
      await other.close();
    }
  }, 60_000);
});

describe.skipIf(!orthancAvailable())('two nodes on one Orthanc, and an Orthanc that stops', () => {
  // With revisions, Orthanc's claims keep the second node off each image; without them (a PACS with no such
  // mechanism) both may triage it, and the results' derived UIDs plus the check for them keep it to one set.
  for (const checkRevisions of [true, false]) {
    it(`two syncs at once leave exactly one result set per image (${checkRevisions ? 'claims through Orthanc' : 'no claims: existing results checked'})`, async () => {
      const orthanc = await startOrthanc({ checkRevisions });
      const [a, b] = [await openPacsNode(), await openPacsNode()];
      try {
        const phantoms = await uploadPhantoms(orthanc, 902, 6);
        const jobs = await Promise.all([a, b].map((node) => node.services.pacs.sync(orthancEndpoints(orthanc), { push: true })));
        for (const job of jobs) expect(job.errors).toEqual([]);
        // With claims, each image was claimed by one node: together they retrieved each once.
        if (checkRevisions) expect(jobs[0].retrieved + jobs[1].retrieved).toBe(phantoms.sops.length);
        const results = pleuraResults(await pacsInstances(orthanc));
        expect(results.filter((result) => result.modality === 'SR')).toHaveLength(phantoms.sops.length);
        expect(results.filter((result) => result.modality === 'OT')).toHaveLength(phantoms.sops.length);
      } finally {
        await a.close();
        await b.close();
        await orthanc.close();
      }
    }, 240_000);
  }

  it("a reviewer's decision goes back as a new version: a verified SR naming the earlier one", async () => {
    const orthanc = await startOrthanc();
    const node = await openPacsNode(orthanc.password, true);
    try {
      await uploadPhantoms(orthanc, 904, 1);
      const { handlers, events } = node.services;
      await handlers['pacs.updateSettings']({ dicomweb: { url: orthanc.dicomwebUrl, auth: 'basic', user: orthanc.user }, pushResults: true });
      const [study] = await handlers['pacs.search']({ source: 'dicomweb' });
      const ended = (kind: string) =>
        new Promise<PacsJob>((resolve) => {
          const stop = events.subscribe((event, payload) => {
            const job = payload as PacsJob;
            if (event !== 'pacs.progress' || job.kind !== kind || job.state === 'running') return;
            stop();
            resolve(job);
          });
        });
      const retrieved = ended('retrieve');
      await handlers['pacs.retrieve']({ source: 'dicomweb', studyInstanceUids: [study.studyInstanceUid] });
      expect(await retrieved).toMatchObject({ state: 'done', retrieved: 1, pushed: 1 });
      const before = pleuraResults(await pacsInstances(orthanc)).filter((result) => result.modality === 'SR');
      expect(before).toHaveLength(1);

      const [row] = await handlers['studies.worklist']({});
      const pushed = ended('push');
      await handlers['review.save']({ instanceId: row.firstInstanceId!, decision: 'rejected' });
      expect(await pushed).toMatchObject({ state: 'done', pushed: 1, errors: [] });
      const after = pleuraResults(await pacsInstances(orthanc)).filter((result) => result.modality === 'SR');
      expect(after).toHaveLength(2);
      const folder = mkdtempSync(path.join(tmpdir(), 'pleura-pacs-review-'));
      try {
        const latest = after.find((sr) => sr.sopInstanceUid !== before[0].sopInstanceUid)!;
        const report = naturalized(await download(orthanc, latest, folder));
        expect(report.VerificationFlag).toBe('VERIFIED');
        expect(JSON.stringify(report.PredecessorDocumentsSequence)).toContain(before[0].sopInstanceUid);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    } finally {
      await node.close();
      await orthanc.close();
    }
  }, 180_000);

  it('Orthanc stopped mid-retrieve: nothing half-written or half-indexed, and the next sync resumes', async () => {
    const orthanc = await startOrthanc();
    const node = await openPacsNode();
    try {
      // One image arrives before the stop, and more than one is left for the next sync.
      const phantoms = await uploadPhantoms(orthanc, 903, 3);
      const endpoints = orthancEndpoints(orthanc);
      let stopped = false;
      const stopping = {
        ...endpoints,
        source: {
          ...endpoints.source,
          // Orthanc goes down once the first image has arrived, in the middle of the run.
          retrieve: (study: string, wanted: readonly InstanceMatch[], cache: Parameters<typeof endpoints.source.retrieve>[2], arrived: Parameters<typeof endpoints.source.retrieve>[3], signal?: AbortSignal) =>
            endpoints.source.retrieve(
              study,
              wanted,
              cache,
              async (staged, ref) => {
                await arrived(staged, ref);
                if (!stopped) {
                  stopped = true;
                  await orthanc.stop();
                }
              },
              signal,
            ),
        },
      };
      const first = await node.services.pacs.sync(stopping, { push: true });
      expect(stopped).toBe(true);
      expect(first.retrieved).toBe(1);
      expect(first.errors.length).toBeGreaterThan(0);
      const cache = path.join(node.dataDir, 'pacs-cache');
      const files = () => readdirSync(cache, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
      // What arrived is whole and indexed; nothing partial is left where a scan would see it.
      expect(files()).toHaveLength(1);
      const worklist = await node.services.handlers['studies.worklist']({});
      expect(worklist).toHaveLength(1);

      await orthanc.start();
      const second = await node.services.pacs.sync(endpoints, { push: true });
      expect(second.errors).toEqual([]);
      expect(second.retrieved).toBe(phantoms.sops.length - 1);
      expect(files()).toHaveLength(phantoms.sops.length);
      expect(await node.services.handlers['studies.worklist']({})).toHaveLength(phantoms.sops.length);
      const srs = pleuraResults(await pacsInstances(orthanc)).filter((result) => result.modality === 'SR');
      expect(srs).toHaveLength(phantoms.sops.length);
    } finally {
      await node.close();
      await orthanc.close();
    }
  }, 240_000);
});

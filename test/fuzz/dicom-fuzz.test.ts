// Mutated DICOM files (see mutate.ts) through the scanner, the decode pool and triage: every file ends as a result
// or a file error with a contract code and a message, no worker crashes, nothing hangs, nothing is left unhandled,
// and the input folder is byte-for-byte what it was. Seeded: PLEURA_FUZZ_SEED reproduces a run, PLEURA_FUZZ_COUNT
// makes it longer (the default keeps `npm test` within about a minute on two cores). Real files from
// ../shared/data join the generated seeds when that folder is present.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../fixtures/demo-model';
import { snapshotFolder, type FolderSnapshot } from '../fixtures/study-folder';
import { hasSharedData, sharedDataDir } from '../support/shared-data';
import { decodeCases, describeFindings, loadCorpus, scanCases, triageCases, writeCases, type Finding, type FuzzCase } from './run-cases';

const runSeed = Number(process.env.PLEURA_FUZZ_SEED || 20_250_604);
const count = Number(process.env.PLEURA_FUZZ_COUNT || 240);
const TRIAGED = 12;
/** Generous: a mutated JPEG 2000 of 2140 x 1760 decodes in under a second here. */
const DECODE_TIMEOUT_MS = 60_000;
const slow = { timeout: 120_000 + count * 2_000 };

const work = mkdtempSync(path.join(os.tmpdir(), 'pleura-fuzz-'));
const folder = path.join(work, 'in');
let cases: FuzzCase[];
let before: FolderSnapshot;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  cases = await writeCases(folder, await loadCorpus(), runSeed, count);
  before = await snapshotFolder(folder);
}, slow.timeout);
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  rmSync(work, { recursive: true, force: true });
});

const failure = (what: string) => `fuzz run PLEURA_FUZZ_SEED=${runSeed} PLEURA_FUZZ_COUNT=${count}: ${what}`;

function expectNoFindings(stage: string, findings: Finding[]): void {
  expect(describeFindings(runSeed, findings), failure(`${stage} findings`)).toBe('');
}

describe(`the DICOM fuzz (seed ${runSeed}, ${count} files${hasSharedData ? '' : `; generated seeds only: ${sharedDataDir} is absent`})`, () => {
  it('scans every file to an indexed image, a skip or a file error', slow, async () => {
    const findings = await scanCases(folder, path.join(work, 'index.sqlite'), cases);
    expectNoFindings('scan', findings);
    expect(cases.every((item) => item.scan)).toBe(true);
  });

  it('decodes every file in the worker pool to an image or a file error, none crashing or hanging', slow, async () => {
    const findings = await decodeCases(cases, DECODE_TIMEOUT_MS);
    expectNoFindings('decode', findings);
    // Not a test that passes by refusing everything: some mutants still decode.
    expect(cases.some((item) => item.decode?.result === 'ok')).toBe(true);
    expect(cases.some((item) => item.decode?.result === 'error')).toBe(true);
  });

  it(`triages ${TRIAGED} of them to a verdict or a file error`, slow, async () => {
    const model = path.join(work, 'model');
    await writeDemoModel(model, { size: 64 });
    const findings = await triageCases(cases, TRIAGED, work, model);
    expectNoFindings('triage', findings);
  });

  it('leaves the input folder as it was, with nothing unhandled', async () => {
    expect(await snapshotFolder(folder), failure('the folder changed')).toEqual(before);
    expect(unhandled.map(String), failure('unhandled rejections')).toEqual([]);
  });
});

// Pleura's C-STORE SCP against dcmtk's storescu and echoscu, and against Pleura's own SCU for the refusals whose
// status a test must read.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePart10 } from '../../../main/exports/part10';
import { echo } from '../../../main/pacs/dimse/echo';
import { readPart10Meta } from '../../../main/pacs/dimse/part10-meta';
import { ScuAssociation } from '../../../main/pacs/dimse/scu-association';
import { startStoreScp, type StoredInfo, type StoreScp, type StoreScpOptions } from '../../../main/pacs/dimse/store-scp';
import { storeInstances } from '../../../main/pacs/dimse/store-scu';
import { VERIFICATION } from '../../../main/pacs/dimse/syntaxes';
import { PacsError } from '../../../main/pacs/pacs-error';
import { newUid } from '../../../main/phantoms/dicom';
import { writePhantomSet, type PhantomSetSummary } from '../../../main/phantoms/write-set';
import { parseFile } from '../../../main/studies/dicom/dataset';
import { describeWithSharedData, sharedFile } from '../../support/shared-data';

const DCMTK = ['/usr/bin/storescu', '/usr/bin/echoscu'];
const hasDcmtk = DCMTK.every(existsSync);
const dcmtkNote = hasDcmtk ? '' : ` (skipped: needs ${DCMTK.join(' and ')} — apt-get install dcmtk)`;

function run(tool: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(tool, args, { timeout: 20_000 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }));
  });
}

/** The bytes after a Part 10 file's meta group: what DIMSE carries, and must arrive unchanged. */
function dataSetOf(bytes: Uint8Array): Buffer {
  const meta = readPart10Meta(bytes);
  if ('refusal' in meta) throw new Error(meta.refusal);
  return Buffer.from(bytes.subarray(meta.dataSetOffset));
}

/**
 * The pixels of `kept` are those of `sent` byte for byte, and its header names the same instance in the same syntax.
 * (Not the whole data set: storescu re-encodes what it sends — sequences get explicit lengths, the Data Set Trailing
 * Padding (FFFC,FFFC) after the pixels is dropped.)
 */
function expectSamePixels(kept: Uint8Array, sent: Uint8Array, file: string): void {
  const [a, b] = [parseFile(kept, file), parseFile(sent, file)];
  const header = (parsed: typeof a) => [...['x00080018', 'x0020000d', 'x0020000e'].map((tag) => parsed.dataSet.string(tag)), ...['x00280010', 'x00280011'].map((tag) => parsed.dataSet.uint16(tag))];
  expect(header(a), file).toEqual(header(b));
  expect(a.syntax.uid, file).toBe(b.syntax.uid);
  const keptPixels = Buffer.from(kept.subarray(a.pixelData!.dataOffset));
  const sentPixels = Buffer.from(sent.subarray(b.pixelData!.dataOffset));
  expect(sentPixels.subarray(0, keptPixels.length).equals(keptPixels), `${file}: pixel data`).toBe(true);
  const dropped = sentPixels.subarray(keptPixels.length);
  if (dropped.length > 0) expect([...dropped.subarray(0, 4)], `${file}: what storescu left out`).toEqual([0xfc, 0xff, 0xfc, 0xff]);
}

/** Every file under `folder`, hidden ones too, relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)));
}

let dir: string;
let phantoms: PhantomSetSummary;
const phantomFile = (k: number) => path.join(dir, 'phantoms', phantoms.images[k].file);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pleura-dimse-scp-'));
  phantoms = await writePhantomSet({ out: path.join(dir, 'phantoms'), count: 2, seed: 7, size: 256, positiveFraction: 0.5 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Running {
  scp: StoreScp;
  into: string;
  stored: { file: string; info: StoredInfo }[];
  log: string[];
}

async function startScp(name: string, options: Partial<StoreScpOptions> = {}): Promise<Running> {
  const into = path.join(dir, name);
  const stored: Running['stored'] = [];
  const log: string[] = [];
  const scp = await startStoreScp({
    port: 0,
    aeTitle: 'PLEURA',
    into,
    maxAssociations: 4,
    onStored: (file, info) => {
      stored.push({ file, info });
    },
    log: (line) => log.push(line),
    ...options,
  });
  return { scp, into, stored, log };
}

const peerOf = (scp: StoreScp, aeTitle = 'PLEURA') => ({ aeTitle, host: '127.0.0.1', port: scp.port, callingAeTitle: 'TESTSCU', timeoutMs: 10_000 });

describe.skipIf(!hasDcmtk)(`C-STORE SCP with dcmtk${dcmtkNote}`, () => {
  it('keeps what storescu sends, its data set byte for byte, one folder per study', async () => {
    const { scp, into, stored, log } = await startScp('storescu');
    try {
      // -xy also proposes JPEG baseline, the phantoms' syntax: storescu offers only uncompressed ones by default.
      const { code, output } = await run('storescu', ['-xy', '-aet', 'MODALITY', '-aec', 'PLEURA', '127.0.0.1', String(scp.port), phantomFile(0), phantomFile(1)]);
      expect(code, output).toBe(0);
      expect(scp.received()).toBe(2);
      for (const k of [0, 1]) {
        const original = new Uint8Array(await readFile(phantomFile(k)));
        const sent = parseFile(original, phantomFile(k));
        const study = sent.dataSet.string('x0020000d')!;
        const file = path.join(into, study, `${phantoms.images[k].imageId}.dcm`);
        const kept = new Uint8Array(await readFile(file));
        expect(dataSetOf(kept).equals(dataSetOf(original))).toBe(true);
        const received = parseFile(kept, file);
        expect(received.syntax.uid).toBe(sent.syntax.uid);
        expect(received.meta.sopInstanceUid).toBe(phantoms.images[k].imageId);
        expect(Buffer.from(kept.buffer, kept.byteOffset + received.pixelData!.dataOffset, 64).equals(Buffer.from(original.buffer, original.byteOffset + sent.pixelData!.dataOffset, 64))).toBe(true);
        expect(stored.find((s) => s.file === file)?.info).toMatchObject({ sopInstanceUid: phantoms.images[k].imageId, studyInstanceUid: study, callingAeTitle: 'MODALITY' });
      }
      expect((await filesUnder(into)).filter((name) => name.includes('.partial'))).toEqual([]);
      expect(log.some((line) => /accepted the association from "MODALITY" at 127\.0\.0\.1:\d+ to "PLEURA" \(1 open\)/.test(line))).toBe(true);
      expect(log.some((line) => line.includes(`stored ${phantoms.images[0].imageId}`))).toBe(true);
    } finally {
      await scp.close();
    }
  });

  it('answers echoscu', async () => {
    const { scp } = await startScp('echo');
    try {
      const { code, output } = await run('echoscu', ['-aet', 'MODALITY', '-aec', 'PLEURA', '127.0.0.1', String(scp.port)]);
      expect(code, output).toBe(0);
    } finally {
      await scp.close();
    }
  });

  it('rejects a called AE title that is not its own, and a calling AE not on its list', async () => {
    const { scp, into, log } = await startScp('refusals', { allowedCallingAeTitles: ['MODALITY'] });
    try {
      const wrongCalled = await run('storescu', ['-aet', 'MODALITY', '-aec', 'NOTPLEURA', '127.0.0.1', String(scp.port), phantomFile(0)]);
      expect(wrongCalled.code).not.toBe(0);
      expect(wrongCalled.output).toMatch(/Called AE Title Not Recognized/i);
      const wrongCalling = await run('storescu', ['-aet', 'STRANGER', '-aec', 'PLEURA', '127.0.0.1', String(scp.port), phantomFile(0)]);
      expect(wrongCalling.code).not.toBe(0);
      expect(wrongCalling.output).toMatch(/Calling AE Title Not Recognized/i);
      expect(await filesUnder(into)).toEqual([]);
      expect(log.filter((line) => line.includes('rejected'))).toEqual([
        expect.stringMatching(/"MODALITY" at .* to "NOTPLEURA": called AE title not recognized/),
        expect.stringMatching(/"STRANGER" at .* to "PLEURA": calling AE title not recognized/),
      ]);
      await expect(echo({ ...peerOf(scp, 'NOTPLEURA'), callingAeTitle: 'MODALITY' })).rejects.toMatchObject({ kind: 'authentication', message: expect.stringContaining('called AE title not recognized') });
    } finally {
      await scp.close();
    }
  });
});

describe('C-STORE SCP limits', () => {
  it('rejects associations past its limit as transient, and takes them again once one ends', async () => {
    const { scp, log } = await startScp('limit', { maxAssociations: 2 });
    const held: ScuAssociation[] = [];
    try {
      for (let k = 0; k < 2; k++) held.push(await ScuAssociation.open(peerOf(scp), { contexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: ['1.2.840.10008.1.2'] }] }));
      expect(scp.associations()).toBe(2);
      const refused = await echo(peerOf(scp)).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(PacsError);
      expect(refused).toMatchObject({ kind: 'connection', message: expect.stringContaining('local limit exceeded') });
      expect(log.some((line) => line.includes('local limit exceeded'))).toBe(true);
      await held.pop()!.release();
      await waitFor(() => scp.associations() === 1);
      expect((await echo(peerOf(scp))).ms).toBeGreaterThanOrEqual(0);
    } finally {
      for (const association of held) association.close();
      await scp.close();
    }
  });

  it('refuses an instance past the size cap with 0xA700, and one without its UIDs with 0xC000, keeping neither', async () => {
    const { scp, into } = await startScp('caps', { maxInstanceBytes: 4096 });
    try {
      const noStudy = writePart10({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.1', SOPInstanceUID: newUid(), SeriesInstanceUID: newUid(), Modality: 'CR' }, 'TEST');
      const result = await storeInstances(peerOf(scp), [phantomFile(0), noStudy]);
      expect(result.stored).toEqual([]);
      expect(result.failed.map((f) => f.reason)).toEqual([expect.stringMatching(/status 0xA700 \(\d+ bytes, past the 4096-byte limit/), expect.stringMatching(/status 0xC000 \(the data set has no Study Instance UID/)]);
      expect(await filesUnder(into)).toEqual([]);
      expect(scp.received()).toBe(0);
    } finally {
      await scp.close();
    }
  });

  it('leaves nothing behind when a sender goes away in the middle of an instance', async () => {
    const { scp, into } = await startScp('interrupted');
    const big = writePart10(
      {
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.1',
        SOPInstanceUID: newUid(),
        StudyInstanceUID: newUid(),
        SeriesInstanceUID: newUid(),
        Modality: 'CR',
        Rows: 4096,
        Columns: 4096,
        BitsAllocated: 16,
        BitsStored: 16,
        HighBit: 15,
        PixelRepresentation: 0,
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        PixelData: [new Uint16Array(4096 * 4096).buffer],
        _vrMap: { PixelData: 'OW' },
      },
      'TEST',
    );
    const sender = new AbortController();
    try {
      const sending = storeInstances(peerOf(scp), [big], sender.signal).catch((error: unknown) => error);
      await waitFor(() => existsSync(into) && readdirSync(into).some((name) => name.endsWith('.partial')));
      sender.abort();
      expect(await sending).toMatchObject({ kind: 'cancelled' });
      await waitFor(() => scp.associations() === 0);
      expect(await filesUnder(into)).toEqual([]);
      expect(scp.received()).toBe(0);
    } finally {
      await scp.close();
    }
  });

  it('negotiates storage only for the classes Pleura takes', async () => {
    const { scp, into } = await startScp('classes');
    try {
      const ct = writePart10({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SOPInstanceUID: newUid(), StudyInstanceUID: newUid(), SeriesInstanceUID: newUid(), Modality: 'CT' }, 'TEST');
      const result = await storeInstances(peerOf(scp), [ct]);
      expect(result.failed).toEqual([{ sopInstanceUid: expect.any(String), reason: expect.stringMatching(/takes no 1\.2\.840\.10008\.5\.1\.4\.1\.1\.2 in Explicit VR Little Endian/) }]);
      expect(await filesUnder(into)).toEqual([]);
    } finally {
      await scp.close();
    }
  });

  it('cuts off a peer that announces a PDU larger than it allows, before reading it', async () => {
    const { scp, log } = await startScp('hostile');
    try {
      const closed = await new Promise<boolean>((resolve) => {
        const socket = connect(scp.port, '127.0.0.1', () => socket.write(Buffer.from([0x01, 0, 0x7f, 0xff, 0xff, 0xff, 0, 1, 0, 0])));
        socket.on('close', () => resolve(true));
        socket.on('error', () => undefined);
        setTimeout(() => resolve(false), 5000).unref();
      });
      expect(closed).toBe(true);
      expect(log.some((line) => /cut off .*a PDU of 2147483647 bytes/.test(line))).toBe(true);
    } finally {
      await scp.close();
    }
  });

  it('listens on loopback unless told otherwise, and not at all once closed', async () => {
    const { scp } = await startScp('bind');
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
    const reachable = (host: string) =>
      new Promise<boolean>((resolve) => {
        const socket = connect(scp.port, host, () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
    try {
      expect(await reachable('127.0.0.1')).toBe(true);
      if (outside) expect(await reachable(outside)).toBe(false);
    } finally {
      await scp.close();
    }
    expect(await reachable('127.0.0.1')).toBe(false);
  });
});

describeWithSharedData('C-STORE SCP with real files', () => {
  it.skipIf(!hasDcmtk)(`keeps the pixels of each transfer syntax as storescu sent them${dcmtkNote}`, async () => {
    const { scp, into } = await startScp('real');
    // Each file with the storescu option that proposes its transfer syntax (storescu does not read files to choose).
    const proposals: [file: string, option: string][] = [
      ['codecs/RG2_RLE.dcm', '-xr'],
      ['codecs/RG2_JPLL.dcm', '-xs'],
      ['codecs/RG2_JLSL.dcm', '-xt'],
      ['codecs/RG2_J2KR.dcm', '-xv'],
      ['codecs/RG2_J2KI.dcm', '-xw'],
      ['cxr/nih-dx-implicit-le.dcm', '-x='],
      ['siim/1.2.276.0.7230010.3.1.4.8323329.301.1517875162.280319.dcm', '-xy'],
    ];
    try {
      const files = proposals.map(([name]) => sharedFile(name));
      for (const [name, option] of proposals) {
        const { code, output } = await run('storescu', [option, '-aet', 'MODALITY', '-aec', 'PLEURA', '127.0.0.1', String(scp.port), sharedFile(name)]);
        expect(code, `${name}: ${output}`).toBe(0);
      }
      expect(scp.received()).toBe(proposals.length);
      for (const file of files) {
        const original = new Uint8Array(await readFile(file));
        const parsed = parseFile(original, file);
        const kept = path.join(into, parsed.dataSet.string('x0020000d')!, `${parsed.dataSet.string('x00080018')}.dcm`);
        expectSamePixels(new Uint8Array(await readFile(kept)), original, file);
      }
    } finally {
      await scp.close();
    }
  });
});

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

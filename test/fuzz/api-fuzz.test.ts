// Every method of the API contract, through the dispatcher over the real services (a scanned and triaged folder, a
// current model): valid-shaped arguments (schema-conforming, drawn from odd values: missing paths, a file where a
// folder belongs, paths with NUL bytes, unknown ids and UIDs) and invalid ones (wrong types, extra keys, huge
// strings, prototype keys, nulls, BigInts). Invalid arguments must come back 'invalid-argument' without reaching
// onUnexpectedError; nothing may come back 'failed' (a bug, or a failure not put into words), the prototypes stay
// clean and the scanned folder stays as it was. Then the same over the loopback server's HTTP front, with raw
// bodies. Seeded: PLEURA_FUZZ_SEED; PLEURA_FUZZ_COUNT scales the rounds.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../ml/random';
import { apiArgs, type ApiArgs, type ApiMethod, type TriageJob } from '../../main/api/contract';
import { createDispatch, type ApiOutcome } from '../../main/api/dispatch';
import { createModelLibrary } from '../../main/models/model-library';
import { createServices, type Services } from '../../main/services/create-services';
import { createOperationLog } from '../../main/services/operation-log';
import { startLoopbackServer, type LoopbackServer } from '../../main/transports/loopback/server';
import { writeDemoModel } from '../fixtures/demo-model';
import { snapshotFolder, writeStudyFolder, type FolderSnapshot } from '../fixtures/study-folder';

const runSeed = Number(process.env.PLEURA_FUZZ_SEED || 20_250_604);
const rounds = Math.max(8, Math.round(Number(process.env.PLEURA_FUZZ_COUNT || 0) / 15));

const work = mkdtempSync(path.join(os.tmpdir(), 'pleura-api-fuzz-'));
const studies = path.join(work, 'studies');
const dataDir = path.join(work, 'data');
let services: Services;
let before: FolderSnapshot;
const unexpected: { method: string; error: unknown }[] = [];
let dispatch: ReturnType<typeof createDispatch>;

/** Values the valid-shaped arguments are drawn from, filled in once the folder is scanned and triaged. */
const odd = {
  studyUids: ['1.2.3', '9'.repeat(64), '../../etc/passwd', "1'; DROP TABLE files; --", '%', '_', 'é.1', ' '] as string[],
  instanceIds: [0, 999_999, 2 ** 31, Number.MAX_SAFE_INTEGER] as number[],
  sopUids: ['1.2.3', '%', ''] as string[],
  runIds: ['run-1', 'a', 'A.b_c-d', 'x'.repeat(64)],
  refs: ['pleura-demo@test', 'pleura-demo@nope', 'a@b', '../..@x', `${'x'.repeat(64)}@${'y'.repeat(64)}`],
  /** folders to read: the scanned one, a missing one, a file, a NUL byte, a very long one, relative ones */
  readPaths: [] as string[],
  /** folders to write into: under the work folder only (and the scanned folder and the data directory, to be refused) */
  writePaths: [] as string[],
};

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

const maybe = <T>(rng: Rng, value: () => T): T | undefined => (rng.chance(0.5) ? value() : undefined);
const withoutUndefined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Schema-conforming arguments for every method (the type makes a method without a generator an error). */
const validShaped: { [M in ApiMethod]: (rng: Rng) => ApiArgs<M> } = {
  'app.info': () => ({}),
  'app.pickFolder': () => ({}),
  'studies.scan': (rng) => ({ path: pick(rng, odd.readPaths) }),
  'studies.cancelScan': (rng) => ({ scanId: pick(rng, ['scan-1', 'x', '0'.repeat(64)]) }),
  'studies.worklist': () => ({}),
  'studies.detail': (rng) => ({ studyInstanceUid: pick(rng, odd.studyUids) }),
  'studies.fileErrors': (rng) => withoutUndefined({ root: maybe(rng, () => pick(rng, odd.readPaths)) }),
  'images.load': (rng) => ({ instanceId: pick(rng, odd.instanceIds) }),
  'training.start': (rng) => withoutUndefined({
    data: pick(rng, [
      { kind: 'reviewed' as const },
      { kind: 'dicom-folder' as const, folder: pick(rng, odd.readPaths), labels: path.join(work, 'no-labels.csv') },
      { kind: 'png-pairs' as const, folder: pick(rng, odd.readPaths) },
    ]),
    plan: pick(rng, ['quick', 'first-place', 'fourth-place'] as const),
    arch: maybe(rng, () => pick(rng, ['unet-light', 'albunet', 'no-such-arch'])),
    size: pick(rng, [256, 512, 1024] as const),
    epochs: pick(rng, [1, 500]),
  }),
  'training.cancel': () => ({}),
  'training.resume': (rng) => withoutUndefined({ runId: maybe(rng, () => pick(rng, odd.runIds)) }),
  'training.status': () => ({}),
  'models.list': () => ({}),
  'models.promote': (rng) => ({ runId: pick(rng, odd.runIds) }),
  'models.discard': (rng) => ({ runId: pick(rng, odd.runIds) }),
  'models.restore': (rng) => ({ ref: pick(rng, odd.refs) }),
  'quantize.start': (rng) => withoutUndefined({
    ref: pick(rng, odd.refs),
    calibration: pick(rng, [{ kind: 'local-studies' as const }, { kind: 'dicom-folder' as const, folder: pick(rng, odd.readPaths) }]),
    method: maybe(rng, () => pick(rng, ['minmax', 'percentile', 'entropy'] as const)),
  }),
  'quantize.cancel': () => ({}),
  'quantize.status': () => ({}),
  'triage.start': (rng) => withoutUndefined({
    studyInstanceUids: maybe(rng, () => Array.from({ length: rng.int(4) }, () => pick(rng, odd.studyUids))),
    force: maybe(rng, () => rng.chance(0.5)),
  }),
  'triage.cancel': () => ({}),
  'triage.status': () => ({}),
  'triage.images': (rng) => ({ studyInstanceUid: pick(rng, odd.studyUids) }),
  'triage.overlay': (rng) => ({ instanceId: pick(rng, odd.instanceIds) }),
  'review.save': (rng) => withoutUndefined({
    instanceId: pick(rng, odd.instanceIds),
    decision: pick(rng, ['confirmed', 'rejected', 'edited'] as const),
    encodedPixels: maybe(rng, () => pick(rng, ['-1', '1 2', '0 0', '5 5 5 5', 'x y', '99999999 1', ' 1 2 3', '1 -2', '1e3 4'])),
  }),
  'audit.list': (rng) => withoutUndefined({ sopInstanceUid: maybe(rng, () => pick(rng, odd.sopUids)), limit: maybe(rng, () => pick(rng, [1, 100_000])) }),
  'audit.export': (rng) => ({ folder: pick(rng, odd.writePaths) }),
  'exports.run': (rng) => withoutUndefined({
    folder: pick(rng, odd.writePaths),
    kinds: [...new Set(Array.from({ length: 1 + rng.int(4) }, () => pick(rng, ['seg', 'secondary-capture', 'submission-csv', 'report'] as const)))],
    studyInstanceUids: maybe(rng, () => Array.from({ length: rng.int(3) }, () => pick(rng, odd.studyUids))),
  }),
  'settings.get': () => ({}),
  'settings.update': (rng) => withoutUndefined({
    autoTriage: maybe(rng, () => false),
    thresholds: maybe(rng, () =>
      pick(rng, [
        { kind: 'card' as const },
        { kind: 'preset' as const, name: pick(rng, ['first-place', 'no-such-preset', '__proto__', 'toString']) },
        { kind: 'custom' as const, rule: { kind: 'triple-threshold' as const, top: rng.next(), minArea: rng.int(5000), bottom: rng.next(), minRegionArea: null } },
      ]),
    ),
    engine: maybe(rng, () => pick(rng, ['auto', 'onnx', 'tfjs'] as const)),
    tta: maybe(rng, () => pick(rng, ['none', 'hflip'] as const)),
    reviewer: maybe(rng, () => pick(rng, ['Dr. Fuzz', ' x ', 'ü'.repeat(64), '<script>'])),
    ensemble: maybe(rng, () => pick(rng, [[], [{ ref: pick(rng, odd.refs), weight: rng.uniform(0.01, 100) }]])),
  }),
  'system.info': () => ({}),
  // Every PACS address is on loopback and refused at once: the fuzz must never wait on a network.
  'pacs.settings': () => ({}),
  'pacs.updateSettings': (rng) => withoutUndefined({
    dicomweb: maybe(rng, () =>
      pick(rng, [
        null,
        { url: 'http://127.0.0.1:9/dicom-web', auth: pick(rng, ['none', 'basic', 'bearer'] as const), user: pick(rng, ['u', '', 'x'.repeat(200)]) },
        { url: pick(rng, ['ftp://127.0.0.1/', 'http://user:pw@127.0.0.1:9/', 'not a url', 'javascript:alert(1)']), auth: 'none' as const, user: '' },
      ]),
    ),
    dimsePeers: maybe(rng, () =>
      pick(rng, [
        [],
        [{ name: 'peer', aeTitle: pick(rng, ['ORTHANC', 'A\\B', '', 'x'.repeat(17)]), host: pick(rng, ['127.0.0.1', 'bad host']), port: pick(rng, [9, 0, 70000]), retrieve: pick(rng, ['get', 'move'] as const) }],
        [
          { name: 'twin', aeTitle: 'A', host: '127.0.0.1', port: 9, retrieve: 'get' as const },
          { name: 'twin', aeTitle: 'B', host: '127.0.0.1', port: 9, retrieve: 'get' as const },
        ],
      ]),
    ),
    aeTitle: maybe(rng, () => pick(rng, ['PLEURA', '    ', 'A\\B'])),
    polling: maybe(rng, () => ({ enabled: rng.chance(0.5), intervalMinutes: pick(rng, [1, 0, 5000]) })),
    pushResults: maybe(rng, () => rng.chance(0.5)),
  }),
  'pacs.setSecret': (rng) => ({ secret: pick(rng, ['secret', null, 'x'.repeat(5000)]) }),
  'pacs.test': (rng) => ({ source: pick(rng, ['dicomweb', 'peer', 'twin', 'nope', '__proto__']) }),
  'pacs.search': (rng) => withoutUndefined({
    source: pick(rng, ['dicomweb', 'peer', 'nope']),
    patient: maybe(rng, () => pick(rng, ['Doe*', '', '\\', 'x'.repeat(65)])),
    from: maybe(rng, () => pick(rng, ['20260101', '2026-01-01', '99999999'])),
    modalities: maybe(rng, () => pick(rng, [['CR'], ['CR', 'DX']] as ('CR' | 'DX')[][])),
  }),
  'pacs.retrieve': (rng) => ({ source: pick(rng, ['dicomweb', 'peer', 'nope']), studyInstanceUids: [pick(rng, odd.studyUids)] }),
  'pacs.push': (rng) => withoutUndefined({ studyInstanceUids: maybe(rng, () => [pick(rng, odd.studyUids)]) }),
  'pacs.cancel': () => ({}),
  'pacs.status': () => ({}),
};

const WRONG_VALUES: unknown[] = [null, -1, 1.5, NaN, Infinity, '', 'x', true, [], {}, [1, 'a'], { nested: { deeper: [] } }, 10n, 'x'.repeat(5_000_000)];

/** Arguments the schema must refuse, made from valid ones: whole-argument replacements and per-key damage. */
function invalid(rng: Rng, valid: Record<string, unknown>): { label: string; args: unknown } {
  const keys = Object.keys(valid);
  const how = rng.int(keys.length ? 6 : 3);
  if (how === 0) {
    const args = pick(rng, [null, 42, 'string', [], true, [valid], 10n]);
    return { label: `arguments ${String(args)}`, args };
  }
  if (how === 1) return { label: 'an extra key', args: { ...valid, extra: 1 } };
  if (how === 2) {
    const key = pick(rng, ['__proto__', 'constructor', 'prototype']);
    // JSON.parse makes "__proto__" an own key, as a request body would.
    return { label: `own key ${key}`, args: { ...JSON.parse(`{"${key}": {"polluted": true, "toString": 1}}`), ...valid } };
  }
  const key = pick(rng, keys);
  if (how === 3) return { label: `${key}: null`, args: { ...valid, [key]: null } };
  const value = pick(rng, WRONG_VALUES);
  // A value of the right type may still be right: only values the schema refuses count as invalid.
  return { label: `${key}: ${typeof value === 'string' ? `${value.length}-character string` : String(value)}`, args: { ...valid, [key]: value } };
}

async function waitForTriage(): Promise<void> {
  for (;;) {
    const { job } = await services.handlers['triage.status']({});
    if (!job || job.state !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  const modelDir = path.join(work, 'model');
  const library = createModelLibrary(dataDir);
  const ref = await writeDemoModel(modelDir, { size: 64 });
  await library.installModel(modelDir);
  await library.setCurrent(ref);
  await writeStudyFolder(studies, { studies: 2, imagesPerStudy: 2 });
  writeFileSync(path.join(work, 'a-file.txt'), 'not a folder');
  mkdirSync(path.join(work, 'empty'));
  services = createServices({ dataDir, shell: 'browser', version: 'fuzz', log: createOperationLog({ file: () => {} }) });
  dispatch = createDispatch(services.handlers, { onUnexpectedError: (method, error) => unexpected.push({ method, error }) });
  await services.handlers['settings.update']({ autoTriage: false, engine: 'onnx', tta: 'none' });
  await services.handlers['studies.scan']({ path: studies });
  const done = new Promise<TriageJob>((resolve) => {
    const stop = services.events.subscribe((event, payload) => {
      if (event !== 'triage.done') return;
      stop();
      resolve(payload as TriageJob);
    });
  });
  await services.handlers['triage.start']({});
  await done;
  const worklist = await services.handlers['studies.worklist']({});
  odd.studyUids.push(...worklist.map((row) => row.studyInstanceUid));
  odd.instanceIds.push(...worklist.map((row) => row.firstInstanceId!));
  odd.sopUids.push(...(await services.handlers['triage.images']({ studyInstanceUid: worklist[0].studyInstanceUid })).map((image) => image.sopInstanceUid));
  odd.readPaths.push(studies, path.join(work, 'missing'), path.join(work, 'a-file.txt'), path.join(work, 'empty'), `${studies}\0x`, `/${'x'.repeat(4000)}`, 'relative-missing-folder', '.\\nope');
  odd.writePaths.push(path.join(work, 'out'), path.join(work, 'out', 'deeper', 'still'), path.join(work, 'a-file.txt'), studies, path.join(studies, 'patient-1'), dataDir, `${work}/out\0x`, `${work}/${'x'.repeat(300)}`);
  before = await snapshotFolder(studies);
}, 180_000);

afterAll(async () => {
  await services?.handlers['training.cancel']({}).catch(() => undefined);
  await services?.close();
  rmSync(work, { recursive: true, force: true });
});

type Call = { method: ApiMethod; label: string; args: unknown; outcome: ApiOutcome };
const describeCall = (call: Call) =>
  `${call.method} with ${call.label} (${JSON.stringify(call.args, (_, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'string' && v.length > 200 ? `${v.slice(0, 40)}…(${v.length})` : v))}) → ${JSON.stringify(call.outcome.ok ? 'ok' : call.outcome.error).slice(0, 300)}`;

describe(`the API fuzz (seed ${runSeed}, ${rounds} rounds per method)`, () => {
  const methods = Object.keys(apiArgs) as ApiMethod[];

  it('answers valid-shaped arguments with a result or a specific error', { timeout: 300_000 }, async () => {
    const rng = new Rng(runSeed);
    const failed: Call[] = [];
    const called = new Set<ApiMethod>();
    unexpected.length = 0;
    for (let round = 0; round < rounds; round++) {
      for (const method of methods) {
        const args = validShaped[method](rng) as Record<string, unknown>;
        // The odd values go beyond what some schemas accept (and the schemas tighten): those draws are skipped.
        if (!apiArgs[method].safeParse(args).success) continue;
        called.add(method);
        const outcome = await dispatch(method, args);
        if (!outcome.ok && outcome.error.code === 'failed') failed.push({ method, label: 'valid-shaped arguments', args, outcome });
        // A run that did start (on reviewed images the fuzz itself confirmed) is stopped at once: training is not under test.
        if (outcome.ok && method.startsWith('training.') && method !== 'training.status') await services.handlers['training.cancel']({});
      }
      await waitForTriage();
    }
    expect(methods.filter((method) => !called.has(method)), 'methods never called with conforming arguments').toEqual([]);
    expect(failed.map(describeCall), `seed ${runSeed}`).toEqual([]);
    expect(unexpected.map(({ method, error }) => `${method}: ${String(error)}`), `seed ${runSeed}`).toEqual([]);
  });

  it("refuses invalid arguments as 'invalid-argument', before any service sees them", { timeout: 300_000 }, async () => {
    const rng = new Rng(runSeed + 1);
    const wrong: Call[] = [];
    unexpected.length = 0;
    for (let round = 0; round < rounds; round++) {
      for (const method of methods) {
        const { label, args } = invalid(rng, validShaped[method](rng) as Record<string, unknown>);
        if (apiArgs[method].safeParse(args ?? {}).success) continue;
        const outcome = await dispatch(method, args);
        if (outcome.ok || outcome.error.code !== 'invalid-argument') wrong.push({ method, label, args, outcome });
        expect(({} as Record<string, unknown>).polluted, `${method} with ${label} polluted Object.prototype`).toBeUndefined();
      }
    }
    expect(wrong.map(describeCall), `seed ${runSeed}`).toEqual([]);
    expect(unexpected, `seed ${runSeed}`).toEqual([]);
  });

  it('leaves the scanned folder as it was', async () => {
    await waitForTriage();
    expect(await snapshotFolder(studies)).toEqual(before);
  });
});

describe('the loopback server front', () => {
  let server: LoopbackServer;
  const serverErrors: string[] = [];
  beforeAll(async () => {
    server = await startLoopbackServer({ handlers: services.handlers, events: services.events, onUnexpectedError: (what, error) => serverErrors.push(`${what}: ${String(error)}`) });
  });
  afterAll(() => server?.close());

  it('answers raw bodies and odd method names without a 500', async () => {
    const rng = new Rng(runSeed + 2);
    const bodies = ['', 'null', '[]', '"x"', '{', '{"path":', '{"__proto__":{"polluted":1}}', '['.repeat(200_000), '{"a":1}'.padEnd(70_000, ' '), '\u0000', '{"instanceId":1e999}'];
    const names = [...Object.keys(apiArgs), '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', '..%2F..%2Fetc', 'studies.scan%00', 'app.info/extra', '%E0%A4%A'];
    const answers: string[] = [];
    for (let k = 0; k < Math.max(60, rounds * 5); k++) {
      const name = pick(rng, names);
      const body = pick(rng, bodies);
      const response = await fetch(`http://127.0.0.1:${server.port}/api/${name}`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}` }, body });
      const text = await response.text();
      if (response.status >= 500 && response.status !== 503) answers.push(`${name} with ${JSON.stringify(body.slice(0, 40))}: ${response.status} ${text.slice(0, 200)}`);
    }
    expect(answers, `seed ${runSeed}`).toEqual([]);
    expect(serverErrors).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

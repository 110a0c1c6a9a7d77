// The settings service on a real data directory: defaults, validated updates that persist in settings.json with an
// audit entry, and what system.info reports about this machine (the engine probe runs in its worker, as in the
// workstation).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rulePresets } from '../../../ml/post/rules';
import { auditLogPath, openAuditLog, type AuditLog } from '../../../main/review/audit-log';
import { createSettingsService, describeChanges, type SettingsService } from '../../../main/settings/settings-service';
import { defaultSettings, openSettingsStore, osUserName, settingsFromIndex, settingsPath } from '../../../main/settings/settings-store';
import { migrate } from '../../../main/studies/index-schema';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-settings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dataDir: string;
let db: Database.Database;
let service: SettingsService;
const auditLog = () => openAuditLog(db, auditLogPath(dataDir));
const open = (audit: AuditLog = auditLog()) =>
  createSettingsService({
    store: openSettingsStore(settingsPath(dataDir), defaultSettings(), () => settingsFromIndex(db)),
    audit,
    currentModels: async () => ['pleura-demo@1'],
    installedModels: async () => ['pleura-demo@1', 'other@2', 'stack@1'],
    twoStageSets: async () => ['stack@1'],
  });

beforeEach((context) => {
  dataDir = path.join(root, context.task.id);
  mkdirSync(dataDir);
  db = new Database(path.join(dataDir, 'index.sqlite'));
  migrate(db);
  service = open();
});
afterEach(async () => {
  await service.close();
  db.close();
});

describe('settings', () => {
  it('starts from the defaults, with the OS user as reviewer', async () => {
    expect(await service.handlers['settings.get']({})).toEqual({
      autoTriage: true,
      thresholds: { kind: 'card' },
      engine: 'auto',
      tta: 'hflip',
      reviewer: osUserName(),
      ensemble: [],
      intendedUse: { bodyParts: ['CHEST', 'THORAX'], absentBodyPart: true, views: ['PA', 'AP'], absentView: true },
    });
    expect(osUserName()).not.toBe('');
  });

  it('keeps an update across a restart and logs who changed what', async () => {
    const updated = await service.handlers['settings.update']({ engine: 'onnx', thresholds: { kind: 'preset', name: 'validation-best' }, reviewer: 'Dr Rao' });
    expect(updated).toMatchObject({ engine: 'onnx', thresholds: { kind: 'preset', name: 'validation-best' }, reviewer: 'Dr Rao', tta: 'hflip' });
    expect(await open().handlers['settings.get']({})).toEqual(updated);
    expect(JSON.parse(readFileSync(settingsPath(dataDir), 'utf8'))).toMatchObject({ engine: 'onnx', reviewer: 'Dr Rao' });
    const [entry, ...others] = auditLog().list();
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ who: 'Dr Rao', action: 'settings', sopInstanceUid: null, models: ['pleura-demo@1'] });
    expect(entry.detail).toBe(`thresholds: the model card's rule → preset validation-best; engine: auto → onnx; reviewer: ${osUserName()} → Dr Rao`);
  });

  it('takes an ensemble of installed models only, and logs it in words', async () => {
    await expect(service.handlers['settings.update']({ ensemble: [{ ref: 'absent@1', weight: 1 }] })).rejects.toThrow(/not installed: absent@1/);
    await expect(service.handlers['settings.update']({ ensemble: [{ ref: 'stack@1', weight: 1 }] })).rejects.toThrow('stack@1: a two-stage model set runs alone');
    const updated = await service.handlers['settings.update']({ ensemble: [{ ref: 'other@2', weight: 0.5 }] });
    expect(updated.ensemble).toEqual([{ ref: 'other@2', weight: 0.5 }]);
    expect(describeChanges({ ...updated, ensemble: [] }, updated)).toBe('ensemble: the current model alone → other@2 × 0.5');
    await service.handlers['settings.update']({ ensemble: [] });
  });

  it('writes no audit entry when nothing changes', async () => {
    await service.handlers['settings.update']({ engine: 'auto', autoTriage: true });
    await service.handlers['settings.update']({});
    expect(auditLog().list()).toEqual([]);
  });

  it('refuses an unknown preset or a malformed setting, writing nothing', async () => {
    await expect(service.handlers['settings.update']({ engine: 'tfjs', thresholds: { kind: 'preset', name: 'best-guess' } })).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringContaining('unknown threshold preset "best-guess"; presets: validation-best'),
    });
    const malformed = { reviewer: '  ', engine: 'gpu' } as unknown as Parameters<SettingsService['handlers']['settings.update']>[0];
    await expect(service.handlers['settings.update'](malformed)).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/engine: .*; reviewer: /) });
    expect(await service.handlers['settings.get']({})).toEqual(defaultSettings());
    expect(auditLog().list()).toEqual([]);
  });

  it('puts the settings back when their audit entry cannot be written', async () => {
    const failing: AuditLog = {
      append: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      list: () => [],
    };
    const unaudited = open(failing);
    await expect(unaudited.handlers['settings.update']({ engine: 'tfjs' })).rejects.toThrow(/ENOSPC/);
    expect(unaudited.current()).toEqual(defaultSettings());
    expect(open().current()).toEqual(defaultSettings());
  });

  it('runs concurrent updates one after the other, each with its own entry', async () => {
    await Promise.all([service.handlers['settings.update']({ engine: 'onnx' }), service.handlers['settings.update']({ tta: 'none' })]);
    expect(service.current()).toMatchObject({ engine: 'onnx', tta: 'none' });
    expect(auditLog().list().map((entry) => entry.detail).sort()).toEqual(['engine: auto → onnx', 'tta: hflip → none']);
  });

  it("takes over an older index's settings table once, and keeps settings when the index is rebuilt", async () => {
    db.prepare("INSERT INTO settings (key, value) VALUES ('engine', '\"onnx\"'), ('reviewer', '\"Dr Old\"')").run();
    rmSync(settingsPath(dataDir), { force: true });
    expect(open().current()).toMatchObject({ engine: 'onnx', reviewer: 'Dr Old' });
    expect(existsSync(settingsPath(dataDir))).toBe(true);
    // A new index (a rebuild) has no settings table rows: settings.json still has them.
    db.close();
    rmSync(path.join(dataDir, 'index.sqlite'));
    db = new Database(path.join(dataDir, 'index.sqlite'));
    migrate(db);
    expect(open().current()).toMatchObject({ engine: 'onnx', reviewer: 'Dr Old' });
  });

  it('sets aside a settings file that is not JSON, and starts from the defaults', () => {
    writeFileSync(settingsPath(dataDir), '{ engine: onnx');
    expect(open().current()).toEqual(defaultSettings());
    expect(readdirSync(dataDir).filter((name) => name.startsWith('settings.json.unreadable-'))).toHaveLength(1);
  });

  it('accepts a custom rule and reads a stored value that no longer fits as the default', async () => {
    const rule = { kind: 'seeded-threshold', seedThreshold: 0.6, maskThreshold: 0.25, maxEmptyArea: 10 } as const;
    await service.handlers['settings.update']({ thresholds: { kind: 'custom', rule } });
    expect(service.current().thresholds).toEqual({ kind: 'custom', rule });
    writeFileSync(settingsPath(dataDir), JSON.stringify({ thresholds: 'warp-drive', engine: { not: 'an engine' }, retired: 1 }));
    expect(open().current()).toEqual(defaultSettings());
  });

  it('describes custom rules and plain values', () => {
    const before = defaultSettings('a');
    const rule = rulePresets['fifth-place'];
    expect(describeChanges(before, { ...before, autoTriage: false, tta: 'none', thresholds: { kind: 'custom', rule } })).toBe(
      `autoTriage: true → false; thresholds: the model card's rule → custom ${JSON.stringify(rule)}; tta: hflip → none`,
    );
  });
});

describe('system.info', () => {
  it('reports the machine, what each engine runs on here, and the presets', async () => {
    const info = await service.handlers['system.info']({});
    expect(info.cpu.cores).toBeGreaterThan(0);
    expect(info.cpu.model).not.toBe('');
    expect(info.memoryBytes).toBeGreaterThan(2 ** 28);
    expect(info.platform).toContain(process.platform);
    expect(info.rulePresets).toEqual(rulePresets);
    const [onnx, tfjs] = info.engines;
    expect(onnx).toMatchObject({ name: 'onnx', available: true });
    expect(onnx.backend).toMatch(/^(cpu|cuda|dml|coreml)$/);
    expect(tfjs).toMatchObject({ name: 'tfjs', available: true });
    expect(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']).toContain(tfjs.backend);
    // Whatever was passed over says why (on this machine: the native packages are not installed), then what runs.
    if (tfjs.backend !== 'tfjs-node-gpu') expect(tfjs.detail).toMatch(/^tfjs-node-gpu[ :].* — running on /);
    // An absent accelerator is said as a fact about the machine, not as onnxruntime's error.
    expect(onnx.detail).not.toMatch(/failed to load/i);
    expect(onnx.detail).toMatch(/running on (CPU|CUDA|DirectML|CoreML)$/);
    // Asked again, the probe is not run again.
    expect((await service.handlers['system.info']({})).engines).toBe(info.engines);
  }, 60_000);

  it('lets a probe in progress answer before closing: its thread is not ended under an onnxruntime session', async () => {
    const asked = service.handlers['system.info']({});
    await service.close();
    expect((await asked).engines.map((engine) => engine.name)).toEqual(['onnx', 'tfjs']);
  }, 60_000);
});

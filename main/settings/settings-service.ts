// settings.get, settings.update and system.info. An update is checked whole before anything is written; the changed
// settings are written, then their audit entry, and when the entry cannot be written the settings go back: the log
// never misses a change. Updates run one at a time.
import { rulePresets } from '../../ml/post/rules';
import { ApiError, apiArgs, type ApiHandlers, type ThresholdSetting, type WorkstationSettings } from '../api/contract';
import type { AuditLog } from '../review/audit-log';
import { describeIntendedUse } from '../triage/intended-use';
import type { SettingsStore } from './settings-store';
import { createSystemInfo } from './system-info';

export type SettingsHandlers = Pick<ApiHandlers, 'settings.get' | 'settings.update' | 'system.info'>;

export interface SettingsServiceOptions {
  store: SettingsStore;
  /** the process's one audit log (createServices builds it) */
  audit: AuditLog;
  /** `<id>@<version>` of the model(s) in use, recorded with the change */
  currentModels: () => Promise<string[]>;
  /** every installed `<id>@<version>`: an ensemble may only name these */
  installedModels: () => Promise<string[]>;
  /** the installed two-stage model sets, which run alone and so never join an ensemble; default none */
  twoStageSets?: () => Promise<string[]>;
}

export interface SettingsService {
  handlers: SettingsHandlers;
  /** The settings now in force, for the services that act on them (triage). */
  current(): WorkstationSettings;
  close(): Promise<void>;
}

/** The update's settings, or an 'invalid-argument' error naming what is wrong (the schema, then unknown presets). */
export function checkUpdate(update: unknown): Partial<WorkstationSettings> {
  const parsed = apiArgs['settings.update'].safeParse(update);
  if (!parsed.success) {
    const summary = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`).join('; ');
    throw new ApiError('invalid-argument', `invalid settings: ${summary}`, parsed.error.issues);
  }
  const thresholds = parsed.data.thresholds;
  if (thresholds?.kind === 'preset' && !Object.hasOwn(rulePresets, thresholds.name)) {
    throw new ApiError('invalid-argument', `unknown threshold preset "${thresholds.name}"; presets: ${Object.keys(rulePresets).join(', ')}`);
  }
  return parsed.data;
}

/** "engine: auto → onnx; thresholds: the model card's rule → preset validation-best", or '' when nothing changes. */
export function describeChanges(before: WorkstationSettings, after: WorkstationSettings): string {
  return (Object.keys(after) as (keyof WorkstationSettings)[])
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .map((key) => `${key}: ${showValue(before[key])} → ${showValue(after[key])}`)
    .join('; ');
}

function showValue(value: WorkstationSettings[keyof WorkstationSettings]): string {
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'the current model alone' : value.map((m) => `${m.ref} × ${m.weight}`).join(' + ');
  if ('bodyParts' in value) return describeIntendedUse(value);
  const thresholds = value as ThresholdSetting;
  if (thresholds.kind === 'card') return "the model card's rule";
  if (thresholds.kind === 'preset') return `preset ${thresholds.name}`;
  return `custom ${JSON.stringify(thresholds.rule)}`;
}

export function createSettingsService({ store, audit, currentModels, installedModels, twoStageSets = async () => [] }: SettingsServiceOptions): SettingsService {
  const system = createSystemInfo();
  let updating: Promise<unknown> = Promise.resolve();

  async function apply(changes: Partial<WorkstationSettings>, models: string[]): Promise<WorkstationSettings> {
    const before = store.get();
    const after = { ...before, ...changes };
    const detail = describeChanges(before, after);
    if (detail === '') return before;
    await store.put(changes);
    try {
      // The reviewer now named is the person at the workstation making the change.
      audit.append({ who: after.reviewer, action: 'settings', sopInstanceUid: null, studyInstanceUid: null, models, detail });
    } catch (error) {
      await store.put(Object.fromEntries(Object.keys(changes).map((key) => [key, before[key as keyof WorkstationSettings]])));
      throw error;
    }
    return store.get();
  }

  return {
    current: () => store.get(),
    handlers: {
      async 'settings.get'() {
        return store.get();
      },
      async 'settings.update'(update) {
        const changes = checkUpdate(update);
        if (changes.ensemble?.length) {
          const installed = await installedModels();
          const missing = changes.ensemble.filter((member) => !installed.includes(member.ref)).map((member) => member.ref);
          if (missing.length) throw new ApiError('invalid-argument', `not installed: ${missing.join(', ')}; installed: ${installed.join(', ') || 'none'}`);
          const alone = await twoStageSets();
          const refused = changes.ensemble.filter((member) => alone.includes(member.ref)).map((member) => member.ref);
          if (refused.length) {
            throw new ApiError('invalid-argument', `${refused.join(', ')}: a two-stage model set runs alone (its classifiers decide which images are drawn), so it cannot be averaged; make it the current model instead`);
          }
        }
        const models = await currentModels().catch(() => []);
        const applied = updating.then(() => apply(changes, models));
        updating = applied.catch(() => {});
        return applied;
      },
      async 'system.info'() {
        return system.info();
      },
    },
    close: () => system.close(),
  };
}

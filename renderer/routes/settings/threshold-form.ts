// The thresholds choice as a form: the current model card's rule, a named preset, or a custom triple threshold typed
// by hand. The typed values are checked here, field by field, so the panel can say exactly which one is wrong
// before anything is sent; the service checks them again.
import type { ThresholdSetting } from '../../../main/api/contract';
import type { PostProcessRule, TripleThreshold } from '../../../ml/post/rules';

export type ThresholdMode = ThresholdSetting['kind'];
export type TripletDraft = { top: string; minArea: string; bottom: string; minRegionArea: string };
export type TripletErrors = Partial<Record<keyof TripletDraft, string>>;
export type TripletCheck = { ok: true; rule: TripleThreshold } | { ok: false; errors: TripletErrors };

/** Areas are pixel counts at 1024 x 1024 (science.md), so none can exceed the whole image. */
export const MAX_AREA = 1024 * 1024;

/** science.md's validation-best triplet: where a custom rule starts when there is nothing better to start from. */
const startingDraft: TripletDraft = { top: '0.75', minArea: '2000', bottom: '0.3', minRegionArea: '' };

function probability(text: string, name: string): number | string {
  if (text.trim() === '') return `${name} is required`;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : `${name} must be a probability from 0 to 1`;
}

function area(text: string, name: string, optional: boolean): number | null | string {
  if (text.trim() === '') return optional ? null : `${name} is required`;
  const value = Number(text);
  return Number.isInteger(value) && value >= 0 && value <= MAX_AREA
    ? value
    : `${name} must be a whole number of pixels from 0 to ${MAX_AREA.toLocaleString('en-US')} (areas are at 1024 × 1024)`;
}

export function checkTriplet(draft: TripletDraft): TripletCheck {
  const top = probability(draft.top, 'Top');
  const bottom = probability(draft.bottom, 'Bottom');
  const minArea = area(draft.minArea, 'Min area', false);
  const minRegionArea = area(draft.minRegionArea, 'Min region area', true);
  const errors: TripletErrors = {};
  if (typeof top === 'string') errors.top = top;
  if (typeof bottom === 'string') errors.bottom = bottom;
  if (typeof minArea === 'string') errors.minArea = minArea;
  if (typeof minRegionArea === 'string') errors.minRegionArea = minRegionArea;
  // The mask grows from the confident core (p > top) out to p > bottom; a bottom above top would shrink it instead.
  if (typeof top === 'number' && typeof bottom === 'number' && bottom > top) errors.bottom = `Bottom (${bottom}) must not be above top (${top})`;
  if (errors.bottom || typeof top !== 'number' || typeof bottom !== 'number' || typeof minArea !== 'number' || typeof minRegionArea === 'string') {
    return { ok: false, errors };
  }
  return { ok: true, rule: { kind: 'triple-threshold', top, minArea, bottom, minRegionArea } };
}

/** The form's fields for a rule: a triple threshold as it is, anything else from the validation-best triplet. */
export function tripletDraft(rule: PostProcessRule | null): TripletDraft {
  if (rule?.kind !== 'triple-threshold') return { ...startingDraft };
  return { top: String(rule.top), minArea: String(rule.minArea), bottom: String(rule.bottom), minRegionArea: rule.minRegionArea === null ? '' : String(rule.minRegionArea) };
}

/** The rule a setting stands for, or null where it cannot be known here (no current model, an unknown preset). */
export function settingRule(setting: ThresholdSetting, presets: Record<string, PostProcessRule>, cardRule: PostProcessRule | null): PostProcessRule | null {
  switch (setting.kind) {
    case 'card':
      return cardRule;
    case 'preset':
      return Object.hasOwn(presets, setting.name) ? presets[setting.name] : null;
    case 'custom':
      return setting.rule;
  }
}

/** What the form would save, or the errors that stop it. */
export function formSetting(mode: ThresholdMode, preset: string, draft: TripletDraft): { ok: true; setting: ThresholdSetting } | { ok: false; errors: TripletErrors } {
  if (mode === 'card') return { ok: true, setting: { kind: 'card' } };
  if (mode === 'preset') return preset ? { ok: true, setting: { kind: 'preset', name: preset } } : { ok: false, errors: {} };
  const checked = checkTriplet(draft);
  return checked.ok ? { ok: true, setting: { kind: 'custom', rule: checked.rule } } : checked;
}

/** Key order is not meaningful: the service may hand a rule back with its keys in another order. */
const canonical = (value: unknown): unknown =>
  typeof value === 'object' && value !== null
    ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, inner]) => [key, canonical(inner)]))
    : value;

export function sameSetting(a: ThresholdSetting, b: ThresholdSetting): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

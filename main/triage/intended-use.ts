// Pleura's intended use, stated as a cleared triage device states its own: frontal chest radiographs, and nothing
// derived from one. An image outside it is never sent to a model; it is listed as not assessed, with the first tag
// that put it outside, in words a radiologist reads at a glance ("body part HIP", "lateral view (LL)").
import type { InstanceInfo, IntendedUse } from '../api/contract';

export type IntendedUseTags = Pick<InstanceInfo, 'sopClassUid' | 'modality' | 'bodyPartExamined' | 'viewPosition' | 'imageType' | 'manufacturer' | 'burnedInAnnotation'>;

/**
 * CHEST, or absent, in PA or AP, or absent. THORAX is accepted too: it names the same region and some vendors write
 * it (the NEMA chest film's study says THORAX).
 */
export const DEFAULT_INTENDED_USE: IntendedUse = { bodyParts: ['CHEST', 'THORAX'], absentBodyPart: true, views: ['PA', 'AP'], absentView: true };

/** DR is no DICOM modality, but some digital radiography systems write it where DX belongs. */
const RADIOGRAPH_MODALITIES: ReadonlySet<string> = new Set(['CR', 'DX', 'DR']);
const LATERAL_VIEWS: ReadonlySet<string> = new Set(['LL', 'RL', 'LAT', 'LATERAL']);

const SEGMENTATION = '1.2.840.10008.5.1.4.1.1.66.4';
/** Every structured report (the .88 family, key object selection included) and every presentation state (.11). */
const DERIVED_FAMILIES: readonly [prefix: string, name: string][] = [
  ['1.2.840.10008.5.1.4.1.1.88.', 'structured report'],
  ['1.2.840.10008.5.1.4.1.1.11.', 'presentation state'],
];
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

/** Why the image is not assessed, or null when it is within the intended use. */
export function notAssessedReason(tags: IntendedUseTags, use: IntendedUse): string | null {
  const derived = derivedReason(tags);
  if (derived) return `derived image: ${derived}`;
  const modality = codeString(tags.modality);
  if (!RADIOGRAPH_MODALITIES.has(modality)) return modality ? `modality ${modality}` : 'no modality';
  const bodyPart = codeString(tags.bodyPartExamined);
  if (bodyPart ? !use.bodyParts.includes(bodyPart) : !use.absentBodyPart) return bodyPart ? `body part ${bodyPart}` : 'no body part';
  const view = codeString(tags.viewPosition);
  if (view ? !use.views.includes(view) : !use.absentView) {
    if (!view) return 'no view position';
    return LATERAL_VIEWS.has(view) ? `lateral view (${view})` : `view ${view}`;
  }
  return null;
}

/**
 * What makes an image derived: its SOP class (SEG, SR, presentation state), Pleura as its maker (the exports say
 * Manufacturer "Pleura"), or another AI's or CAD's result, which burns its marks into a secondary image
 * (ImageType DERIVED\SECONDARY with BurnedInAnnotation YES). A Secondary Capture counts as derived unless it holds
 * a radiograph (Modality CR or DX): SIIM's, RSNA's and NIH ChestX-ray14's films are distributed as Secondary
 * Captures of CR and DX images, and they are the images the models were trained on.
 */
function derivedReason(tags: IntendedUseTags): string | null {
  const sopClass = tags.sopClassUid?.trim() ?? '';
  if (sopClass === SEGMENTATION) return 'DICOM SEG';
  const family = DERIVED_FAMILIES.find(([prefix]) => sopClass.startsWith(prefix));
  if (family) return family[1];
  if (codeString(tags.manufacturer) === 'PLEURA') return 'made by Pleura';
  const [derivation, role] = (tags.imageType ?? '').split('\\').map(codeString);
  if (derivation === 'DERIVED' && role === 'SECONDARY' && codeString(tags.burnedInAnnotation) === 'YES') return 'burned-in AI or CAD result';
  const secondaryCapture = sopClass === SECONDARY_CAPTURE || sopClass.startsWith(`${SECONDARY_CAPTURE}.`);
  if (secondaryCapture && !RADIOGRAPH_MODALITIES.has(codeString(tags.modality))) return 'Secondary Capture';
  return null;
}

/** "body part CHEST, THORAX or absent; view PA, AP or absent", as the audit log records a change. */
export function describeIntendedUse(use: IntendedUse): string {
  const terms = (values: readonly string[], absent: boolean) => [...values, ...(absent ? ['absent'] : [])].join(', ') || 'none';
  return `body part ${terms(use.bodyParts, use.absentBodyPart)}; view ${terms(use.views, use.absentView)}`;
}

/** A code string as compared: trimmed, upper case ("Chest" is CHEST); '' when absent. */
function codeString(value: string | null | undefined): string {
  return value?.trim().toUpperCase() ?? '';
}

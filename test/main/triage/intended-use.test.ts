// The intended use, tag by tag: which images triage assesses and, for the rest, the reason it gives.
import { describe, expect, it } from 'vitest';
import type { IntendedUse } from '../../../main/api/contract';
import { DEFAULT_INTENDED_USE, describeIntendedUse, notAssessedReason, type IntendedUseTags } from '../../../main/triage/intended-use';

const CR = '1.2.840.10008.5.1.4.1.1.1';
const DX = '1.2.840.10008.5.1.4.1.1.1.1';
const SC = '1.2.840.10008.5.1.4.1.1.7';
const chestPa: IntendedUseTags = {
  sopClassUid: CR,
  modality: 'CR',
  bodyPartExamined: 'CHEST',
  viewPosition: 'PA',
  imageType: 'ORIGINAL\\PRIMARY',
  manufacturer: 'Fuji',
  burnedInAnnotation: 'NO',
};

describe('the intended use', () => {
  it.each<[string, Partial<IntendedUseTags>, string | null]>([
    ['a CR chest PA', {}, null],
    ['a DX chest AP', { sopClassUid: DX, modality: 'DX', viewPosition: 'AP' }, null],
    ['a DR image (written where DX belongs)', { modality: 'DR' }, null],
    ['body part and view compared without regard to case or padding', { bodyPartExamined: ' Chest ', viewPosition: 'pa' }, null],
    ['THORAX, which names the same region', { bodyPartExamined: 'THORAX' }, null],
    ['no body part and no view (NIH ChestX-ray14)', { bodyPartExamined: null, viewPosition: null }, null],
    ['a Secondary Capture of a CR radiograph (SIIM, RSNA)', { sopClassUid: SC, imageType: null }, null],
    ['a lossy-compressed original (DERIVED\\PRIMARY)', { imageType: 'DERIVED\\PRIMARY' }, null],
    ["one of Pleura's phantoms (DERIVED\\SECONDARY, nothing burned in)", { imageType: 'DERIVED\\SECONDARY', burnedInAnnotation: 'NO' }, null],
    ['the NEMA hip film', { bodyPartExamined: 'HIP', viewPosition: null }, 'body part HIP'],
    ['the NEMA extremity film', { bodyPartExamined: 'EXTREMITY', viewPosition: 'AP' }, 'body part EXTREMITY'],
    ['a lateral chest', { viewPosition: 'LL' }, 'lateral view (LL)'],
    ['a lateral chest written out', { viewPosition: 'Lateral' }, 'lateral view (LATERAL)'],
    ['an oblique view', { viewPosition: 'RAO' }, 'view RAO'],
    ['a CT slice', { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', modality: 'CT' }, 'modality CT'],
    ['no modality', { modality: null }, 'no modality'],
    ['a DICOM SEG (even one of a chest)', { sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4', modality: 'SEG' }, 'derived image: DICOM SEG'],
    ['a structured report', { sopClassUid: '1.2.840.10008.5.1.4.1.1.88.22', modality: 'SR' }, 'derived image: structured report'],
    ['a key object selection (an SR class)', { sopClassUid: '1.2.840.10008.5.1.4.1.1.88.59', modality: 'KO' }, 'derived image: structured report'],
    ['a presentation state', { sopClassUid: '1.2.840.10008.5.1.4.1.1.11.1', modality: 'PR' }, 'derived image: presentation state'],
    ["Pleura's own Secondary Capture export", { sopClassUid: SC, modality: 'OT', manufacturer: 'Pleura', imageType: 'DERIVED\\SECONDARY', burnedInAnnotation: 'YES' }, 'derived image: made by Pleura'],
    ['a Secondary Capture of anything but a radiograph', { sopClassUid: SC, modality: 'OT' }, 'derived image: Secondary Capture'],
    ['a multi-frame Secondary Capture', { sopClassUid: `${SC}.2`, modality: 'OT' }, 'derived image: Secondary Capture'],
    ["another AI's result burned into a CR", { imageType: 'DERIVED\\SECONDARY\\CAD', burnedInAnnotation: 'YES' }, 'derived image: burned-in AI or CAD result'],
  ])('%s', (_, tags, reason) => {
    expect(notAssessedReason({ ...chestPa, ...tags }, DEFAULT_INTENDED_USE)).toBe(reason);
  });

  it('follows the settings: other body parts and views, and whether absent ones are accepted', () => {
    const strict: IntendedUse = { bodyParts: ['CHEST'], absentBodyPart: false, views: ['PA'], absentView: false };
    expect(notAssessedReason({ ...chestPa, bodyPartExamined: null }, strict)).toBe('no body part');
    expect(notAssessedReason({ ...chestPa, viewPosition: null }, strict)).toBe('no view position');
    expect(notAssessedReason({ ...chestPa, viewPosition: 'AP' }, strict)).toBe('view AP');
    expect(notAssessedReason({ ...chestPa, bodyPartExamined: 'THORAX' }, strict)).toBe('body part THORAX');
    expect(notAssessedReason({ ...chestPa, viewPosition: 'LL' }, { ...strict, views: ['PA', 'LL'] })).toBeNull();
  });

  it('is described in the audit log in words', () => {
    expect(describeIntendedUse(DEFAULT_INTENDED_USE)).toBe('body part CHEST, THORAX, absent; view PA, AP, absent');
    expect(describeIntendedUse({ bodyParts: [], absentBodyPart: false, views: ['PA'], absentView: false })).toBe('body part none; view PA');
  });
});

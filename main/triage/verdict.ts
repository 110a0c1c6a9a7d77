// The verdict on one decoded image from its probability map: the rule, the findings measured with the image's pixel
// spacing and orientation, and the mask as SIIM RLE. Shared by the folder triage (CLI) and the workstation's jobs.
import { columnDirection, encodeRle, triage, type FindingContext, type PostProcessRule, type ProbabilityMap, type TriageVerdict } from '../../ml/post';
import type { DecodedImage } from '../api/contract';
import { DicomFileError } from '../studies/dicom/errors';
import type { TriageErrorCode } from './report';

/** `measuredWith`: the spacing and orientation the areas and sides were measured with, which a reviewed mask is measured with too. */
export type Verdict = { result: TriageVerdict; encodedPixels: string; measuredWith: Pick<FindingContext, 'pixelSpacing' | 'columnDirection'> };

/** `probabilities` must be at the image's rows x columns; `classifierProbability` is the ensemble's P(non-empty). */
export function judgeImage(image: DecodedImage, probabilities: ProbabilityMap, classifierProbability: number | null, rule: PostProcessRule): Verdict {
  const { info } = image;
  const measuredWith = {
    pixelSpacing: info.pixelSpacing && { row: info.pixelSpacing.row, column: info.pixelSpacing.column },
    columnDirection: columnDirection({ viewPosition: info.viewPosition }),
  };
  const { mask, result } = triage(probabilities, { rule, nonEmptyProbability: classifierProbability ?? undefined, ...measuredWith });
  return { result, encodedPixels: encodeRle(mask), measuredWith };
}

/** Why an image got no verdict: a decode failure keeps the decoder's code, anything after it is 'triage-failed'. */
export function imageError(error: unknown, file: string, decoded: boolean): { code: TriageErrorCode; message: string } {
  if (decoded) return { code: 'triage-failed', message: (error as Error)?.message ?? String(error) };
  const { code, message } = DicomFileError.from(error, file);
  return { code, message };
}

/** The probability map as bytes, 0..255 for 0..1 (clamped), as triage_results stores it for the viewer's overlay. */
export function quantiseProbabilities(map: ProbabilityMap): Uint8Array {
  const out = new Uint8Array(map.data.length);
  for (let i = 0; i < out.length; i++) {
    const p = map.data[i];
    out[i] = p > 0 ? Math.min(255, Math.round(p * 255)) : 0;
  }
  return out;
}

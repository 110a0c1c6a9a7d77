// The mask a review decision stands for: a confirmation keeps the model's mask, a rejection is the empty mask, an
// edit is the reviewer's own mask, which must be valid SIIM run-length text that fits the image.
import { createMask, decodeRle, RleError, type Mask, type Size } from '../../ml/post';
import { ApiError, type ReviewDecision } from '../api/contract';

export function reviewedMask(decision: ReviewDecision, encodedPixels: string | undefined, model: { maskRle: string | null } & Size): Mask {
  if (decision !== 'edited' && encodedPixels !== undefined) {
    throw new ApiError('invalid-argument', `encodedPixels belongs to an 'edited' review; a '${decision}' review keeps ${decision === 'confirmed' ? "the model's mask" : 'no mask'}`);
  }
  switch (decision) {
    case 'confirmed':
      if (model.maskRle === null) throw new ApiError('invalid-argument', 'this image has no model mask to confirm; triage it first');
      return decodeRle(model.maskRle, model);
    case 'rejected':
      return createMask(model);
    case 'edited':
      if (encodedPixels === undefined) throw new ApiError('invalid-argument', "an 'edited' review needs encodedPixels: the mask as SIIM run-length text ('-1' when empty)");
      try {
        return decodeRle(encodedPixels, model);
      } catch (error) {
        if (!(error instanceof RleError)) throw error;
        throw new ApiError('invalid-argument', `the edited mask does not fit this ${model.rows} x ${model.columns} image: ${error.message}`);
      }
  }
}

// The coded concepts the exports write (PS3.16): what the segment is, how the images were derived, from what.
const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string) => ({ CodeValue, CodingSchemeDesignator, CodeMeaning });

/** CID 7150 and CID 7151 (SNOMED CT): the finding is a morphologically abnormal structure, a pneumothorax. */
export const PNEUMOTHORAX_CATEGORY = code('49755003', 'SCT', 'Morphologically Abnormal Structure');
export const PNEUMOTHORAX_TYPE = code('36118008', 'SCT', 'Pneumothorax');
/** CID 7162 */
export const AI_ALGORITHM_FAMILY = code('123110', 'DCM', 'Artificial Intelligence');
/** CID 7202 */
export const SOURCE_IMAGE_PURPOSE = code('121322', 'DCM', 'Source image for image processing operation');
/** CID 7203 */
export const SEGMENTATION_DERIVATION = code('113076', 'DCM', 'Segmentation');

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

// The Structured Report's concepts. DCM and SCT where the standard has one (PS3.16); the rest are Pleura's own,
// under a private coding scheme ("99" designators are private, PS3.3 8.2) that the report identifies.
export const PLEURA_CODING_SCHEME = {
  CodingSchemeDesignator: '99PLEURA',
  CodingSchemeName: 'Pleura triage result concepts',
  CodingSchemeResponsibleOrganization: 'Pleura',
};
const pleura = (CodeValue: string, CodeMeaning: string) => code(CodeValue, PLEURA_CODING_SCHEME.CodingSchemeDesignator, CodeMeaning);

/** the document title: the result of computer-aided detection on chest imaging */
export const CHEST_CAD_REPORT = code('112000', 'DCM', 'Chest CAD Report');
/** CID 270 and TID 1002/1004: who observed what */
export const OBSERVER_TYPE = code('121005', 'DCM', 'Observer Type');
export const PERSON = code('121006', 'DCM', 'Person');
export const DEVICE = code('121007', 'DCM', 'Device');
export const PERSON_OBSERVER_NAME = code('121008', 'DCM', 'Person Observer Name');
export const DEVICE_OBSERVER_UID = code('121012', 'DCM', 'Device Observer UID');
export const DEVICE_OBSERVER_NAME = code('121013', 'DCM', 'Device Observer Name');
export const DEVICE_OBSERVER_MANUFACTURER = code('121014', 'DCM', 'Device Observer Manufacturer');
export const DEVICE_OBSERVER_MODEL_NAME = code('121015', 'DCM', 'Device Observer Model Name');
/** TID 4019: the algorithm that looked, and for what */
export const DETECTION_PERFORMED = code('111022', 'DCM', 'Detection Performed');
export const ALGORITHM_NAME = code('111001', 'DCM', 'Algorithm Name');
export const ALGORITHM_VERSION = code('111003', 'DCM', 'Algorithm Version');
export const FINDING = code('121071', 'DCM', 'Finding');
export const COMMENT = code('121106', 'DCM', 'Comment');
export const SOURCE_OF_MEASUREMENT = code('121112', 'DCM', 'Source of Measurement');
/** with CID 240 and CID 3770 values: the model only ever suspects; a reviewer says present or absent */
export const PRESENCE = code('121052', 'DCM', 'Presence of property');
export const SUSPECTED = code('415684004', 'SCT', 'Suspected');
export const PRESENT = code('52101004', 'SCT', 'Present');
export const ABSENT = code('272519000', 'SCT', 'Absent');
/** CID 244 */
export const LATERALITY = code('272741003', 'SCT', 'Laterality');
export const SIDES = { right: code('24028007', 'SCT', 'Right'), left: code('7771000', 'SCT', 'Left'), bilateral: code('51440002', 'SCT', 'Bilateral') } as const;
export const AREA = code('42798000', 'SCT', 'Area');
/** UCUM units */
export const SQUARE_CENTIMETRE = code('cm2', 'UCUM', 'square centimeter');
export const RATIO = code('{ratio}', 'UCUM', 'ratio');

export const AI_RESULT = pleura('AI-RESULT', 'Pleura AI triage result');
export const TRIAGE_FLAG = pleura('FLAG', 'Triage flag');
export const FLAGGED = pleura('FLAGGED', 'Suspected pneumothorax');
/** never "absent": the model found nothing above its rule, which does not exclude a pneumothorax */
export const NOT_FLAGGED = pleura('NOT-FLAGGED', 'Not flagged (does not exclude pneumothorax)');
export const TRIAGE_SCORE = pleura('SCORE', 'Triage score (highest probability inside the mask)');
export const PEAK_PROBABILITY = pleura('PEAK', 'Peak probability');
export const MODEL = pleura('MODEL', 'Model (id@version)');
export const RULE = pleura('RULE', 'Post-processing rule');
export const SOFTWARE_VERSION = pleura('SOFTWARE', 'Pleura software version');
export const REVIEW = pleura('REVIEW', 'Review of the AI result');
export const REVIEW_DECISION = pleura('DECISION', 'Review decision');
export const REVIEW_DECISIONS = {
  confirmed: pleura('CONFIRMED', 'AI result confirmed'),
  rejected: pleura('REJECTED', 'AI result rejected'),
  edited: pleura('EDITED', 'AI mask edited'),
} as const;

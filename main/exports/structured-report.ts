// A DICOM Structured Report of one image's triage: what the model was asked to detect and by which models and rule,
// its flag in codes and in the workstation's words, its score, peak, area and side, the "not for diagnosis"
// statement, and a reviewer's decision, each part attributed to its observer (the device, or the person).
//
// Comprehensive SR, not a TID 1500 measurement report: TID 1500 would wrap one image's flag and figures in a
// Procedure Reported, an Image Library and a measurement group (TID 1501) with tracking identifiers, checked against
// the template by no tool here (dciodvfy checks modules, not templates), and the rule, the models and the review
// would still be free text in it. A Comprehensive SR with no template claimed takes a small tree in standard concepts
// (TID 4019's algorithm identification, TID 1002's observers, Finding with Presence of property) that any SR viewer
// renders; dciodvfy checks its modules, and dcmtk's dsrdump the IOD's relationship constraints.
//
// The model is a triage device: its positive finding is "Suspected", never "Present", and "not flagged" is coded as
// that (never as "Absent"). Only a reviewer's finding is "Present" or "Absent", under the reviewer as observer, and
// then the report is VERIFIED by that reviewer.
import type { PostProcessRule } from '../../ml/post';
import type { ReviewDecision } from '../api/contract';
import type { Side } from '../triage/triage-decision';
import { AI_RESULT_LABEL } from './ai-label';
import {
  ABSENT,
  AI_RESULT,
  ALGORITHM_NAME,
  ALGORITHM_VERSION,
  AREA,
  CHEST_CAD_REPORT,
  COMMENT,
  DETECTION_PERFORMED,
  DEVICE,
  DEVICE_OBSERVER_MANUFACTURER,
  DEVICE_OBSERVER_MODEL_NAME,
  DEVICE_OBSERVER_NAME,
  DEVICE_OBSERVER_UID,
  FINDING,
  FLAGGED,
  LATERALITY,
  MODEL,
  NOT_FLAGGED,
  OBSERVER_TYPE,
  PEAK_PROBABILITY,
  PERSON,
  PERSON_OBSERVER_NAME,
  PLEURA_CODING_SCHEME,
  PNEUMOTHORAX_TYPE,
  PRESENCE,
  PRESENT,
  RATIO,
  REVIEW,
  REVIEW_DECISION,
  REVIEW_DECISIONS,
  RULE,
  SIDES,
  SOFTWARE_VERSION,
  SOURCE_OF_MEASUREMENT,
  SQUARE_CENTIMETRE,
  SUSPECTED,
  TRIAGE_FLAG,
  TRIAGE_SCORE,
} from './codes';
import { derivedUid, instanceUids, type InstanceUids } from './derived-uid';
import { dicomDateTime, writePart10 } from './part10';
import { algorithmIdentity } from './segmentation';
import type { SourceHeader } from './source-header';

export const COMPREHENSIVE_SR_STORAGE = '1.2.840.10008.5.1.4.1.1.88.33';

export const NOT_FOR_DIAGNOSIS_STATEMENT =
  `${AI_RESULT_LABEL}. Pleura is a triage aid: it flags suspected pneumothorax and never declares a radiograph clear. ` +
  '"Not flagged" means that the AI found nothing above its threshold; it does not exclude a pneumothorax.';
export const DEMONSTRATION_STATEMENT = 'DEMONSTRATION MODEL - NOT FOR CLINICAL USE';
/** Verifying Organization is type 1, and Pleura has no setting that names the reviewer's institution. */
export const VERIFYING_ORGANIZATION = 'Organization not recorded by Pleura';

/** What a finding shows: its area (null where the pixel spacing is unknown) and side. */
export type FindingFigures = { areaCm2: number | null; side: Side | null };

export interface StructuredReportOptions {
  source: SourceHeader;
  /** the model's verdict, in the triage decision's words; score and figures only when flagged */
  verdict: { flag: 'positive' | 'not-flagged'; words: string; score: number | null; peakProbability: number | null } & FindingFigures;
  /** `<id>@<version>` of every model that made the verdict */
  models: readonly string[];
  rule: PostProcessRule | null;
  demonstrationModel: boolean;
  /** a person's decision on the verdict; figures only when they found a pneumothorax */
  review: ({ decision: ReviewDecision; reviewer: string; at: Date; flag: 'positive' | 'not-flagged'; words: string } & FindingFigures) | null;
  /** the report this one replaces (an earlier version of the same image's result) */
  predecessor: { seriesInstanceUid: string; sopInstanceUid: string } | null;
  softwareVersion: string;
  at?: Date;
  uids?: InstanceUids;
}

type Code = { CodeValue: string; CodingSchemeDesignator: string; CodeMeaning: string };
type Relationship = 'CONTAINS' | 'HAS OBS CONTEXT' | 'HAS CONCEPT MOD' | 'HAS PROPERTIES' | 'INFERRED FROM';
type ContentItem = Record<string, unknown>;

export function buildStructuredReport(options: StructuredReportOptions): InstanceUids & { bytes: Uint8Array } {
  const { source, verdict, review, predecessor } = options;
  const { date, time } = dicomDateTime(options.at ?? new Date());
  const uids = instanceUids(options.uids);
  const sourceReference = { ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: source.sopInstanceUid };
  const sourceImage = (relationship: Relationship) => ({
    RelationshipType: relationship,
    ValueType: 'IMAGE',
    ConceptNameCodeSequence: [SOURCE_OF_MEASUREMENT],
    ReferencedSOPSequence: [sourceReference],
  });
  const algorithm = algorithmIdentity(options.models);

  const modelResult = container('CONTAINS', AI_RESULT, [
    codeItem('HAS OBS CONTEXT', OBSERVER_TYPE, DEVICE),
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'UIDREF', ConceptNameCodeSequence: [DEVICE_OBSERVER_UID], UID: derivedUid('Pleura device observer', options.softwareVersion) },
    text('HAS OBS CONTEXT', DEVICE_OBSERVER_NAME, 'Pleura'),
    text('HAS OBS CONTEXT', DEVICE_OBSERVER_MANUFACTURER, 'Pleura'),
    text('HAS OBS CONTEXT', DEVICE_OBSERVER_MODEL_NAME, 'Pleura workstation'),
    codeItem('CONTAINS', DETECTION_PERFORMED, PNEUMOTHORAX_TYPE, [
      text('HAS CONCEPT MOD', ALGORITHM_NAME, algorithm.name),
      text('HAS CONCEPT MOD', ALGORITHM_VERSION, algorithm.version),
      ...options.models.map((model) => text('HAS CONCEPT MOD', MODEL, model)),
      ...(options.rule ? [text('HAS CONCEPT MOD', RULE, describeRule(options.rule))] : []),
      text('HAS CONCEPT MOD', SOFTWARE_VERSION, options.softwareVersion),
    ]),
    codeItem('CONTAINS', TRIAGE_FLAG, verdict.flag === 'positive' ? FLAGGED : NOT_FLAGGED, [text('HAS PROPERTIES', COMMENT, verdict.words)]),
    ...(verdict.peakProbability === null ? [] : [num('CONTAINS', PEAK_PROBABILITY, verdict.peakProbability, RATIO)]),
    ...(verdict.flag === 'positive'
      ? [
          codeItem('CONTAINS', FINDING, PNEUMOTHORAX_TYPE, [
            codeItem('HAS PROPERTIES', PRESENCE, SUSPECTED),
            ...(verdict.score === null ? [] : [num('HAS PROPERTIES', TRIAGE_SCORE, verdict.score, RATIO)]),
            ...figureItems(verdict),
            sourceImage('INFERRED FROM'),
          ]),
        ]
      : []),
  ]);

  const reviewResult = review
    ? container(
        'CONTAINS',
        REVIEW,
        [
          codeItem('HAS OBS CONTEXT', OBSERVER_TYPE, PERSON),
          { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'PNAME', ConceptNameCodeSequence: [PERSON_OBSERVER_NAME], PersonName: personName(review.reviewer) },
          codeItem('CONTAINS', REVIEW_DECISION, REVIEW_DECISIONS[review.decision], [text('HAS PROPERTIES', COMMENT, review.words)]),
          codeItem('CONTAINS', FINDING, PNEUMOTHORAX_TYPE, [
            codeItem('HAS PROPERTIES', PRESENCE, review.flag === 'positive' ? PRESENT : ABSENT),
            ...(review.flag === 'positive' ? figureItems(review) : []),
            sourceImage('INFERRED FROM'),
          ]),
        ],
        { ObservationDateTime: dicomDateTimeValue(review.at) },
      )
    : null;

  const dataset = {
    ...source.shared,
    // dcmjs writes every string as UTF-8, and the words hold dashes and reviewers' names.
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: COMPREHENSIVE_SR_STORAGE,
    SOPInstanceUID: uids.sopInstanceUid,
    StudyInstanceUID: source.studyInstanceUid,
    SeriesInstanceUID: uids.seriesInstanceUid,
    Modality: 'SR',
    SeriesNumber: '902',
    SeriesDescription: 'Pleura AI triage report - not for diagnosis',
    ReferencedPerformedProcedureStepSequence: [],
    InstanceNumber: '1',
    Manufacturer: 'Pleura',
    ManufacturerModelName: 'Pleura workstation',
    SoftwareVersions: options.softwareVersion,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    ContentDate: date,
    ContentTime: time,
    CodingSchemeIdentificationSequence: [PLEURA_CODING_SCHEME],
    CompletionFlag: 'COMPLETE',
    VerificationFlag: review ? 'VERIFIED' : 'UNVERIFIED',
    ...(review
      ? {
          VerifyingObserverSequence: [
            {
              VerifyingObserverName: personName(review.reviewer),
              VerifyingObserverIdentificationCodeSequence: [],
              VerifyingOrganization: VERIFYING_ORGANIZATION,
              VerificationDateTime: dicomDateTimeValue(review.at),
            },
          ],
        }
      : {}),
    ...(predecessor
      ? {
          PredecessorDocumentsSequence: [
            hierarchicalReference(source.studyInstanceUid, predecessor.seriesInstanceUid, { ReferencedSOPClassUID: COMPREHENSIVE_SR_STORAGE, ReferencedSOPInstanceUID: predecessor.sopInstanceUid }),
          ],
        }
      : {}),
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [hierarchicalReference(source.studyInstanceUid, source.seriesInstanceUid, sourceReference)],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [CHEST_CAD_REPORT],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: [
      text('CONTAINS', COMMENT, NOT_FOR_DIAGNOSIS_STATEMENT),
      ...(options.demonstrationModel ? [text('CONTAINS', COMMENT, DEMONSTRATION_STATEMENT)] : []),
      sourceImage('CONTAINS'),
      modelResult,
      ...(reviewResult ? [reviewResult] : []),
    ],
  };
  return { ...uids, bytes: writePart10(dataset, 'PLEURA_SR') };
}

/** "triple-threshold: top 0.75, minArea 0, bottom 0.4, minRegionArea none" */
export function describeRule(rule: PostProcessRule): string {
  const { kind, ...parameters } = rule;
  return `${kind}: ${Object.entries(parameters)
    .map(([name, value]) => `${name} ${value ?? 'none'}`)
    .join(', ')}`;
}

function figureItems(figures: FindingFigures): ContentItem[] {
  return [
    ...(figures.areaCm2 === null ? [] : [num('HAS PROPERTIES', AREA, figures.areaCm2, SQUARE_CENTIMETRE)]),
    ...(figures.side === null ? [] : [codeItem('HAS PROPERTIES', LATERALITY, SIDES[figures.side])]),
  ];
}

function text(relationship: Relationship, concept: Code, value: string): ContentItem {
  return { RelationshipType: relationship, ValueType: 'TEXT', ConceptNameCodeSequence: [concept], TextValue: value };
}

function codeItem(relationship: Relationship, concept: Code, value: Code, children: ContentItem[] = []): ContentItem {
  return { RelationshipType: relationship, ValueType: 'CODE', ConceptNameCodeSequence: [concept], ConceptCodeSequence: [value], ...contentOf(children) };
}

/** Four significant digits: more than the workstation shows, and within the 16 characters of a DS. */
function num(relationship: Relationship, concept: Code, value: number, unit: Code): ContentItem {
  const shown = Number(value.toPrecision(4)).toString();
  return { RelationshipType: relationship, ValueType: 'NUM', ConceptNameCodeSequence: [concept], MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: [unit], NumericValue: shown }] };
}

function container(relationship: Relationship, concept: Code, children: ContentItem[], extra: ContentItem = {}): ContentItem {
  return { RelationshipType: relationship, ValueType: 'CONTAINER', ConceptNameCodeSequence: [concept], ContinuityOfContent: 'SEPARATE', ...extra, ...contentOf(children) };
}

function contentOf(children: ContentItem[]): ContentItem {
  return children.length ? { ContentSequence: children } : {};
}

/** The Hierarchical SOP Instance Reference macro (PS3.3 C.17.2.1) for one instance. */
function hierarchicalReference(studyInstanceUid: string, seriesInstanceUid: string, instance: { ReferencedSOPClassUID: string; ReferencedSOPInstanceUID: string }) {
  return { StudyInstanceUID: studyInstanceUid, ReferencedSeriesSequence: [{ SeriesInstanceUID: seriesInstanceUid, ReferencedSOPSequence: [instance] }] };
}

/**
 * The reviewer's line (free text from the settings) as a PN: the whole line is the family name component, closed by
 * a "^" so that "Dr Ada" does not read as the retired space-separated form; a "^" in it is taken as the reviewer wrote it
 * (components), a value or component group separator is not.
 */
export function personName(line: string): string {
  const name = line.replace(/[\\=]/g, ' ').trim().slice(0, 63);
  return name.includes('^') ? name : `${name}^`;
}

function dicomDateTimeValue(at: Date): string {
  const { date, time } = dicomDateTime(at);
  return `${date}${time}`;
}

// One image's result objects — the DICOM SEG of the mask shown, the Secondary Capture of what the reviewer saw with
// the warning burned in, the Structured Report of the verdict — built in this one place for the exports (files) and
// the PACS push (a STOW-RS or C-STORE). Sent to a PACS, a result carries an identity: every UID is derived from the
// source image, the result's version and the object's kind, so building it again gives the same UIDs and a PACS
// that has it already can say so.
import type { Mask } from '../../ml/post';
import { toEightBit } from '../../ml/preprocess';
import type { DecodedImage, ImageTriage } from '../api/contract';
import { toRadiograph } from '../inference/radiograph';
import type { StoredTriage } from '../triage/results-store';
import { decideImage } from '../triage/triage-decision';
import { burnLabel } from './ai-label';
import { derivedUid, digestOfParts, type InstanceUids } from './derived-uid';
import { shownMask, storedHeatmap } from './image-layers';
import { composeOverlay, type OverlayLayers } from './rgb-image';
import { buildSecondaryCapture } from './secondary-capture';
import { buildSegmentation } from './segmentation';
import { readSourceHeader, type SourceHeader } from './source-header';
import { buildStructuredReport, DEMONSTRATION_STATEMENT, type StructuredReportOptions } from './structured-report';

export type ResultKind = 'seg' | 'secondary-capture' | 'structured-report';

export interface ResultObject extends InstanceUids {
  kind: ResultKind;
  /** the source image's study, which the object joins */
  studyInstanceUid: string;
  /** a DICOM Part 10 file */
  bytes: Uint8Array;
}

/** An object of an earlier version of the same result, as a push recorded it. */
export type PriorObject = Pick<ResultObject, 'kind' | 'sopInstanceUid' | 'seriesInstanceUid'>;

export interface ResultObjectsInput {
  image: ImageTriage;
  triaged: StoredTriage;
  kinds: ReadonlySet<ResultKind>;
  /** the one decode path; called once at most */
  decode: (file: string) => Promise<DecodedImage>;
  softwareVersion: string;
  at: Date;
  /** the result's version (resultVersion) when it goes to a PACS: UIDs derived from it; random UIDs without */
  identity?: { version: string };
  /** the objects of the version this one replaces: the new Structured Report names the old one as its predecessor */
  predecessor?: readonly PriorObject[];
}

/** The requested objects, in the order seg, secondary-capture, structured-report. Reads the source image's header. */
export async function buildResultObjects(input: ResultObjectsInput): Promise<ResultObject[]> {
  const { image, triaged, kinds, softwareVersion, at } = input;
  if (kinds.size === 0) return [];
  const header = await readSourceHeader(triaged.path);
  const uids = (kind: ResultKind) => (input.identity ? resultUids(triaged.sopInstanceUid, input.identity.version, kind) : undefined);
  const { mask, source } = shownMask(triaged);
  const objects: ResultObject[] = [];
  const add = (kind: ResultKind, built: InstanceUids & { bytes: Uint8Array }) => objects.push({ kind, ...built, studyInstanceUid: header.studyInstanceUid });

  if (kinds.has('seg')) {
    add(
      'seg',
      buildSegmentation({
        source: header,
        mask,
        algorithmType: source === 'review' ? 'MANUAL' : 'AUTOMATIC',
        models: triaged.models,
        creator: triaged.review?.reviewer ?? null,
        softwareVersion,
        at,
        uids: uids('seg'),
      }),
    );
  }
  if (kinds.has('secondary-capture')) {
    const layers = await readOverlayLayers(triaged, mask, input.decode);
    const picture = composeOverlay(layers, layers.gray);
    burnLabel(picture, labelDetails(triaged, image));
    add('secondary-capture', buildSecondaryCapture({ source: header, image: picture, derivation: derivation(triaged, source), softwareVersion, at, uids: uids('secondary-capture') }));
  }
  if (kinds.has('structured-report')) {
    const earlier = input.predecessor?.find((object) => object.kind === 'structured-report') ?? null;
    add('structured-report', buildStructuredReport({ ...reportContent(image, triaged, header), predecessor: earlier, softwareVersion, at, uids: uids('structured-report') }));
  }
  return objects;
}

/** The UIDs of one object of one version of an image's result: what a push of that version sent, or will send. */
export function resultUids(sourceSopInstanceUid: string, version: string, kind: ResultKind): InstanceUids {
  return { sopInstanceUid: derivedUid(sourceSopInstanceUid, version, kind, 'instance'), seriesInstanceUid: derivedUid(sourceSopInstanceUid, version, kind, 'series') };
}

/**
 * A short name of what an image's result says: the configuration that made the verdict (models, rule, intended
 * use: triaged.configKey), the verdict's flag and mask, and the review (decision, reviewer, time, mask). It changes
 * when one of those does, and only then: a result is sent again exactly when it says something new.
 */
export function resultVersion(triaged: StoredTriage): string {
  const { review } = triaged;
  const reviewParts = review ? ['reviewed', review.decision, review.reviewer, review.at, review.maskRle ?? ''] : ['not reviewed'];
  return digestOfParts(['pleura result', triaged.configKey, triaged.flag ?? '', triaged.maskRle ?? '', ...reviewParts]).toString('hex').slice(0, 16);
}

/**
 * What a PACS gets for an image (issue 13): a Secondary Capture and a Structured Report for every assessed image — a
 * current verdict or a review, within the intended use — and a SEG besides when it is flagged, by the model or by a
 * reviewer whose mask is not empty (the triage decision flags a review positive exactly then). Nothing for an image
 * not assessed, failed, stale, or still waiting for its verdict.
 */
export function pacsResultKinds(image: ImageTriage, triaged: StoredTriage): Set<ResultKind> {
  const current = image.state === 'triaged' || image.state === 'reviewed';
  const assessed = current && (image.flag === 'positive' || image.flag === 'not-flagged') && triaged.flag !== null;
  if (!assessed) return new Set();
  return new Set<ResultKind>(image.flag === 'positive' ? ['seg', 'secondary-capture', 'structured-report'] : ['secondary-capture', 'structured-report']);
}

/** The radiograph as shown, the model's probabilities and the mask shown: what the Secondary Capture and a thumbnail draw. */
export async function readOverlayLayers(triaged: StoredTriage, mask: Mask, decode: (file: string) => Promise<DecodedImage>): Promise<OverlayLayers> {
  const decoded = await decode(triaged.path);
  if (decoded.rows !== mask.rows || decoded.columns !== mask.columns) {
    throw new Error(`${triaged.path} is ${decoded.rows} x ${decoded.columns} now but was ${mask.rows} x ${mask.columns} when triaged; triage it again`);
  }
  return { gray: toEightBit(toRadiograph(decoded)), heatmap: storedHeatmap(triaged), mask };
}

/**
 * The report's content: the model's verdict as the triage decision words it for the configuration that made it
 * (whatever a reviewer said since), and the review as the image's decision now shows it.
 */
function reportContent(image: ImageTriage, triaged: StoredTriage, source: SourceHeader): Omit<StructuredReportOptions, 'predecessor' | 'softwareVersion' | 'at' | 'uids'> {
  if (triaged.flag === null) throw new Error(`image ${triaged.sopInstanceUid} has no verdict to report`);
  const model = decideImage(
    {
      stored: 'triaged',
      configKey: triaged.configKey,
      modelFlag: triaged.flag,
      model: triaged.score === null || triaged.areaPixels === null ? null : { score: triaged.score, areaPixels: triaged.areaPixels, areaMm2: triaged.areaMm2, side: triaged.side },
      maxProbability: triaged.maxProbability,
      heldBack: triaged.heldBack,
      review: null,
      notAssessedReason: null,
      phantom: triaged.phantom,
    },
    { configKey: triaged.configKey, demonstration: false },
  );
  const { review } = triaged;
  return {
    source,
    verdict: {
      flag: triaged.flag,
      words: model.words,
      score: model.figures?.score ?? null,
      peakProbability: triaged.maxProbability,
      areaCm2: model.figures?.areaMm2 == null ? null : model.figures.areaMm2 / 100,
      side: model.figures?.side ?? null,
    },
    models: triaged.models,
    rule: triaged.rule,
    demonstrationModel: image.demonstrationModel,
    review: review
      ? {
          decision: review.decision,
          reviewer: review.reviewer,
          at: new Date(review.at),
          flag: image.flag === 'positive' ? 'positive' : 'not-flagged',
          words: image.words,
          areaCm2: image.areaCm2,
          side: image.side,
        }
      : null,
  };
}

/** The burned-in lines under the warning: the models, the flag in the workstation's words with the finding's figures, the review. */
function labelDetails(stored: StoredTriage, image: ImageTriage): string[] {
  const figures = [image.score === null ? '' : ` SCORE ${image.score.toFixed(2)}`, image.areaCm2 === null ? '' : ` AREA ${image.areaCm2.toFixed(1)} CM2`].join('');
  const review = stored.review ? [] : ['NOT REVIEWED'];
  const demonstration = image.demonstrationModel ? [DEMONSTRATION_STATEMENT] : [];
  // The 5x7 font has no em dash: the words' dash is burned in as a hyphen.
  return [`PLEURA ${stored.models.join(' + ')}`, ...demonstration, `${image.words.replaceAll('—', '-')}${figures}`, ...review];
}

function derivation(stored: StoredTriage, source: 'review' | 'model'): string {
  const mask = source === 'review' ? `the mask saved by ${stored.review?.reviewer ?? 'a reviewer'}` : "the model's mask";
  return `Pleura AI result: the heatmap of ${stored.models.join(' + ')} and the contour of ${mask} burned into the source image, with the label "AI RESULT - NOT FOR DIAGNOSIS"`;
}

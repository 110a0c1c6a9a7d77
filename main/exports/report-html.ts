// The printable summary of the worklist: studies in priority order (suspected pneumothorax first, by score), each
// image with its flag in words and colour, score, area, side, status, the reviewer's decision and a thumbnail with
// the contour. One self-contained HTML file (thumbnails are data URIs, styles inline) that prints on A4 or Letter:
// one table whose header repeats on each printed page, each study a group of rows under its own heading row.
import type { ReviewDecision, TriageFlag, TriageState } from '../api/contract';
import { formatDateTime, formatDicomDate, formatPersonName, formatSide, missing } from '../api/display-format';

export interface ReportImage {
  sopInstanceUid: string;
  state: TriageState;
  /** as the workstation decided it (main/triage/triage-decision.ts): a reviewer's decision outranks the model's */
  flag: TriageFlag | null;
  /** the flag in the workstation's words */
  words: string;
  score: number | null;
  areaCm2: number | null;
  side: 'left' | 'right' | 'bilateral' | null;
  review: { decision: ReviewDecision; reviewer: string; at: string } | null;
  models: string[];
  /** a PNG data URI, or null with the reason in `note` */
  thumbnail: string | null;
  note: string | null;
}

export interface ReportStudy {
  studyInstanceUid: string;
  patientName: string | null;
  patientId: string | null;
  studyDate: string | null;
  studyDescription: string | null;
  images: ReportImage[];
}

export interface ReportInput {
  createdAt: Date;
  /** already in priority order */
  studies: ReportStudy[];
  softwareVersion: string;
}

/** Only a suspected pneumothorax stands out; not flagged is neutral grey, never a reassuring colour. */
const FLAG_CLASS: Record<TriageFlag | 'none', string> = {
  positive: 'flag-positive',
  'not-flagged': 'flag-not-flagged',
  'not-assessed': 'flag-not-assessed',
  none: 'flag-none',
};

const STATE_TEXT: Record<TriageState, string> = {
  pending: 'pending',
  queued: 'queued',
  running: 'running',
  triaged: 'triaged',
  stale: 'stale (made by another model or rule)',
  reviewed: 'reviewed',
  error: 'error',
  'not-assessed': 'not assessed (outside the intended use)',
};

const DECISION_TEXT: Record<ReviewDecision, string> = { confirmed: 'Confirmed', rejected: 'Rejected', edited: 'Mask edited' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function formatReport({ createdAt, studies, softwareVersion }: ReportInput): string {
  const images = studies.flatMap((study) => study.images);
  const positives = images.filter((image) => image.flag === 'positive').length;
  const reviewed = images.filter((image) => image.review !== null).length;
  const body = studies.map((study, k) => studyRows(study, k + 1)).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Pleura triage report ${formatDateTime(createdAt)}</title>
<style>
  body { font: 12px/1.4 system-ui, sans-serif; color: #111; margin: 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .warning { border: 2px solid #b00020; color: #b00020; font-weight: 700; padding: 6px 10px; margin: 8px 0 16px; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 16px; }
  th, td { border: 1px solid #bbb; padding: 4px 6px; text-align: left; vertical-align: middle; }
  th { background: #eee; }
  tr.study th { background: #dde4ee; font-size: 13px; }
  .flag { display: inline-block; padding: 2px 6px; border-radius: 3px; font-weight: 700; }
  .flag-positive { background: #b00020; color: #fff; }
  .flag-not-flagged { background: #e4e4e4; color: #222; }
  .flag-not-assessed { background: #fff; color: #444; border: 1px dashed #777; }
  .flag-none { background: #777; color: #fff; }
  img.thumb { display: block; max-width: 192px; max-height: 192px; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  time { white-space: nowrap; }
  @media print {
    body { margin: 0; font-size: 10pt; }
    * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    tr, img { page-break-inside: avoid; break-inside: avoid; }
    thead { display: table-header-group; }
    tr.study { break-after: avoid; }
  }
</style>
</head>
<body>
<h1>Pleura triage report</h1>
<p>Written ${formatDateTime(createdAt)} by Pleura ${escapeHtml(softwareVersion)}: ${studies.length} studies, ${images.length} images,
${positives} with suspected pneumothorax, ${reviewed} reviewed. Studies are in priority order: suspected pneumothorax first (highest score
first), then those not yet triaged, then those not flagged, then those not assessed.</p>
<p class="warning">AI result — not for diagnosis. Flags, scores and masks come from a model and must be read by a radiologist.</p>
<table>
<thead>
<tr><th>Image</th><th>Flag</th><th>Score</th><th>Area (cm²)</th><th>Side</th><th>Status</th><th>Reviewer decision</th><th>Models</th><th>SOP Instance UID</th></tr>
</thead>
${body}
</table>
</body>
</html>
`;
}

function studyRows(study: ReportStudy, rank: number): string {
  const name = formatPersonName(study.patientName);
  const title = [name === missing ? 'unnamed patient' : name, study.patientId && `ID ${study.patientId}`, study.studyDate && formatDicomDate(study.studyDate), study.studyDescription]
    .filter(Boolean)
    .join(' · ');
  return `<tbody>
<tr class="study"><th colspan="9" scope="rowgroup">${rank}. ${escapeHtml(title)} <small>(Study ${escapeHtml(study.studyInstanceUid)})</small></th></tr>
${study.images.map(imageRow).join('\n')}
</tbody>`;
}

function imageRow(image: ReportImage): string {
  const flagClass = FLAG_CLASS[image.flag ?? 'none'];
  const picture = image.thumbnail ? `<img class="thumb" src="${image.thumbnail}" alt="image with the heatmap and the mask contour">` : '';
  const note = image.note ? `<div>${escapeHtml(image.note)}</div>` : '';
  const review = image.review ? `${DECISION_TEXT[image.review.decision]} by ${escapeHtml(image.review.reviewer)}, <time datetime="${escapeHtml(image.review.at)}">${escapeHtml(formatDateTime(image.review.at))}</time>` : 'Not reviewed';
  return `<tr>
<td>${picture}${note}</td>
<td><span class="flag ${flagClass}">${escapeHtml(image.words)}</span></td>
<td class="num">${image.score === null ? '—' : image.score.toFixed(3)}</td>
<td class="num">${image.areaCm2 === null ? '—' : image.areaCm2.toFixed(2)}</td>
<td>${formatSide(image.side)}</td>
<td>${STATE_TEXT[image.state]}</td>
<td>${review}</td>
<td>${escapeHtml(image.models.join(', ') || '—')}</td>
<td><small>${escapeHtml(image.sopInstanceUid)}</small></td>
</tr>`;
}

// The printable summary of the worklist: studies in priority order (suspected pneumothorax first, by score), each
// image with its flag in words and colour, score, area, side, status, the reviewer's decision and a thumbnail with
// the contour. One self-contained HTML file (thumbnails are data URIs, styles inline) that prints on A4 or Letter.
import type { ReviewDecision, TriageState } from '../api/contract';

export interface ReportImage {
  sopInstanceUid: string;
  state: TriageState;
  /** after review: a rejection is negative */
  flag: 'positive' | 'negative' | null;
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

const FLAG_TEXT = {
  positive: { words: 'Suspected pneumothorax', className: 'flag-positive' },
  negative: { words: 'No pneumothorax found', className: 'flag-negative' },
  none: { words: 'Not triaged', className: 'flag-none' },
} as const;

const STATE_TEXT: Record<TriageState, string> = {
  pending: 'pending',
  queued: 'queued',
  running: 'running',
  triaged: 'triaged',
  stale: 'stale (made by another model or rule)',
  reviewed: 'reviewed',
  error: 'error',
};

const DECISION_TEXT: Record<ReviewDecision, string> = { confirmed: 'Confirmed', rejected: 'Rejected', edited: 'Mask edited' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function formatReport({ createdAt, studies, softwareVersion }: ReportInput): string {
  const images = studies.flatMap((study) => study.images);
  const positives = images.filter((image) => image.flag === 'positive').length;
  const reviewed = images.filter((image) => image.review !== null).length;
  const body = studies.map((study, k) => studySection(study, k + 1)).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Pleura triage report ${escapeHtml(createdAt.toISOString())}</title>
<style>
  body { font: 12px/1.4 system-ui, sans-serif; color: #111; margin: 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .warning { border: 2px solid #b00020; color: #b00020; font-weight: 700; padding: 6px 10px; margin: 8px 0 16px; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 16px; }
  th, td { border: 1px solid #bbb; padding: 4px 6px; text-align: left; vertical-align: middle; }
  th { background: #eee; }
  .study th { background: #dde4ee; font-size: 13px; }
  .flag { display: inline-block; padding: 2px 6px; border-radius: 3px; font-weight: 700; }
  .flag-positive { background: #b00020; color: #fff; }
  .flag-negative { background: #1b6e20; color: #fff; }
  .flag-none { background: #777; color: #fff; }
  img.thumb { display: block; max-width: 192px; max-height: 192px; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  @media print {
    body { margin: 0; font-size: 10pt; }
    * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    tr, img { page-break-inside: avoid; break-inside: avoid; }
    thead { display: table-header-group; }
  }
</style>
</head>
<body>
<h1>Pleura triage report</h1>
<p>Written ${escapeHtml(createdAt.toISOString())} by Pleura ${escapeHtml(softwareVersion)}: ${studies.length} studies, ${images.length} images,
${positives} with suspected pneumothorax, ${reviewed} reviewed. Studies are in priority order: suspected pneumothorax first (highest score
first), then those not yet triaged, then negatives.</p>
<p class="warning">AI result — not for diagnosis. Flags, scores and masks come from a model and must be read by a radiologist.</p>
${body}
</body>
</html>
`;
}

function studySection(study: ReportStudy, rank: number): string {
  const title = [study.patientName ?? 'unnamed patient', study.patientId && `ID ${study.patientId}`, study.studyDate && formatDate(study.studyDate), study.studyDescription]
    .filter(Boolean)
    .join(' · ');
  return `<table>
<thead>
<tr class="study"><th colspan="9">${rank}. ${escapeHtml(title)} <small>(Study ${escapeHtml(study.studyInstanceUid)})</small></th></tr>
<tr><th>Image</th><th>Flag</th><th>Score</th><th>Area (cm²)</th><th>Side</th><th>Status</th><th>Reviewer decision</th><th>Models</th><th>SOP Instance UID</th></tr>
</thead>
<tbody>
${study.images.map(imageRow).join('\n')}
</tbody>
</table>`;
}

function imageRow(image: ReportImage): string {
  const flag = FLAG_TEXT[image.flag ?? 'none'];
  const picture = image.thumbnail ? `<img class="thumb" src="${image.thumbnail}" alt="image with the heatmap and the mask contour">` : '';
  const note = image.note ? `<div>${escapeHtml(image.note)}</div>` : '';
  const review = image.review ? `${DECISION_TEXT[image.review.decision]} by ${escapeHtml(image.review.reviewer)}, ${escapeHtml(image.review.at)}` : 'Not reviewed';
  return `<tr>
<td>${picture}${note}</td>
<td><span class="flag ${flag.className}">${flag.words}</span></td>
<td class="num">${image.score === null ? '—' : image.score.toFixed(3)}</td>
<td class="num">${image.areaCm2 === null ? '—' : image.areaCm2.toFixed(2)}</td>
<td>${image.side ?? '—'}</td>
<td>${STATE_TEXT[image.state]}</td>
<td>${review}</td>
<td>${escapeHtml(image.models.join(', ') || '—')}</td>
<td><small>${escapeHtml(image.sopInstanceUid)}</small></td>
</tr>`;
}

function formatDate(da: string): string {
  return /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6)}` : da;
}

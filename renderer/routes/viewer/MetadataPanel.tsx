// The shown image's identifying and image tags, as the main process decoded them.
import type { ReactNode } from 'react';
import { formatDicomDate, formatDuration, formatNumber, formatPersonName, formatText, missing } from '../../app/format';
import type { DecodedSummary } from '../../viewer/image-loader';
import type { ViewState } from '../../viewer/stack-session';
import { formatWindow } from './format-window';

export function MetadataPanel({ image, view }: { image: DecodedSummary | null; view: ViewState }) {
  if (!image) return <p className="muted">No image shown.</p>;
  const { info } = image;
  const spacing = info.pixelSpacing;
  const rows: [string, ReactNode][] = [
    ['Patient', formatPersonName(info.patientName)],
    ['Patient ID', formatText(info.patientId)],
    ['Sex / birth date', `${formatText(info.patientSex)} / ${formatDicomDate(info.patientBirthDate)}`],
    ['Study date', formatDicomDate(info.studyDate)],
    ['Study', formatText(info.studyDescription)],
    ['Accession', formatText(info.accessionNumber)],
    ['Series', `${formatText(info.seriesNumber)}${info.seriesDescription ? ` · ${info.seriesDescription}` : ''}`],
    ['Instance', formatText(info.instanceNumber)],
    ['Modality', formatText(info.modality)],
    ['View', formatText(info.viewPosition)],
    ['Body part', formatText(info.bodyPartExamined)],
    ['Size', `${info.columns} × ${info.rows}`],
    ['Transfer syntax', <span title={info.transferSyntaxUid}>{info.transferSyntaxName}</span>],
    [
      'Pixel spacing',
      spacing ? `${formatNumber(spacing.row, 3)} × ${formatNumber(spacing.column, 3)} mm (${spacing.source})` : missing,
    ],
    ['Photometric', info.photometricInterpretation],
    ['Bits stored', `${info.bitsStored} of ${info.bitsAllocated}`],
    ['Pixel range', `${formatNumber(image.minValue, 1)} … ${formatNumber(image.maxValue, 1)}`],
    ['Window', `${formatWindow(image.window)} (${image.windowSource === 'file' ? 'from file' : 'full range'})`],
    ['Shown window', view.window ? formatWindow(view.window) : missing],
    ['Decode', formatDuration(image.decodeMs)],
  ];
  return (
    <section className="metadata-panel" data-testid="metadata-panel" aria-label="Image information">
      <h2>Image</h2>
      <dl>
        {rows.map(([label, value]) => (
          <div key={label} className="metadata-panel__row">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="metadata-panel__path mono" title={info.path}>
        {info.path}
      </p>
    </section>
  );
}

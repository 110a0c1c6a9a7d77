// A small folder of radiographs for the triage tests: three synthetic images of different sizes (one without pixel
// spacing) and a truncated file, in two patient subfolders.
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BROKEN } from '../../fixtures/dicom-variants';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';

export const TRIAGE_IMAGES = [
  { file: 'patient-1/a.dcm', sopUid: '1.2.826.0.1.99.1.1.1', rows: 40, columns: 30, spacing: true },
  { file: 'patient-1/b.dcm', sopUid: '1.2.826.0.1.99.1.1.2', rows: 64, columns: 64, spacing: true },
  { file: 'patient-2/c.dcm', sopUid: '1.2.826.0.1.99.2.1.1', rows: 48, columns: 56, spacing: false },
];
export const BROKEN_FILE = 'patient-2/cut.dcm';

/** The Study Instance UID of a fixture image: its SOP Instance UID without the series and instance numbers. */
export function studyOf(sopUid: string): string {
  return sopUid.split('.').slice(0, -2).join('.');
}

export async function writeTriageFolder(folder: string): Promise<void> {
  for (const [k, image] of TRIAGE_IMAGES.entries()) {
    const file = path.join(folder, image.file);
    mkdirSync(path.dirname(file), { recursive: true });
    const study = studyOf(image.sopUid);
    await writeSyntheticDicom(file, {
      patientId: `P${k}`,
      studyUid: study,
      seriesUid: `${study}.1`,
      sopUid: image.sopUid,
      rows: image.rows,
      columns: image.columns,
      pixels: Uint16Array.from({ length: image.rows * image.columns }, (_, i) => (Math.floor(i / image.columns) * 97 + (i % image.columns) * 31 + k * 500) % 4096),
      extra: image.spacing ? [] : [{ tag: 0x00280030, value: null }],
    });
  }
  await writeFile(path.join(folder, BROKEN_FILE), BROKEN['cut-in-pixels.dcm'].bytes());
}

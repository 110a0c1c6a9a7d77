// A folder of DICOM files with a SIIM mask table (ImageId = SOP Instance UID, as SIIM names its files; the file's
// name without extension is accepted too). Images the table does not list are skipped and counted; ids the table
// lists that no file carries are reported as missing. Several rows of one image are unioned (science.md).
import path from 'node:path';
import { decodeImageRows, type MaskTable } from '../../../ml/post';
import { byPatientThenId, summarise, toTrainingItem, type TrainingItem, type TrainingSet } from '../../../ml/train/dataset';
import { readMaskTableFile } from '../../fs/read-mask-table';
import { walkFiles } from '../../studies/walk';
import { decodeEach } from './decode-images';

export async function loadDicomFolder(folder: string, labels: string, size: number): Promise<TrainingSet> {
  const table = await readMaskTableFile(labels);
  const paths: string[] = [];
  for await (const entry of walkFiles(folder)) if (!entry.error) paths.push(entry.path);
  paths.sort();
  const items: TrainingItem[] = [];
  const found = new Set<string>();
  let skipped = 0;
  await decodeEach(
    paths,
    ({ path: file, decoded, plane }) => {
      const id = tableId(table, decoded.info.sopInstanceUid, file);
      if (id === null || found.has(id)) {
        skipped++;
        return;
      }
      found.add(id);
      const mask = decodeImageRows(table.get(id)!, { rows: plane.rows, columns: plane.columns });
      items.push(toTrainingItem({ id, patientId: decoded.info.patientId ?? id, image: plane, mask }, size));
    },
    // Not DICOM (a CSV beside the images, say) or unreadable: not part of the data.
    () => skipped++,
  );
  items.sort(byPatientThenId);
  const missing = [...table.keys()].filter((id) => !found.has(id));
  return { size, items, summary: summarise(`dicom-folder ${folder} (${path.basename(labels)})`, items, { skipped, missing }) };
}

function tableId(table: MaskTable, sopInstanceUid: string, file: string): string | null {
  if (table.has(sopInstanceUid)) return sopInstanceUid;
  const stem = path.basename(file).replace(/\.dcm$/i, '');
  return table.has(stem) ? stem : null;
}

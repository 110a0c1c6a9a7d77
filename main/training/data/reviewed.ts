// The workstation's own reviewed studies: the label store's records, each with the DICOM file it was drawn on.
// A label whose size is not its image's is rejected naming the image; an image no longer where it was is missing.
import { listLabels, labelMask } from '../../labels/label-store';
import { byPatientThenId, summarise, toTrainingItem, type TrainingItem, type TrainingSet } from '../../../ml/train/dataset';
import { decodeEach } from './decode-images';

export async function loadReviewed(dataDir: string, size: number): Promise<TrainingSet> {
  const records = await listLabels(dataDir);
  const byPath = new Map(records.map((record) => [record.imagePath, record]));
  const items: TrainingItem[] = [];
  const missing: string[] = [];
  await decodeEach(
    [...byPath.keys()],
    ({ path, decoded, plane }) => {
      const record = byPath.get(path)!;
      const id = record.sopInstanceUid;
      items.push(toTrainingItem({ id, patientId: record.patientId ?? decoded.info.patientId ?? id, image: plane, mask: labelMask(record) }, size));
    },
    (path) => missing.push(path),
  );
  items.sort(byPatientThenId);
  return { size, items, summary: summarise(`reviewed labels in ${dataDir}`, items, { skipped: 0, missing }) };
}

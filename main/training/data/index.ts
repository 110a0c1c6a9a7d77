// Where training data comes from (the API's TrainingData): a DICOM folder with a SIIM mask table, the label store's
// reviewed studies, or PNG image/mask pairs. Every source ends as the same in-memory set at the training size.
import type { TrainingData } from '../../api/contract';
import type { TrainingSet } from '../../../ml/train/dataset';
import { loadDicomFolder } from './dicom-folder';
import { loadPngPairs } from './png-pairs';
import { loadReviewed } from './reviewed';

export async function loadTrainingSet(source: TrainingData, size: number, dataDir: string): Promise<TrainingSet> {
  switch (source.kind) {
    case 'dicom-folder':
      return loadDicomFolder(source.folder, source.labels, size);
    case 'png-pairs':
      return loadPngPairs(source.folder, size);
    case 'reviewed':
      return loadReviewed(dataDir, size);
  }
}

// How a phantom is told from a patient's image: every phantom Pleura writes says in DeidentificationMethod
// (0012,0063) that it was generated, a statement a scanner or an anonymiser never makes about a real radiograph.
import type { InstanceInfo } from '../api/contract';

export const PHANTOM_DEIDENTIFICATION = 'SYNTHETIC: generated, never a patient';

export function isPleuraPhantom(info: Pick<InstanceInfo, 'deidentificationMethod'>): boolean {
  return info.deidentificationMethod === PHANTOM_DEIDENTIFICATION;
}

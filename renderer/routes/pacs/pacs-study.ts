// What the PACS page says about a study found on the PACS: how much of it is already here.
import type { PacsStudy } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';

export type LocalState = 'none' | 'partial' | 'all';

/** "local: 2 of 3"; "local: 2" when the PACS did not say how many images the study has. */
export function localCountText(study: Pick<PacsStudy, 'localInstances' | 'instanceCount'>): string {
  const local = formatNumber(study.localInstances);
  return study.instanceCount === null ? `local: ${local}` : `local: ${local} of ${formatNumber(study.instanceCount)}`;
}

export function localState(study: Pick<PacsStudy, 'localInstances' | 'instanceCount'>): LocalState {
  if (study.localInstances === 0) return 'none';
  return study.instanceCount !== null && study.localInstances >= study.instanceCount ? 'all' : 'partial';
}

// "Make an INT8 version" in words: the request the form's values make, and a job's state as one line.
import type { QuantizeJob, QuantizeRequest } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';

/** The calibration images: a folder of local radiographs, or the workstation's own studies. */
export type QuantizeFormValues = { source: 'folder' | 'studies'; folder: string; method: NonNullable<QuantizeRequest['method']> | 'default' };

export const initialQuantizeValues: QuantizeFormValues = { source: 'folder', folder: '', method: 'default' };

/** The request for `ref`, or null while the folder is still blank. */
export function quantizeRequest(ref: string, values: QuantizeFormValues): QuantizeRequest | null {
  const folder = values.folder.trim();
  if (values.source === 'folder' && folder === '') return null;
  return {
    ref,
    calibration: values.source === 'studies' ? { kind: 'local-studies' } : { kind: 'dicom-folder', folder },
    ...(values.method === 'default' ? {} : { method: values.method }),
  };
}

const counted = (done: number, total: number, what: string) => (total ? `${formatNumber(done)} of ${formatNumber(total)} ${what}` : what);

/** Where the job stands, or how it ended. */
export function quantizeJobText(job: QuantizeJob): string {
  switch (job.state) {
    case 'running':
      switch (job.phase) {
        case 'reading':
          return 'Reading the calibration images…';
        case 'calibration':
          return `Calibrating: ${counted(job.done, job.total, 'images')}`;
        case 'agreement':
          return `Comparing with the fp32 model: ${counted(job.done, job.total, 'held-out images')}`;
        case 'writing':
          return 'Writing and installing the INT8 version…';
      }
      break;
    case 'cancelling':
      return 'Cancelling…';
    case 'cancelled':
      return 'Cancelled: nothing was installed.';
    case 'failed':
      return `Failed: ${job.error ?? 'no reason given'}`;
    case 'finished': {
      const a = job.agreement;
      const figures = a ? `: flags agree on ${a.flagsAgree} of ${a.flagsTotal} held-out images, mean mask Dice ${a.meanDice.toFixed(4)}` : '';
      return `Installed ${job.installed ?? 'the INT8 version'}${figures}. Make it current with Restore.`;
    }
  }
}

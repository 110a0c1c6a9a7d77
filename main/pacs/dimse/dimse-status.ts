// DIMSE status codes (PS3.7 C) as Pleura reports them, and what they mean for the request that got them.

export const STATUS_SUCCESS = 0x0000;
export const STATUS_CANCEL = 0xfe00;
/** C-STORE: Refused, out of resources (PS3.4 B.2.3) */
export const STATUS_OUT_OF_RESOURCES = 0xa700;
/** C-STORE: Error, cannot understand (PS3.4 B.2.3; 0xC000–0xCFFF) */
export const STATUS_CANNOT_UNDERSTAND = 0xc000;
/** C-STORE: Error, data set does not match SOP class (PS3.4 B.2.3) */
export const STATUS_DATASET_MISMATCH = 0xa900;

export type StatusClass = 'success' | 'warning' | 'pending' | 'cancel' | 'failure';

/** "0xA700" */
export function statusHex(status: number): string {
  return `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** PS3.7 C.1: warnings are 0x0001, 0x0107, 0x0116 and 0xB000–0xBFFF; pending 0xFF00/0xFF01; anything unknown is a failure. */
export function classifyStatus(status: number): StatusClass {
  if (status === STATUS_SUCCESS) return 'success';
  if (status === 0xff00 || status === 0xff01) return 'pending';
  if (status === STATUS_CANCEL) return 'cancel';
  if (status === 0x0001 || status === 0x0107 || status === 0x0116 || (status >= 0xb000 && status <= 0xbfff)) return 'warning';
  return 'failure';
}

/** "status 0xA700 (out of disk)" — the error comment only where the peer gave one. */
export function describeStatus(status: number, comment: string | undefined): string {
  const words = comment?.replace(/\0/g, '').trim();
  return words ? `status ${statusHex(status)} (${words})` : `status ${statusHex(status)}`;
}

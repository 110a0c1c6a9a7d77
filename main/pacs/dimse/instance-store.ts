// What becomes of a received data set: its header is read back from the temporary file, checked against the C-STORE
// command that announced it, and the file renamed into its place — or a DIMSE failure status says why not, and the
// temporary file is gone. A file is never seen under its final name before it is whole and checked.
import { rename, rm } from 'node:fs/promises';
import { containedPath } from '../../fs/contained-path';
import { withFileSource } from '../../studies/dicom/byte-source';
import { readHeader } from '../../studies/dicom/header';
import { READ_LIMITS } from '../../studies/dicom/limits';
import type { InstanceRef } from '../peers';
import { STATUS_CANNOT_UNDERSTAND, STATUS_DATASET_MISMATCH, STATUS_OUT_OF_RESOURCES, STATUS_SUCCESS } from './dimse-status';
import type { SinkResult } from './instance-sink';

/** PS3.7 C.5: Refused, not authorized — an instance this receiver was not set up to take. */
export const STATUS_NOT_AUTHORIZED = 0x0124;

export interface ReceivedInstance extends InstanceRef {
  sopClassUid: string;
}

export interface InstanceStore {
  /** where the instances go, and their temporary files, so that keeping one is a rename */
  folder: string;
  maxInstanceBytes: number;
  /** the file's path relative to `folder`, or why this instance is not wanted */
  place(instance: ReceivedInstance): { relative: string } | { refusal: string };
  /** once the file is in place, before the sender hears of it; must not throw */
  stored(file: string, instance: ReceivedInstance, callingAeTitle: string): void | Promise<void>;
}

export interface StoreOutcome {
  status: number;
  /** why, for the log and (shortened) the response's Error Comment; empty on success */
  comment: string;
  file?: string;
  instance?: ReceivedInstance;
}

/** What the C-STORE request said it was sending. */
export interface Announced {
  sopClassUid: string;
  sopInstanceUid: string;
}

export async function keepInstance(result: SinkResult, announced: Announced, store: InstanceStore, callingAeTitle: string): Promise<StoreOutcome> {
  if (result.kind === 'too-large') {
    return { status: STATUS_OUT_OF_RESOURCES, comment: `${result.bytes} bytes, past the ${store.maxInstanceBytes}-byte limit on an instance` };
  }
  if (result.kind === 'failed') return { status: STATUS_OUT_OF_RESOURCES, comment: result.reason };
  const outcome = await checkAndPlace(result.file, announced, store);
  if (outcome.status !== STATUS_SUCCESS || !outcome.file || !outcome.instance) {
    await rm(result.file, { force: true });
    return outcome;
  }
  await store.stored(outcome.file, outcome.instance, callingAeTitle);
  return outcome;
}

async function checkAndPlace(temporary: string, announced: Announced, store: InstanceStore): Promise<StoreOutcome> {
  let instance: ReceivedInstance;
  try {
    const { dataSet } = await withFileSource(temporary, (source) => readHeader(source, temporary, READ_LIMITS));
    const uid = (tag: string) => dataSet.string(tag)?.replace(/\0/g, '').trim() ?? '';
    instance = { studyInstanceUid: uid('x0020000d'), seriesInstanceUid: uid('x0020000e'), sopInstanceUid: uid('x00080018'), sopClassUid: uid('x00080016') };
  } catch (error) {
    return { status: STATUS_CANNOT_UNDERSTAND, comment: `cannot read the data set: ${(error as Error).message}` };
  }
  const missing = [
    ['Study Instance UID', instance.studyInstanceUid],
    ['Series Instance UID', instance.seriesInstanceUid],
    ['SOP Instance UID', instance.sopInstanceUid],
  ].filter(([, value]) => value === '');
  if (missing.length > 0) return { status: STATUS_CANNOT_UNDERSTAND, comment: `the data set has no ${missing.map(([name]) => name).join(', ')}` };
  if (instance.sopInstanceUid !== announced.sopInstanceUid) {
    return { status: STATUS_CANNOT_UNDERSTAND, comment: `the data set is ${instance.sopInstanceUid}, the command announced ${announced.sopInstanceUid}` };
  }
  if (instance.sopClassUid !== announced.sopClassUid) {
    return { status: STATUS_DATASET_MISMATCH, comment: `the data set is of SOP class ${instance.sopClassUid || '(none)'}, the command announced ${announced.sopClassUid}` };
  }
  const placement = store.place(instance);
  if ('refusal' in placement) return { status: STATUS_NOT_AUTHORIZED, comment: placement.refusal };
  try {
    const file = await containedPath(store.folder, placement.relative);
    await rename(temporary, file);
    return { status: STATUS_SUCCESS, comment: '', file, instance };
  } catch (error) {
    return { status: STATUS_OUT_OF_RESOURCES, comment: `cannot keep the file: ${(error as Error).message}` };
  }
}

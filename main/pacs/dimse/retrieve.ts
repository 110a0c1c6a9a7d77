// C-GET and C-MOVE SCU: a study's instances into a folder, each written whole under its SOP Instance UID or not at
// all. C-GET brings them back on its own association (Pleura proposes to be the storage SCP there); C-MOVE has the
// peer send them to an AE it knows, so for its duration Pleura listens as that AE. Either way only instances of the
// study asked for are kept, each under MAX_INSTANCE_BYTES.
import { mkdir } from 'node:fs/promises';
import { uidFileStem } from '../../fs/contained-path';
import { PacsError } from '../pacs-error';
import { MAX_INSTANCE_BYTES, type DimsePeer, type InstanceRef } from '../peers';
import { classifyStatus, describeStatus } from './dimse-status';
import { checkUidArgument } from './find-keys';
import type { Announced, InstanceStore, StoreOutcome } from './instance-store';
import { CGetRequest, CMoveRequest, Dataset, type CGetResponseType, type CMoveResponseType } from './library';
import { lastResponse, withAssociation, type ProposedContext } from './scu-association';
import { listenForInstances } from './store-scp';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from '../../studies/dicom/transfer-syntax';
import { acceptedTransferSyntaxes, STORAGE_SOP_CLASSES, STUDY_ROOT_GET, STUDY_ROOT_MOVE } from './syntaxes';

/** Associations the C-MOVE listener takes at once (a PACS sends on one, some on a few). */
const MOVE_ASSOCIATIONS = 4;

export interface RetrieveOptions {
  method: 'get' | 'move';
  /** C-MOVE only: the AE the peer knows Pleura as, and where Pleura listens for it (host default 127.0.0.1) */
  moveDestination?: { aeTitle: string; port: number; host?: string };
  /** each instance once its file is in place; must not throw */
  onInstance?: (file: string, ref: InstanceRef) => void;
  signal?: AbortSignal;
}

export interface RetrieveResult {
  files: string[];
  /** sub-operations that failed: the peer's count, or Pleura's refusals where the peer counted fewer */
  failed: number;
}

export async function retrieveStudy(peer: DimsePeer, studyInstanceUid: string, into: string, options: RetrieveOptions): Promise<RetrieveResult> {
  checkUidArgument(studyInstanceUid, 'studyInstanceUid');
  await mkdir(into, { recursive: true });
  const files: string[] = [];
  let refused = 0;
  const store: InstanceStore = {
    folder: into,
    maxInstanceBytes: MAX_INSTANCE_BYTES,
    place: (instance) =>
      instance.studyInstanceUid === studyInstanceUid ? { relative: `${uidFileStem(instance.sopInstanceUid)}.dcm` } : { refusal: `not of study ${studyInstanceUid}` },
    stored(file, instance) {
      files.push(file);
      options.onInstance?.(file, { studyInstanceUid: instance.studyInstanceUid, seriesInstanceUid: instance.seriesInstanceUid, sopInstanceUid: instance.sopInstanceUid });
    },
  };
  const countRefusals = (_announced: Announced, outcome: StoreOutcome) => {
    if (classifyStatus(outcome.status) === 'failure') refused += 1;
  };
  const peerFailures = options.method === 'get' ? await getStudy(peer, studyInstanceUid, store, countRefusals, options.signal) : await moveStudy(peer, studyInstanceUid, store, countRefusals, options);
  return { files, failed: Math.max(peerFailures, refused) };
}

/** The storage contexts Pleura offers to take as SCP: one per class and transfer syntax, so the peer can send each instance as it keeps it. */
function storageContexts(): ProposedContext[] {
  return STORAGE_SOP_CLASSES.flatMap((sopClass) => acceptedTransferSyntaxes(sopClass).map((syntax) => ({ abstractSyntax: sopClass, transferSyntaxes: [syntax], scpRole: true })));
}

const QUERY_SYNTAXES = [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN];

async function getStudy(
  peer: DimsePeer,
  studyInstanceUid: string,
  store: InstanceStore,
  onStoreOutcome: (announced: Announced, outcome: StoreOutcome) => void,
  signal: AbortSignal | undefined,
): Promise<number> {
  const contexts = [{ abstractSyntax: STUDY_ROOT_GET, transferSyntaxes: QUERY_SYNTAXES }, ...storageContexts()];
  return withAssociation(peer, { contexts, storage: store, onStoreOutcome, signal }, async (association) => {
    association.require(STUDY_ROOT_GET);
    const request = new CGetRequest();
    request.setDataset(new Dataset({ QueryRetrieveLevel: 'STUDY', StudyInstanceUID: studyInstanceUid }));
    const final = lastResponse<CGetResponseType>(request);
    await association.run([request]);
    return subOperationFailures('C-GET', association.where, final());
  });
}

async function moveStudy(
  peer: DimsePeer,
  studyInstanceUid: string,
  store: InstanceStore,
  onStoreOutcome: (announced: Announced, outcome: StoreOutcome) => void,
  options: RetrieveOptions,
): Promise<number> {
  const destination = options.moveDestination;
  if (!destination) throw new RangeError('a C-MOVE needs moveDestination: the AE title the peer sends to, and the port to listen on');
  let keepAlive = () => undefined as void;
  const listener = await listenForInstances({
    port: destination.port,
    host: destination.host,
    aeTitle: destination.aeTitle,
    into: store.folder,
    maxAssociations: MOVE_ASSOCIATIONS,
    place: store.place,
    onStored: (file, info) => store.stored(file, info, info.callingAeTitle),
    onStoreOutcome,
    onActivity: () => keepAlive(),
  });
  try {
    return await withAssociation(peer, { contexts: [{ abstractSyntax: STUDY_ROOT_MOVE, transferSyntaxes: QUERY_SYNTAXES }], signal: options.signal }, async (association) => {
      association.require(STUDY_ROOT_MOVE);
      keepAlive = () => association.touch();
      const request = CMoveRequest.createStudyMoveRequest(destination.aeTitle, studyInstanceUid);
      const final = lastResponse<CMoveResponseType>(request);
      await association.run([request]);
      return subOperationFailures('C-MOVE', association.where, final(), `"${destination.aeTitle}" at ${destination.host ?? '127.0.0.1'}:${destination.port}`);
    });
  } finally {
    await listener.close();
  }
}

/** The failed sub-operations a C-GET or C-MOVE's final response counts; its failure status as an error. */
function subOperationFailures(operation: string, where: string, final: CGetResponseType | CMoveResponseType | undefined, destination?: string): number {
  if (!final) throw new PacsError('protocol', `${where} did not answer the ${operation}`);
  const status = final.getStatus();
  const kind = classifyStatus(status);
  if (kind === 'failure' || kind === 'cancel') {
    // A PACS that does not know the destination says so with 0xA801 or, like Orthanc, with a plain 0xC000.
    const hint = destination ? `; check that the PACS knows ${destination} as a DICOM modality` : '';
    throw new PacsError('refused', `${where} answered the ${operation} with ${describeStatus(status, final.getErrorComment())}${hint}`);
  }
  return final.getFailures() ?? 0;
}

// What Pleura needs of a PACS, whichever protocol reaches it: query and retrieve (DICOMweb's QIDO-RS and WADO-RS, or
// DIMSE's C-FIND and C-GET/C-MOVE), and a place to send results (STOW-RS or C-STORE).
import type { PacsCache } from './pacs-cache';
import type { InstanceMatch, InstanceRef, StudyMatch, StudyQuery } from './peers';

export interface QueryRetrieve {
  /** 'dicomweb' or the DIMSE peer's name: where the images came from, as the state and the API name it */
  readonly name: string;
  verify(signal?: AbortSignal): Promise<{ ms: number }>;
  searchStudies(query: StudyQuery, signal?: AbortSignal): Promise<StudyMatch[]>;
  listInstances(studyInstanceUid: string, signal?: AbortSignal): Promise<InstanceMatch[]>;
  /**
   * Brings these instances of one study into the cache's staging area; `arrived` takes each complete file as it
   * comes (and moves it into place). A protocol that can only move whole studies (C-GET, C-MOVE) drops the others.
   */
  retrieve(studyInstanceUid: string, wanted: readonly InstanceMatch[], cache: PacsCache, arrived: (staged: string, ref: InstanceRef) => Promise<void>, signal?: AbortSignal): Promise<void>;
}

export interface ResultSink {
  readonly name: string;
  store(objects: readonly Uint8Array[], studyInstanceUid: string, signal?: AbortSignal): Promise<{ stored: string[]; failed: { sopInstanceUid: string; reason: string }[] }>;
  /** whether the PACS already holds this object (a result another workstation sent) */
  has(ref: InstanceRef, signal?: AbortSignal): Promise<boolean>;
}

/** The images triage is for: radiographs (CR, DX; DR as some write it), never derived objects Pleura itself sent. */
export function isTriageCandidate(instance: InstanceMatch): boolean {
  if (instance.manufacturer?.trim().toUpperCase() === 'PLEURA') return false;
  const modality = instance.modality?.trim().toUpperCase();
  return modality === undefined || modality === '' || modality === 'CR' || modality === 'DX' || modality === 'DR';
}

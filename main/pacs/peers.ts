// How Pleura reaches a PACS. The secret (password or bearer token) is never part of a stored configuration: it is
// resolved when a connection is made (Electron's safeStorage in the app, PLEURA_PACS_PASSWORD in serve and the CLI).

export type DicomwebAuth =
  | { kind: 'none' }
  | { kind: 'basic'; user: string; password: string }
  | { kind: 'bearer'; token: string };

export interface DicomwebPeer {
  /** the DICOMweb base URL, e.g. http://pacs:8042/dicom-web (no trailing slash needed) */
  url: string;
  auth: DicomwebAuth;
  /** per request; default 30 s */
  timeoutMs?: number;
}

export interface DimsePeer {
  /** the peer's AE title (called AE) */
  aeTitle: string;
  host: string;
  port: number;
  /** ours (calling AE); default PLEURA */
  callingAeTitle?: string;
  /** per association; default 30 s */
  timeoutMs?: number;
}

/** A PACS object by its three UIDs. */
export interface InstanceRef {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

/** One study found by a query (QIDO-RS or C-FIND at study level). */
export interface StudyMatch {
  studyInstanceUid: string;
  patientId: string | null;
  patientName: string | null;
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  studyDescription: string | null;
  modalities: string[];
  /** NumberOfStudyRelatedInstances, where the peer gave it */
  instanceCount: number | null;
}

/** One instance found by a query (QIDO-RS or C-FIND at image level). */
export interface InstanceMatch extends InstanceRef {
  sopClassUid: string | null;
  modality: string | null;
  manufacturer: string | null;
}

export interface StudyQuery {
  /** PatientName or PatientID; `*` wildcards allowed */
  patient?: string;
  /** YYYYMMDD, inclusive */
  from?: string;
  to?: string;
  /** ModalitiesInStudy, e.g. ['CR', 'DX'] */
  modalities?: string[];
  limit?: number;
  offset?: number;
}

/** The largest DICOM instance Pleura retrieves: a radiograph is 5–60 MB; anything past this is refused, not buffered. */
export const MAX_INSTANCE_BYTES = 512 * 1024 * 1024;

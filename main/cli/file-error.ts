import { DicomFileError } from '../studies/dicom/errors';

/** A single-file command's failure on stderr, as `pleura: CODE: PATH: message`; returns the exit code. */
export function reportFileError(error: unknown, path: string): number {
  const e = DicomFileError.from(error, path);
  process.stderr.write(`pleura: ${e.code}: ${e.path}: ${e.message}\n`);
  return 1;
}

import type { FileError, FileErrorCode } from '../../api/contract';

/** A per-file problem: the file is skipped with this error, everything else goes on. */
export class DicomFileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'DicomFileError';
  }

  toFileError(): FileError {
    return { path: this.path, code: this.code, message: this.message };
  }

  /** Any failure while handling one file, as that file's error (unexpected failures become 'decode-failed'). */
  static from(error: unknown, path: string): DicomFileError {
    if (error instanceof DicomFileError) return error;
    const io = error as NodeJS.ErrnoException;
    if (io?.code && typeof io.code === 'string' && /^E[A-Z]+$/.test(io.code)) {
      return new DicomFileError('unreadable', path, `cannot read the file (${io.message})`);
    }
    return new DicomFileError('decode-failed', path, (error as Error)?.message ?? String(error));
  }
}

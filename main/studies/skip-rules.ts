// Which files a scan counts as skipped instead of listing them as broken: files that are not DICOM and never
// claimed to be. A file that claims to be DICOM — by its name or by the "DICM" marker — and fails stays an error.
import type { FileError } from '../api/contract';
import { openShown } from '../fs/fs-path';

/** Folders the scan never enters: hidden ones (.git, .Trash, .AppleDouble). */
export function isSkippedFolder(name: string): boolean {
  return name.startsWith('.');
}

const NEVER_IMAGES = new Set(['DICOMDIR', 'THUMBS.DB', 'DESKTOP.INI']);

/**
 * Files that are never images, by name: hidden files (.DS_Store, AppleDouble `._x` companions), Windows' Thumbs.db
 * and desktop.ini, and DICOMDIR — a media index whose records point at files the walk finds anyway.
 */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || NEVER_IMAGES.has(name.toUpperCase());
}

/** A name that says "DICOM": .dcm, .dicom or .dic, in any case. */
export function claimsDicomByName(filePath: string): boolean {
  return /\.(dcm|dicom|dic)$/i.test(filePath);
}

const MARKER_OFFSET = 128;

/** Whether the file has "DICM" at byte 128, the Part 10 preamble's marker; false when it cannot be read. */
export async function hasDicmMarker(filePath: string): Promise<boolean> {
  let handle;
  try {
    handle = await openShown(filePath, 'r');
    const marker = Buffer.alloc(4);
    const { bytesRead } = await handle.read(marker, 0, 4, MARKER_OFFSET);
    return bytesRead === 4 && marker.toString('latin1') === 'DICM';
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** A read's failure that means "not an image, never said it was one": counted as skipped, not as an error. */
export async function isNotAnImage(filePath: string, error: FileError): Promise<boolean> {
  return error.code === 'not-dicom' && !claimsDicomByName(filePath) && !(await hasDicmMarker(filePath));
}

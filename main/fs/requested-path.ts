// A path that arrives from outside (the API, a command line) is checked for what the file system itself would reject
// with an error that is not about the path's meaning: a NUL byte (Node refuses it outright), a name longer than
// file systems allow, an absurd length. Callers then get one plain message instead of a raw system error.

/** The longest name most file systems take (ext4, APFS, NTFS count about this many bytes or UTF-16 units). */
const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 4096;

/** Why `requested` cannot name a file here, or null when it can be tried. */
export function requestedPathProblem(requested: string): string | null {
  if (requested.includes('\0')) return 'it contains a NUL character';
  if (Buffer.byteLength(requested) > MAX_PATH_BYTES) return `it is longer than ${MAX_PATH_BYTES} bytes`;
  const long = requested.split(/[\\/]/).find((name) => Buffer.byteLength(name) > MAX_NAME_BYTES);
  if (long !== undefined) return `its part "${long.slice(0, 24)}…" is longer than ${MAX_NAME_BYTES} bytes, more than file systems allow in one name`;
  return null;
}

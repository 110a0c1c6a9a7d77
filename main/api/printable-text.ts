// Text that arrives through the API and is shown, logged, and written into DICOM and CSV (a reviewer's name, a UID):
// printable characters of every script are welcome; control characters and line breaks are not (a newline forges a
// line in a log or a CSV row), nor the bidirectional overrides that reorder on screen what follows them, nor the
// lone surrogates that no file or database can store as they are.
const UNPRINTABLE = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u202A-\u202E\u2066-\u2069]/u;

export const PRINTABLE_MESSAGE = 'printable characters only: no control characters, line breaks or direction overrides';

export function isPrintableText(value: string): boolean {
  return !UNPRINTABLE.test(value);
}

/** `value` with every character isPrintableText refuses replaced by U+FFFD: a value from a file, safe to show. */
export function printableText(value: string): string {
  return value.replace(new RegExp(UNPRINTABLE.source, 'gu'), '\uFFFD');
}

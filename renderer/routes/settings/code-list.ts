// The accepted body parts and views as typed: DICOM code strings separated by commas, in any case.
const CODE_STRING = /^[A-Z0-9_ ]{1,16}$/;

/** "chest, Thorax" → ['CHEST', 'THORAX'], or the first entry that is no code string, in words. */
export function parseCodeList(text: string): { codes: string[] } | { problem: string } {
  const codes = [...new Set(text.split(',').map((part) => part.trim().toUpperCase()).filter(Boolean))];
  const bad = codes.find((code) => !CODE_STRING.test(code));
  if (bad !== undefined) return { problem: `"${bad}" is not a DICOM code string: up to 16 letters, digits, spaces or underscores.` };
  return codes.length > 16 ? { problem: `${codes.length} entries; at most 16 are allowed.` } : { codes };
}

export function formatCodeList(codes: readonly string[]): string {
  return codes.join(', ');
}

// The audit log as CSV (RFC 4180) for a spreadsheet or an auditor's tools. A cell a spreadsheet would run as a
// formula (=, +, -, @ first: a reviewer's name or a folder could start so) is kept as text with a leading quote.
import type { AuditEntry } from '../api/contract';

const COLUMNS = ['id', 'at', 'who', 'action', 'sopInstanceUid', 'studyInstanceUid', 'models', 'detail'] as const;

export function formatAuditCsv(entries: readonly AuditEntry[]): string {
  const lines = [COLUMNS.join(',')];
  for (const entry of entries) {
    lines.push(COLUMNS.map((column) => csvCell(column === 'models' ? entry.models.join(' ') : entry[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

import { describe, expect, it } from 'vitest';
import { csvCell, formatAuditCsv } from '../../../main/review/audit-csv';

describe('formatAuditCsv', () => {
  it('quotes commas, quotes and line breaks, and keeps formula-like cells as text', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"\nthere')).toBe('"say ""hi""\nthere"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(null)).toBe('');
  });

  it('writes a header and one CRLF line per entry, models space-separated', () => {
    const csv = formatAuditCsv([
      { id: 2, at: '2026-01-01T00:00:00.000Z', who: 'Dr, A', action: 'edit', sopInstanceUid: '1.2', studyInstanceUid: '1', models: ['a@1', 'b@2'], detail: 'x' },
    ]);
    expect(csv).toBe('id,at,who,action,sopInstanceUid,studyInstanceUid,models,detail\r\n2,2026-01-01T00:00:00.000Z,"Dr, A",edit,1.2,1,a@1 b@2,x\r\n');
  });
});

// The contract's argument schemas for text that is shown, logged and written into files: reviewer names, UIDs,
// review masks.
import { describe, expect, it } from 'vitest';
import { apiArgs, MAX_ENCODED_PIXELS, MAX_UID_LENGTH } from '../../../main/api/contract';

const reviewer = (name: string) => apiArgs['settings.update'].safeParse({ reviewer: name });
const study = (uid: string) => apiArgs['studies.detail'].safeParse({ studyInstanceUid: uid });
const review = (encodedPixels: string) => apiArgs['review.save'].safeParse({ instanceId: 1, decision: 'edited', encodedPixels });

describe('reviewer names', () => {
  it.each(['Dr Ada Lovelace', "Siobhán O'Brien-Müller", '李小龙', 'محمد بن موسى', 'Ελένη', 'नेहा', 'می\u200cخواهم', '  Dr Ada  '])('accepts %j', (name) => {
    expect(reviewer(name)).toMatchObject({ success: true, data: { reviewer: name.trim() } });
  });

  it.each([
    ['a line break', 'Dr Ada\nconfirm 1.2.3 by Dr Bob'],
    ['a carriage return', 'Dr Ada\rDr Bob'],
    ['a tab', 'Dr\tAda'],
    ['a NUL', 'Dr Ada\u0000'],
    ['an escape sequence', '\u001b[31mDr Ada'],
    ['a line separator', 'Dr Ada\u2028Dr Bob'],
    ['a direction override', 'Dr \u202eadA'],
    ['a lone surrogate', 'Dr \ud800Ada'],
  ])('refuses %s', (_, name) => {
    const parsed = reviewer(name);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0].message).toMatch(/printable characters only/);
  });

  it('refuses a blank or over-long name', () => {
    expect(reviewer('   ').success).toBe(false);
    expect(reviewer('x'.repeat(65)).success).toBe(false);
  });
});

describe('UIDs', () => {
  it('accepts any printable value up to the bound, as files give them', () => {
    for (const uid of ['1.2.840.10008.1', `1.${'2'.repeat(MAX_UID_LENGTH - 2)}`, 'ABC 123', '../..']) expect(study(uid).success, uid).toBe(true);
  });

  it('refuses an empty, over-long or unprintable one', () => {
    for (const uid of ['', `1.${'2'.repeat(MAX_UID_LENGTH - 1)}`, '1.2\n3', '1.2\u00003']) expect(study(uid).success, JSON.stringify(uid)).toBe(false);
  });
});

describe("review.save's mask", () => {
  it('accepts run-length text up to its limit, and nothing else', () => {
    expect(review('-1').success).toBe(true);
    expect(review('0 12 40 3').success).toBe(true);
    expect(review('1 '.repeat(MAX_ENCODED_PIXELS / 2)).success).toBe(true);
    expect(review('1 '.repeat(MAX_ENCODED_PIXELS / 2 + 1)).success).toBe(false);
    expect(review('1 2\n3 4').success).toBe(false);
    expect(review('"1"').success).toBe(false);
  });
});

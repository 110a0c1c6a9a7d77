import { describe, expect, it } from 'vitest';
import { formatReport, type ReportImage, type ReportStudy } from '../../../main/exports/report-html';

const image = (sopInstanceUid: string, patch: Partial<ReportImage> = {}): ReportImage => ({
  sopInstanceUid,
  state: 'triaged',
  flag: 'positive',
  words: 'Suspected pneumothorax',
  score: 0.91,
  areaCm2: 10.6,
  side: 'bilateral',
  review: null,
  models: ['pleura-demo@1'],
  thumbnail: null,
  note: null,
  ...patch,
});

const study = (k: number, images: ReportImage[]): ReportStudy => ({
  studyInstanceUid: `1.2.${k}`,
  patientName: `Phantom^000${k}`,
  patientId: `P${k}`,
  studyDate: '20261203',
  studyDescription: 'CHEST PA',
  images,
});

describe('the HTML report', () => {
  // Local fields, so the expected times hold in every time zone.
  const createdAt = new Date(2026, 11, 3, 14, 5, 30);
  const html = formatReport({
    createdAt,
    softwareVersion: '9.9.9',
    studies: [
      study(3, [image('1.2.3.1', { review: { decision: 'edited', reviewer: 'Zoë Łukasiewicz', at: new Date(2026, 11, 3, 9, 41).toISOString() } })]),
      study(4, [image('1.2.4.1', { side: 'left' }), image('1.2.4.2', { side: null, flag: null, score: null, areaCm2: null, state: 'pending' })]),
    ],
  });

  it('has one table with its column header once, and a heading row per study', () => {
    expect(html.match(/<table>/g)).toHaveLength(1);
    expect(html.match(/<thead>/g)).toHaveLength(1);
    expect(html.match(/<th>Image<\/th>/g)).toHaveLength(1);
    expect(html.match(/<tbody>/g)).toHaveLength(2);
    expect(html.match(/<tr class="study">/g)).toHaveLength(2);
  });

  it('names patients as the worklist does and dates the study', () => {
    expect(html).toContain('1. Phantom, 0003 · ID P3 · 2026-12-03 · CHEST PA');
    expect(html).toContain('2. Phantom, 0004 · ID P4');
    expect(html).not.toContain('^');
  });

  it('says the side in words', () => {
    expect(html).toContain('<td>Both sides</td>');
    expect(html).toContain('<td>Left</td>');
    expect(html).not.toContain('bilateral');
  });

  it('writes times in the one date-time format, and the reviewer\'s name as typed', () => {
    expect(html).toContain('<title>Pleura triage report 2026-12-03 14:05</title>');
    expect(html).toContain('Written 2026-12-03 14:05 by Pleura 9.9.9');
    expect(html).toMatch(/by Zoë Łukasiewicz, <time datetime="[^"]+">2026-12-03 09:41<\/time>/);
  });
});

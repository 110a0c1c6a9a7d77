import { describe, expect, it } from 'vitest';
import { apiArgs, type PacsSettings } from '../../../../main/api/contract';
import { DEFAULT_PACS_SETTINGS } from '../../../../main/pacs/pacs-settings';
import { dicomDateOf, searchArgs, sourceChoices, type SearchDraft } from '../../../../renderer/routes/pacs/pacs-search';

const draft = (patch: Partial<SearchDraft>): SearchDraft => ({ source: 'dicomweb', patient: '', from: '', to: '', modalities: ['CR', 'DX'], ...patch });

describe('the PACS search form as search arguments', () => {
  it('turns a date input’s YYYY-MM-DD into a DICOM date', () => {
    expect(dicomDateOf('2024-03-05')).toBe('20240305');
    expect(dicomDateOf(' ')).toBe(null);
    expect(dicomDateOf('5/3/2024')).toBe(undefined);
    expect(dicomDateOf('2024-3-5')).toBe(undefined);
  });

  it('sends only the conditions given, which the contract accepts', () => {
    const check = searchArgs(draft({ patient: ' DOE* ', from: '2024-01-31', to: '2024-02-01', modalities: ['DX'] }));
    expect(check).toEqual({ ok: true, args: { source: 'dicomweb', patient: 'DOE*', from: '20240131', to: '20240201', modalities: ['DX'] } });
    if (check.ok) expect(apiArgs['pacs.search'].safeParse(check.args).success).toBe(true);
    expect(searchArgs(draft({ source: 'MAIN' }))).toEqual({ ok: true, args: { source: 'MAIN', modalities: ['CR', 'DX'] } });
  });

  it('lists modalities in a fixed order, and none ticked means any modality', () => {
    expect(searchArgs(draft({ modalities: ['DX', 'CR'] }))).toEqual({ ok: true, args: { source: 'dicomweb', modalities: ['CR', 'DX'] } });
    expect(searchArgs(draft({ modalities: [] }))).toEqual({ ok: true, args: { source: 'dicomweb' } });
  });

  it('refuses a date that is not one, and a range that ends before it starts', () => {
    expect(searchArgs(draft({ from: 'yesterday' }))).toEqual({ ok: false, problem: '"yesterday" is not a date (YYYY-MM-DD).' });
    expect(searchArgs(draft({ to: '2024-13' }))).toEqual({ ok: false, problem: '"2024-13" is not a date (YYYY-MM-DD).' });
    expect(searchArgs(draft({ from: '2024-02-02', to: '2024-02-01' }))).toEqual({ ok: false, problem: 'The first date is after the last one.' });
    expect(searchArgs(draft({ from: '2024-02-01', to: '2024-02-01' })).ok).toBe(true);
  });
});

describe('the sources the PACS page offers', () => {
  const settings = (patch: Partial<PacsSettings>): PacsSettings => ({ ...DEFAULT_PACS_SETTINGS, pushResults: false, ...patch });

  it('puts the DICOMweb server first, named by its host, then each peer', () => {
    expect(
      sourceChoices(settings({
        dicomweb: { url: 'http://127.0.0.1:8042/dicom-web', auth: 'none', user: '' },
        dimsePeers: [{ name: 'MAIN', aeTitle: 'ORTHANC', host: 'pacs', port: 4242, retrieve: 'get' }],
      })),
    ).toEqual([
      { value: 'dicomweb', label: 'DICOMweb — 127.0.0.1:8042' },
      { value: 'MAIN', label: 'MAIN — ORTHANC at pacs:4242' },
    ]);
  });

  it('offers nothing when nothing is configured', () => {
    expect(sourceChoices(settings({}))).toEqual([]);
  });
});

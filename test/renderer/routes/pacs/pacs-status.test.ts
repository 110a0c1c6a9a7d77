import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../../../../renderer/app/format';
import { listenerLine, pollingLine } from '../../../../renderer/routes/pacs/pacs-status';

describe('the PACS arrivals in words', () => {
  it('says when the DICOMweb server was polled and will be next', () => {
    expect(pollingLine({ enabled: false, lastPollAt: '2025-01-01T10:00:00Z', nextPollAt: null, lastError: null })).toBe('Polling is off.');
    expect(pollingLine({ enabled: true, lastPollAt: null, nextPollAt: null, lastError: null })).toBe('Polling the DICOMweb server: last poll not yet.');
    const last = '2025-01-01T10:00:00Z';
    const next = '2025-01-01T10:05:00Z';
    expect(pollingLine({ enabled: true, lastPollAt: last, nextPollAt: next, lastError: 'x' })).toBe(
      `Polling the DICOMweb server: last poll ${formatDateTime(last)}; next at ${formatDateTime(next)}.`,
    );
  });

  it('says what the listener does', () => {
    const listener = { running: true, port: 11112, aeTitle: 'PLEURA', associations: 1, received: 1, error: null };
    expect(listenerLine(listener)).toBe('Listening on port 11112 as PLEURA: 1 association open, 1 image received.');
    expect(listenerLine({ ...listener, associations: 0, received: 2500 })).toBe('Listening on port 11112 as PLEURA: 0 associations open, 2,500 images received.');
    expect(listenerLine({ ...listener, running: false, error: 'port in use' })).toBe('The listener is off.');
  });
});

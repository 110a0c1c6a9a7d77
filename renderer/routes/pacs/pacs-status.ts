// The PACS arrivals in words: when the DICOMweb server was polled and will be next, and what the C-STORE listener
// is doing. Their errors are shown apart, as warnings.
import type { PacsStatus } from '../../../main/api/contract';
import { formatDateTime, formatNumber } from '../../app/format';

export function pollingLine(polling: PacsStatus['polling']): string {
  if (!polling.enabled) return 'Polling is off.';
  const last = polling.lastPollAt ? formatDateTime(polling.lastPollAt) : 'not yet';
  const next = polling.nextPollAt ? `; next at ${formatDateTime(polling.nextPollAt)}` : '';
  return `Polling the DICOMweb server: last poll ${last}${next}.`;
}

export function listenerLine(listener: PacsStatus['listener']): string {
  if (!listener.running) return 'The listener is off.';
  const port = listener.port === null ? '' : ` on port ${listener.port}`;
  const associations = listener.associations === 1 ? '1 association open' : `${formatNumber(listener.associations)} associations open`;
  const received = listener.received === 1 ? '1 image received' : `${formatNumber(listener.received)} images received`;
  return `Listening${port} as ${listener.aeTitle}: ${associations}, ${received}.`;
}

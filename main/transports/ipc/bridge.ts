// What the preload exposes as `window.pleura`, and the names it accepts. Free of zod and Node so the sandboxed
// preload bundle stays tiny; `satisfies Record<…>` makes the type check fail when these lists and the contract
// differ in either direction.
import type { ApiEvent, ApiEvents, ApiMethod } from '../../api/contract';
import type { ApiOutcome } from '../../api/dispatch';

export const INVOKE_CHANNEL = 'pleura:invoke';
export const EVENT_CHANNEL = 'pleura:event';

export const bridgeMethods = Object.keys({
  'app.info': true,
  'app.pickFolder': true,
  'studies.scan': true,
  'studies.cancelScan': true,
  'studies.worklist': true,
  'studies.detail': true,
  'studies.fileErrors': true,
  'images.load': true,
  'training.start': true,
  'training.cancel': true,
  'training.resume': true,
  'training.status': true,
  'models.list': true,
  'models.promote': true,
  'models.discard': true,
  'models.restore': true,
  'quantize.start': true,
  'quantize.cancel': true,
  'quantize.status': true,
  'triage.start': true,
  'triage.cancel': true,
  'triage.status': true,
  'triage.images': true,
  'triage.overlay': true,
  'review.save': true,
  'audit.list': true,
  'audit.export': true,
  'exports.run': true,
  'settings.get': true,
  'settings.update': true,
  'system.info': true,
  'pacs.settings': true,
  'pacs.updateSettings': true,
  'pacs.setSecret': true,
  'pacs.test': true,
  'pacs.search': true,
  'pacs.retrieve': true,
  'pacs.push': true,
  'pacs.cancel': true,
  'pacs.status': true,
} satisfies Record<ApiMethod, true>) as ApiMethod[];

export const bridgeEvents = Object.keys({
  'scan.progress': true,
  'scan.done': true,
  'training.progress': true,
  'training.done': true,
  'quantize.progress': true,
  'quantize.done': true,
  'triage.progress': true,
  'triage.done': true,
  'worklist.changed': true,
  'pacs.progress': true,
} satisfies Record<ApiEvent, true>) as ApiEvent[];

/** `window.pleura` in the Electron renderer. Calls resolve to an outcome: Electron would strip a rejection's fields. */
export interface PleuraBridge {
  invoke(method: string, args: unknown): Promise<ApiOutcome>;
  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

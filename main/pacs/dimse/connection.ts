// One DIMSE connection, either side: dcmjs-dimse's Scp (its Network with overridable C-STORE streaming) with the
// bounds the library lacks. Both Pleura's SCP and its SCU use it — the SCU because a C-GET's instances come back as
// C-STORE requests on the same association, and only an Scp lets them be streamed to disk instead of into memory.
// Bounds: PDU and message sizes (PduGuard, on the raw bytes before the library sees them), an idle timeout of its
// own (the library's never fires on a server-side socket), and instances written to disk under a size cap.
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { classifyStatus, STATUS_OUT_OF_RESOURCES } from './dimse-status';
import { InstanceSink } from './instance-sink';
import { keepInstance, STATUS_NOT_AUTHORIZED, type Announced, type InstanceStore, type StoreOutcome } from './instance-store';
import { CStoreResponse, Dataset, Implementation, Scp, type CStoreRequestType, type CStoreResponseType, type DatasetType, type PresentationContextType } from './library';
import { part10Header } from './part10-meta';
import { PduGuard } from './pdu-guard';

const MAX_COMMAND_BYTES = 64 * 1024;
/** C-FIND identifiers and retrieve responses are kilobytes; a long Failed SOP Instance UID List some tens of them. */
const MAX_DATASET_BYTES = 1024 * 1024;
/** PS3.7 C.4.2.1.7: Error Comment is an LO, at most 64 characters. */
const ERROR_COMMENT_LENGTH = 64;

export interface ConnectionOptions {
  /** no byte from the peer for this long ends the connection */
  idleMs: number;
  /** where C-STORE data sets go; null refuses every one */
  storage: InstanceStore | null;
  /** the peer passed a limit or went quiet; the socket is already being destroyed */
  onCutOff(kind: 'too-large' | 'timeout', reason: string): void;
  /** each C-STORE answered, with what was announced and the outcome */
  onStoreOutcome?(announced: Announced, outcome: StoreOutcome): void;
}

export class DimseConnection extends Scp {
  /** the AE at the other end, for the log and for `InstanceStore.stored` */
  peerAeTitle = '';
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly sinks = new WeakMap<CStoreRequestType, InstanceSink>();
  private readonly openSinks = new Set<InstanceSink>();
  private readonly answering = new Set<Promise<void>>();

  constructor(
    readonly peerSocket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    // The library's own timers are a backstop at twice ours (and within setTimeout's 2^31 ms).
    const backstop = Math.min(2 * options.idleMs, 2 ** 31 - 1);
    super(peerSocket, { connectTimeout: backstop, associationTimeout: backstop, pduTimeout: backstop });
    const guard = new PduGuard({ maxPduLength: Implementation.getMaxPduLength(), maxCommandBytes: MAX_COMMAND_BYTES, maxDatasetBytes: MAX_DATASET_BYTES });
    peerSocket.prependListener('data', (chunk: Buffer) => {
      this.touch();
      const refusal = guard.inspect(chunk);
      if (refusal) this.cutOff('too-large', `the peer sent ${refusal}`);
    });
    peerSocket.once('close', () => {
      clearTimeout(this.idleTimer);
      for (const sink of this.openSinks) if (!sink.writableEnded) sink.destroy();
    });
    this.touch();
  }

  /** Restarts the idle clock (on every byte from the peer, and when the disk catches up with a paused socket). */
  touch(): void {
    clearTimeout(this.idleTimer);
    if (this.peerSocket.destroyed) return;
    this.idleTimer = setTimeout(() => this.cutOff('timeout', `nothing came from the peer for ${this.options.idleMs / 1000} s`), this.options.idleMs);
  }

  /** Resolves once every C-STORE under way has been answered or abandoned, its temporary file gone. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.answering, ...[...this.openSinks].map((sink) => sink.result)]);
  }

  private cutOff(kind: 'too-large' | 'timeout', reason: string): void {
    if (this.peerSocket.destroyed) return;
    this.peerSocket.destroy();
    this.options.onCutOff(kind, reason);
  }

  override createStoreWritableStream(context: PresentationContextType | undefined, request: CStoreRequestType): Writable {
    const storage = this.options.storage;
    const transferSyntaxUid = context?.getAcceptedTransferSyntaxUid();
    if (!storage || !transferSyntaxUid) return discardingStream();
    const header = part10Header({ sopClassUid: request.getAffectedSopClassUid(), sopInstanceUid: request.getAffectedSopInstanceUid(), transferSyntaxUid });
    const sink = new InstanceSink(storage.folder, header, storage.maxInstanceBytes, {
      pause: () => this.peerSocket.pause(),
      resume: () => {
        this.peerSocket.resume();
        this.touch();
      },
    });
    this.sinks.set(request, sink);
    this.openSinks.add(sink);
    void sink.result.finally(() => this.openSinks.delete(sink));
    return sink;
  }

  // The data set is on disk already: the library only needs some Dataset to hand to cStoreRequest.
  override createDatasetFromStoreWritableStream(_writable: Writable, context: PresentationContextType, callback: (dataset: DatasetType) => void): void {
    callback(new Dataset({}, context?.getAcceptedTransferSyntaxUid()));
  }

  override cStoreRequest(request: CStoreRequestType, callback: (response: CStoreResponseType) => void): void {
    const answered = this.answerStore(request).then((response) => {
      if (!this.peerSocket.destroyed) callback(response);
    });
    this.answering.add(answered);
    void answered.finally(() => this.answering.delete(answered));
  }

  private async answerStore(request: CStoreRequestType): Promise<CStoreResponseType> {
    const announced = { sopClassUid: request.getAffectedSopClassUid() ?? '', sopInstanceUid: request.getAffectedSopInstanceUid() ?? '' };
    const sink = this.sinks.get(request);
    const storage = this.options.storage;
    let outcome: StoreOutcome;
    try {
      outcome =
        sink && storage
          ? await keepInstance(await sink.result, announced, storage, this.peerAeTitle)
          : { status: STATUS_NOT_AUTHORIZED, comment: storage ? 'the C-STORE request carried no data set' : 'this association does not take instances' };
    } catch (error) {
      outcome = { status: STATUS_OUT_OF_RESOURCES, comment: `cannot keep the instance: ${(error as Error).message}` };
    }
    this.options.onStoreOutcome?.(announced, outcome);
    const response = CStoreResponse.fromRequest(request);
    response.setStatus(outcome.status);
    if (classifyStatus(outcome.status) === 'failure') response.setErrorComment(outcome.comment.slice(0, ERROR_COMMENT_LENGTH));
    return response;
  }
}

/** For C-STORE data sets nobody asked for: counted by the guard, kept by no one. */
function discardingStream(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

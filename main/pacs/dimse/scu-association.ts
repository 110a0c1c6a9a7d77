// One association Pleura opens as an SCU, as an object to await: open (connect and negotiate), run requests, release.
// Whatever goes wrong on the way — refused connection, rejection, a peer's A-ABORT, silence, a limit passed, the
// caller's AbortSignal — fails the wait under way with a PacsError and ends the connection; close() always leaves
// nothing open.
import { connect } from 'node:net';
import { PacsError } from '../pacs-error';
import type { DimsePeer } from '../peers';
import { DimseConnection } from './connection';
import type { Announced, InstanceStore, StoreOutcome } from './instance-store';
import { Association, constants, type AssociationType, type CFindRequestType, type CGetRequestType, type CMoveRequestType, type RequestType, type ResponseType } from './library';
import { rejectionError, type Rejection } from './rejection';
import { sopClassName } from './syntaxes';

export const DEFAULT_CALLING_AE_TITLE = 'PLEURA';
const DEFAULT_TIMEOUT_MS = 30_000;

export interface ProposedContext {
  abstractSyntax: string;
  transferSyntaxes: string[];
  /** propose that the peer may call us as SCP of this class (the storage classes of a C-GET, PS3.7 D.3.3.4) */
  scpRole?: boolean;
}

export interface OpenOptions {
  contexts: ProposedContext[];
  /** where C-STORE sub-operations (C-GET) go; none are taken without it */
  storage?: InstanceStore;
  onStoreOutcome?(announced: Announced, outcome: StoreOutcome): void;
  signal?: AbortSignal;
}

export class ScuAssociation {
  /** "ORTHANC at 127.0.0.1:4242", for messages */
  readonly where: string;
  private readonly connection: DimseConnection;
  private readonly association: AssociationType;
  private readonly failed: Promise<never>;
  private failure: PacsError | null = null;
  private fail!: (error: PacsError) => void;
  private releasing = false;
  private readonly closed: Promise<void>;
  private established = false;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbortSignal = () => this.end(new PacsError('cancelled', `cancelled while talking to ${this.where}`), true);

  private constructor(
    private readonly peer: DimsePeer,
    options: OpenOptions,
  ) {
    this.where = `${peer.aeTitle} at ${peer.host}:${peer.port}`;
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failed.catch(() => undefined);
    const socket = connect({ host: peer.host, port: peer.port });
    // Registered before the library's own listeners, so a socket's failure is told as the connection failure it is.
    socket.on('error', (error: NodeJS.ErrnoException) => this.end(new PacsError('connection', `cannot reach ${this.where}: ${error.code ?? error.message}`)));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    const idleMs = peer.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.connection = new DimseConnection(socket, {
      idleMs,
      storage: options.storage ?? null,
      onCutOff: (kind, reason) =>
        this.end(new PacsError(kind === 'timeout' ? 'connection' : 'too-large', kind === 'timeout' ? `${this.where} did not answer: ${reason}` : `${this.where}: ${reason}`)),
      onStoreOutcome: options.onStoreOutcome,
    });
    this.connection.peerAeTitle = peer.aeTitle;
    this.association = new Association(this.callingAeTitle, peer.aeTitle);
    const roleProposed = new Set<string>();
    for (const context of options.contexts) {
      const id = this.association.addPresentationContext(context.abstractSyntax);
      for (const syntax of context.transferSyntaxes) this.association.addTransferSyntaxToPresentationContext(id, syntax);
      // One role item per SOP class (PS3.7 D.3.3.4); the library writes one for each context that has a role set.
      if (context.scpRole && !roleProposed.has(context.abstractSyntax)) {
        this.association.getPresentationContext(id).setProviderRole(true);
        roleProposed.add(context.abstractSyntax);
      }
    }
    this.connection.on('networkError', (error: Error) => this.end(new PacsError('protocol', `${this.where}: ${error.message}`), true));
    // Orthanc, for one, aborts rather than answer a request from a calling AE it does not know.
    this.connection.on('abort', () =>
      this.end(new PacsError('refused', `${this.where} aborted the association (a PACS does this when it does not accept "${this.callingAeTitle}" or the request)`)),
    );
    this.connection.on('associationRejected', (rejection: Rejection) => this.end(rejectionError(rejection, peer.aeTitle, this.callingAeTitle, this.where)));
    this.connection.on('associationReleaseResponse', () => socket.end());
    this.connection.on('close', () => {
      if (!this.releasing) this.end(new PacsError('connection', `${this.where} closed the connection before the association ended`));
    });
    this.connection.on('connect', () => this.connection.sendAssociationRequest(this.association));
    this.connection.once('associationAccepted', () => {
      this.established = true;
    });
    this.signal = options.signal;
    this.signal?.addEventListener('abort', this.onAbortSignal, { once: true });
  }

  /** Connects and negotiates; rejects with a PacsError (the socket closed) where that fails. */
  static async open(peer: DimsePeer, options: OpenOptions): Promise<ScuAssociation> {
    const association = new ScuAssociation(peer, options);
    if (options.signal?.aborted) association.onAbortSignal();
    const accepted = new Promise<void>((resolve) => association.connection.once('associationAccepted', () => resolve()));
    try {
      await Promise.race([accepted, association.failed]);
    } catch (error) {
      association.close();
      throw error;
    }
    return association;
  }

  /** Neither released nor ended by an error or close(). */
  get isOpen(): boolean {
    return !this.releasing;
  }

  get callingAeTitle(): string {
    return this.peer.callingAeTitle ?? DEFAULT_CALLING_AE_TITLE;
  }

  /** Whether the peer accepted a context for this class (in this transfer syntax, where one is named). */
  accepts(abstractSyntax: string, transferSyntax?: string): boolean {
    return this.association.getPresentationContexts().some(
      ({ context }) =>
        context.getAbstractSyntaxUid() === abstractSyntax &&
        context.getResult() === constants.PresentationContextResult.Accept &&
        (transferSyntax === undefined || context.getAcceptedTransferSyntaxUid() === transferSyntax),
    );
  }

  /** Throws the 'refused' error that says the peer does not offer this service. */
  require(abstractSyntax: string): void {
    if (!this.accepts(abstractSyntax)) throw new PacsError('refused', `${this.where} does not offer ${sopClassName(abstractSyntax)} to "${this.callingAeTitle}"`);
  }

  /** Sends the requests one after the other; resolves once each has had its last response. */
  async run(requests: RequestType[]): Promise<void> {
    if (requests.length === 0) return;
    const done = new Promise<void>((resolve) => this.connection.once('done', () => resolve()));
    this.connection.sendRequests(requests);
    await Promise.race([done, this.failed]);
  }

  /** Asks the peer to stop a C-FIND, C-MOVE or C-GET; its last response (status Cancel) still ends `run`. */
  cancel(request: CFindRequestType | CGetRequestType | CMoveRequestType): void {
    this.connection.sendCancel(request);
  }

  /** Restarts the idle clock: a C-MOVE's association is quiet while its instances arrive on another one. */
  touch(): void {
    this.connection.touch();
  }

  /** Ends the association politely, waiting for the peer's answer. */
  async release(): Promise<void> {
    if (this.failure) throw this.failure;
    this.releasing = true;
    this.connection.sendAssociationReleaseRequest();
    await Promise.race([this.closed, this.failed]);
    await this.connection.settled();
  }

  /** Aborts whatever is still open; harmless after release. */
  close(): void {
    this.end(new PacsError('cancelled', `the association with ${this.where} was closed`), true);
  }

  /** Fails what is awaited with `error` (the first error wins) and ends the connection, with an A-ABORT first where Pleura is the one ending it. */
  private end(error: PacsError, notifyPeer = false): void {
    const socket = this.connection.peerSocket;
    if (!this.failure && !this.releasing) {
      this.failure = error;
      this.fail(error);
    }
    this.releasing = true;
    this.signal?.removeEventListener('abort', this.onAbortSignal);
    if (socket.destroyed) return;
    if (notifyPeer && this.established) this.connection.sendAbort();
    socket.destroy();
  }
}

/** Opens an association, hands it to `use`, releases it where `use` left it open, and always closes it. */
export async function withAssociation<T>(peer: DimsePeer, options: OpenOptions, use: (association: ScuAssociation) => Promise<T>): Promise<T> {
  const association = await ScuAssociation.open(peer, options);
  try {
    const result = await use(association);
    // Everything asked for has been answered: a peer that then fails the release costs only its own politeness.
    if (association.isOpen) await association.release().catch(() => undefined);
    return result;
  } finally {
    association.close();
  }
}

/** The last response a request got, for `run`'s caller to read its status: the final one once `run` resolved. */
export function lastResponse<T extends ResponseType>(request: RequestType, onEach?: (response: T) => void): () => T | undefined {
  let last: T | undefined;
  request.on('response', (response: T) => {
    last = response;
    onEach?.(response);
  });
  return () => last;
}

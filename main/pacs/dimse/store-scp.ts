// Pleura's C-STORE SCP: what modalities and PACSs send, kept as files, one folder per study. Its own TCP server, not
// dcmjs-dimse's Server, which listens on every interface and has no limit on associations: this one binds to
// loopback unless told otherwise and refuses, with the standard's words, a called AE that is not its own, a calling
// AE not on the list, and associations past the limit (PS3.8 9.3.4). C-ECHO is answered; storage is negotiated only
// for the classes and transfer syntaxes in syntaxes.ts.
import { mkdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { uidFileStem } from '../../fs/contained-path';
import { PacsError } from '../pacs-error';
import { MAX_INSTANCE_BYTES } from '../peers';
import { DimseConnection } from './connection';
import { classifyStatus, describeStatus } from './dimse-status';
import type { Announced, InstanceStore, ReceivedInstance, StoreOutcome } from './instance-store';
import { CEchoResponse, constants, type AssociationType, type CEchoRequestType, type CEchoResponseType } from './library';
import { rejectionReason } from './rejection';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from '../../studies/dicom/transfer-syntax';
import { acceptedTransferSyntaxes, VERIFICATION } from './syntaxes';

/** A peer that sends nothing for this long is disconnected. */
const IDLE_MS = 60_000;
/** Connections past the association limit still get a rejection they can read; past this many more, none at all. */
const REFUSAL_HEADROOM = 16;

export interface StoredInfo {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string;
  callingAeTitle: string;
}

export interface StoreScpOptions {
  port: number;
  /** 127.0.0.1 unless an administrator opens it ('0.0.0.0') */
  host?: string;
  aeTitle: string;
  into: string;
  maxAssociations: number;
  /** default MAX_INSTANCE_BYTES */
  maxInstanceBytes?: number;
  /** calling AE titles let in; null or absent lets any in */
  allowedCallingAeTitles?: string[] | null;
  /** once the file is in place; the sender hears "success" when this settles, so queue work here, do not do it */
  onStored: (file: string, info: StoredInfo) => void | Promise<void>;
  log?: (line: string) => void;
}

export interface StoreScp {
  port: number;
  /** associations open now */
  associations(): number;
  /** instances stored since it started */
  received(): number;
  close(): Promise<void>;
}

/** Files as `<into>/<study>/<SOP instance>.dcm`. */
export async function startStoreScp(options: StoreScpOptions): Promise<StoreScp> {
  return listenForInstances({
    ...options,
    place: (instance) => ({ relative: `${uidFileStem(instance.studyInstanceUid)}/${uidFileStem(instance.sopInstanceUid)}.dcm` }),
  });
}

export interface ListenOptions extends Omit<StoreScpOptions, 'onStored'> {
  place: InstanceStore['place'];
  onStored?: StoreScpOptions['onStored'];
  /** on every byte any peer sends (a C-MOVE's SCU keeps its own association alive with it) */
  onActivity?: () => void;
  onStoreOutcome?: (announced: Announced, outcome: StoreOutcome) => void;
}

/** The SCP with a placement of the caller's (retrieve.ts puts a C-MOVE's instances flat in one folder). */
export async function listenForInstances(options: ListenOptions): Promise<StoreScp> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  await mkdir(options.into, { recursive: true });
  const state = { open: 0, received: 0 };
  const store: InstanceStore = {
    folder: options.into,
    maxInstanceBytes: options.maxInstanceBytes ?? MAX_INSTANCE_BYTES,
    place: options.place,
    async stored(file, instance, callingAeTitle) {
      state.received += 1;
      try {
        await options.onStored?.(file, { ...instance, callingAeTitle });
      } catch (error) {
        log(`pacs listen: handling ${file} failed after it was stored: ${(error as Error).message}`);
      }
    },
  };
  const connections = new Set<StoreScpConnection>();
  const server = createServer((socket) => {
    const connection = new StoreScpConnection(socket, { ...options, store, state, log });
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
    if (options.onActivity) socket.on('data', options.onActivity);
  });
  server.maxConnections = options.maxAssociations + REFUSAL_HEADROOM;
  const port = await listen(server, options.port, host);
  log(`pacs listen: ${options.aeTitle} listening on ${host}:${port} (at most ${options.maxAssociations} associations)`);
  return {
    port,
    associations: () => state.open,
    received: () => state.received,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections) connection.peerSocket.destroy();
      await Promise.all([closed, ...[...connections].map((connection) => connection.settled())]);
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is in use (another SCP, or Pleura listening already)' : (error.code ?? error.message);
      reject(new PacsError('connection', `cannot listen for DICOM on ${host}:${port}: ${why}`));
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

interface ConnectionSetup extends ListenOptions {
  store: InstanceStore;
  state: { open: number; received: number };
  log: (line: string) => void;
}

class StoreScpConnection extends DimseConnection {
  private counted = false;
  private readonly from: string;

  constructor(socket: Socket, private readonly setup: ConnectionSetup) {
    const from = `${socket.remoteAddress}:${socket.remotePort}`;
    super(socket, {
      idleMs: IDLE_MS,
      storage: setup.store,
      onCutOff: (_kind, reason) => setup.log(`pacs listen: cut off ${this.who()}: ${reason}`),
      onStoreOutcome: (announced, outcome) => {
        this.logOutcome(announced, outcome);
        setup.onStoreOutcome?.(announced, outcome);
      },
    });
    this.from = from;
    this.on('networkError', (error: Error) => {
      setup.log(`pacs listen: ${this.who()}: ${error.message}`);
      socket.destroy();
    });
    // An association counts as open until what it left half-written is gone, so "none open" means a clean folder.
    socket.once('close', () => {
      if (!this.counted) return;
      void this.settled().then(() => {
        setup.state.open -= 1;
        setup.log(`pacs listen: association from ${this.who()} ended (${setup.state.open} open)`);
      });
    });
  }

  private who(): string {
    return this.peerAeTitle ? `"${this.peerAeTitle}" at ${this.from}` : this.from;
  }

  override associationRequested(association: AssociationType): void {
    if (this.counted) {
      this.setup.log(`pacs listen: cut off ${this.who()}: a second association request on one connection`);
      this.peerSocket.destroy();
      return;
    }
    this.peerAeTitle = association.getCallingAeTitle();
    const { RejectResult, RejectSource, RejectReason } = constants;
    const allowed = this.setup.allowedCallingAeTitles;
    const called = association.getCalledAeTitle();
    let rejection: { result: number; source: number; reason: number } | null = null;
    if (called !== this.setup.aeTitle) {
      rejection = { result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.CalledAeNotRecognized };
    } else if (allowed && !allowed.includes(this.peerAeTitle)) {
      rejection = { result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.CallingAeNotRecognized };
    } else if (this.setup.state.open >= this.setup.maxAssociations) {
      rejection = { result: RejectResult.Transient, source: RejectSource.ServiceProviderPresentation, reason: RejectReason.LocalLimitExceeded };
    }
    if (rejection) {
      this.setup.log(`pacs listen: rejected the association from ${this.who()} to "${called}": ${rejectionReason(rejection)}`);
      this.sendAssociationReject(rejection.result, rejection.source, rejection.reason);
      this.peerSocket.end();
      return;
    }
    negotiate(association);
    this.counted = true;
    this.setup.state.open += 1;
    this.setup.log(`pacs listen: accepted the association from ${this.who()} to "${called}" (${this.setup.state.open} open)`);
    this.sendAssociationAccept();
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }

  override cEchoRequest(request: CEchoRequestType, callback: (response: CEchoResponseType) => void): void {
    const response = CEchoResponse.fromRequest(request);
    response.setStatus(0);
    callback(response);
  }

  override abort(): void {
    this.setup.log(`pacs listen: ${this.who()} aborted the association`);
    this.peerSocket.destroy();
  }

  private logOutcome(announced: Announced, outcome: StoreOutcome): void {
    const instance: ReceivedInstance | undefined = outcome.instance;
    if (classifyStatus(outcome.status) !== 'failure' && instance) {
      this.setup.log(`pacs listen: stored ${instance.sopInstanceUid} of study ${instance.studyInstanceUid} from ${this.who()}`);
    } else {
      this.setup.log(`pacs listen: refused ${announced.sopInstanceUid || 'an instance'} from ${this.who()}: ${describeStatus(outcome.status, outcome.comment)}`);
    }
  }
}

/** Accepts Verification and Pleura's storage classes, each in the first transfer syntax the peer offers that Pleura reads. */
function negotiate(association: AssociationType): void {
  const { PresentationContextResult } = constants;
  for (const { context } of association.getPresentationContexts()) {
    const abstractSyntax = context.getAbstractSyntaxUid();
    const acceptable = abstractSyntax === VERIFICATION ? [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN] : acceptedTransferSyntaxes(abstractSyntax);
    const chosen = context.getTransferSyntaxUids().find((syntax) => acceptable.includes(syntax));
    if (acceptable.length === 0) context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
    else if (chosen) context.setResult(PresentationContextResult.Accept, chosen);
    else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
  }
}

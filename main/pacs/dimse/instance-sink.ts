// A C-STORE data set as it arrives, written straight to a hidden temporary file behind its Part 10 header: memory
// holds a PDU or two whatever the instance's size, and an instance past the cap is counted to its end (the peer
// still needs its answer) but no longer kept. The sink never emits 'error' — dcmjs-dimse, which writes to it, does
// not listen for one — it records what went wrong for `result` instead.
import { randomUUID } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';

export type SinkResult =
  | { kind: 'written'; file: string; bytes: number }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'failed'; reason: string };

/** The socket the bytes come from: paused while the disk falls behind, so the backlog stays bounded. */
export interface Flow {
  pause(): void;
  resume(): void;
}

const BACKLOG_BYTES = 4 * 1024 * 1024;

export class InstanceSink extends Writable {
  /** the temporary file: hidden, so a scan of the folder never lists it */
  readonly file: string;
  /** settles when the data set has ended (end()) or the sink was abandoned (destroy()) */
  readonly result: Promise<SinkResult>;
  private readonly handle: Promise<FileHandle | null>;
  private bytes = 0;
  private state: 'writing' | 'too-large' | 'failed' = 'writing';
  private failure = '';
  private discarded: Promise<void> | null = null;
  private paused = false;

  constructor(
    folder: string,
    header: Uint8Array,
    private readonly maxBytes: number,
    private readonly flow: Flow,
  ) {
    // Destroyed only when abandoned: an automatic destroy after 'finish' would delete the file before it is committed.
    super({ highWaterMark: BACKLOG_BYTES, autoDestroy: false });
    this.file = path.join(folder, `.incoming-${randomUUID()}.partial`);
    this.handle = this.create(header);
    // ('drain' never comes once end() was called, and the data set's last bytes usually come with it.)
    this.on('drain', () => this.catchUp());
    this.result = new Promise((resolve) => {
      this.once('finish', () => resolve(this.outcome()));
      this.once('close', () => resolve(this.outcome('the association ended before the data set did')));
    });
    void this.result.then(() => this.catchUp());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    if (this.writableLength >= this.writableHighWaterMark && !this.paused) {
      this.paused = true;
      this.flow.pause();
    }
    this.bytes += chunk.length;
    if (this.state === 'writing' && this.bytes > this.maxBytes) this.state = 'too-large';
    if (this.state !== 'writing') {
      this.discard().finally(done);
      return;
    }
    this.handle
      .then((handle) => handle?.write(chunk))
      .catch((error: Error) => this.fail(`cannot write ${this.file}: ${error.message}`))
      .finally(done);
  }

  override _final(done: () => void): void {
    if (this.state !== 'writing') {
      this.discard().finally(done);
      return;
    }
    this.handle
      .then((handle) => handle?.close())
      .catch((error: Error) => {
        this.fail(`cannot close ${this.file}: ${error.message}`);
        return this.discard();
      })
      .finally(done);
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.discard().finally(() => done(error));
  }

  private async create(header: Uint8Array): Promise<FileHandle | null> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.file, 'wx');
      await handle.write(header);
      return handle;
    } catch (error) {
      this.fail(`cannot write ${this.file}: ${(error as Error).message}`);
      await handle?.close().catch(() => undefined);
      await rm(this.file, { force: true }).catch(() => undefined);
      return null;
    }
  }

  private catchUp(): void {
    if (!this.paused) return;
    this.paused = false;
    this.flow.resume();
  }

  private fail(reason: string): void {
    if (this.state !== 'writing') return;
    this.state = 'failed';
    this.failure = reason;
  }

  /** Closes and deletes the temporary file, once. */
  private discard(): Promise<void> {
    this.discarded ??= this.handle.then(async (handle) => {
      await handle?.close().catch(() => undefined);
      await rm(this.file, { force: true }).catch(() => undefined);
    });
    return this.discarded;
  }

  private outcome(interrupted?: string): SinkResult {
    if (this.state === 'too-large') return { kind: 'too-large', bytes: this.bytes };
    if (this.state === 'failed') return { kind: 'failed', reason: this.failure };
    if (interrupted) return { kind: 'failed', reason: interrupted };
    return { kind: 'written', file: this.file, bytes: this.bytes };
  }
}

// multipart/related as DICOMweb uses it (RFC 2046, 2387): WADO-RS answers with it and STOW-RS sends it. The parser
// is push-driven and keeps at most one delimiter's worth of bytes besides the headers it is reading, so a part's body
// goes to its sink as it arrives, whatever its size.
import { PacsError } from '../pacs-error';

const CRLF = Buffer.from('\r\n');
const [CR, LF, HYPHEN, SPACE, TAB] = [0x0d, 0x0a, 0x2d, 0x20, 0x09];
/** Transport padding (spaces, tabs) allowed after a delimiter before its CRLF. */
const MAX_PADDING = 64;
/** A part's header block; DICOMweb parts carry two or three short headers. */
const MAX_HEADER_BYTES = 16 * 1024;
/** Bytes before the first delimiter that are skipped before the body is declared not multipart. */
const MAX_PREAMBLE_BYTES = 64 * 1024;

/** The boundary parameter of a multipart Content-Type (quoted or not), or null when it is not multipart/related. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType) return null;
  const [type, ...parameters] = contentType.split(';');
  if (type.trim().toLowerCase() !== 'multipart/related') return null;
  for (const parameter of parameters) {
    const match = /^\s*boundary\s*=\s*(?:"([^"]*)"|([^\s";]+))\s*$/i.exec(parameter);
    if (!match) continue;
    const boundary = match[1] ?? match[2];
    // RFC 2046: 1 to 70 characters.
    return boundary.length >= 1 && boundary.length <= 70 ? boundary : null;
  }
  return null;
}

export interface MultipartHandler {
  /** a part begins; header names are lower-case */
  partStart(headers: Map<string, string>): void | Promise<void>;
  /** the next bytes of the current part's body */
  partData(chunk: Uint8Array): void | Promise<void>;
  partEnd(): void | Promise<void>;
}

type State = 'preamble' | 'delimiter' | 'headers' | 'body' | 'done';

function protocol(message: string): PacsError {
  return new PacsError('protocol', `malformed multipart response: ${message}`);
}

/**
 * A streaming multipart/related parser: write() the body's chunks in order, then end(). Throws PacsError 'protocol'
 * for what is not multipart (no delimiter, oversized headers, no closing delimiter). After the closing delimiter,
 * `done` is true and the rest (the epilogue) is ignored: the caller may stop reading.
 */
export class MultipartParser {
  private state: State = 'preamble';
  // Unconsumed bytes. The stream is read as if it began with CRLF, so the first delimiter needs no special case.
  private pending: Buffer = Buffer.from(CRLF);
  private skipped = 0;
  private readonly delimiter: Buffer;

  constructor(
    boundary: string,
    private readonly handler: MultipartHandler,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  }

  get done(): boolean {
    return this.state === 'done';
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.state === 'done') return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (!this.done && (await this.step())) {
      // each step consumed something; go on while there is enough to decide
    }
  }

  async end(): Promise<void> {
    if (this.state !== 'done') throw protocol('the body ended before the closing boundary');
  }

  /** One transition; false when more bytes are needed. */
  private async step(): Promise<boolean> {
    switch (this.state) {
      case 'preamble':
      case 'body':
        return this.scanForDelimiter();
      case 'delimiter':
        return this.readDelimiterEnd();
      case 'headers':
        return this.readHeaders();
      default:
        return false;
    }
  }

  /** Finds the next delimiter; the body bytes before it (or the preamble) are passed on (or dropped) as they come. */
  private async scanForDelimiter(): Promise<boolean> {
    let from = 0;
    for (;;) {
      const at = this.pending.indexOf(this.delimiter, from);
      if (at < 0) {
        // Keep what could be the start of a delimiter split across chunks.
        await this.emit(this.pending.length - (this.delimiter.length - 1));
        return false;
      }
      const verdict = this.delimiterFollows(at + this.delimiter.length);
      if (verdict === 'unknown') {
        await this.emit(at);
        return false;
      }
      if (verdict === 'yes') {
        await this.emit(at);
        this.pending = this.pending.subarray(this.delimiter.length);
        if (this.state === 'body') await this.handler.partEnd();
        this.state = 'delimiter';
        return true;
      }
      // A boundary-like string inside the data: not followed by "--" or padding and CRLF.
      from = at + 1;
    }
  }

  /** Passes on (body) or drops (preamble) the first `count` pending bytes. */
  private async emit(count: number): Promise<void> {
    if (count <= 0) return;
    const bytes = this.pending.subarray(0, count);
    this.pending = this.pending.subarray(count);
    if (this.state === 'body') {
      await this.handler.partData(bytes);
      return;
    }
    this.skipped += count;
    if (this.skipped > MAX_PREAMBLE_BYTES) throw protocol('no boundary delimiter found');
  }

  /** Whether the bytes at `at` end a delimiter line: "--", or padding then CRLF. */
  private delimiterFollows(at: number): 'yes' | 'no' | 'unknown' {
    const rest = this.pending.subarray(at, at + MAX_PADDING + 2);
    if (rest[0] === HYPHEN) {
      if (rest.length < 2) return 'unknown';
      return rest[1] === HYPHEN ? 'yes' : 'no';
    }
    let k = 0;
    while (k < rest.length && (rest[k] === SPACE || rest[k] === TAB)) k++;
    if (k === rest.length) return rest.length === MAX_PADDING + 2 ? 'no' : 'unknown';
    if (rest[k] !== CR) return 'no';
    if (k + 1 === rest.length) return 'unknown';
    return rest[k + 1] === LF ? 'yes' : 'no';
  }

  /** After a delimiter: "--" closes the body, padding and CRLF open a part. */
  private readDelimiterEnd(): boolean {
    if (this.pending[0] === HYPHEN) {
      this.state = 'done';
      this.pending = Buffer.alloc(0);
      return false;
    }
    const crlf = this.pending.indexOf(CRLF);
    if (crlf < 0) return false;
    this.pending = this.pending.subarray(crlf + 2);
    this.state = 'headers';
    return true;
  }

  private async readHeaders(): Promise<boolean> {
    // A part may have no headers at all: its header block is then the empty line alone.
    const end = this.pending.subarray(0, 2).equals(CRLF) ? 0 : this.pending.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.pending.length > MAX_HEADER_BYTES) throw protocol('part headers too long');
      return false;
    }
    if (end > MAX_HEADER_BYTES) throw protocol('part headers too long');
    const headers = parseHeaders(this.pending.subarray(0, end).toString('latin1'));
    this.pending = this.pending.subarray(end === 0 ? 2 : end + 4);
    this.state = 'body';
    await this.handler.partStart(headers);
    return true;
  }
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  if (!block) return headers;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw protocol(`bad part header line "${line.slice(0, 40)}"`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

export interface OutgoingPart {
  contentType: string;
  body: Uint8Array;
}

/**
 * The chunks of a multipart/related body (to send as a Blob, without copying the parts into one buffer). Throws if
 * the boundary occurs in a part, which a random boundary makes practically impossible.
 */
export function multipartBody(parts: readonly OutgoingPart[], boundary: string): Uint8Array[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    if (Buffer.from(part.body.buffer, part.body.byteOffset, part.body.byteLength).indexOf(delimiter) >= 0) {
      throw new Error('the multipart boundary occurs in a part');
    }
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${part.contentType}\r\n\r\n`, 'latin1'), part.body, CRLF);
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return chunks;
}

// dcmjs-dimse buffers whatever a peer declares: a whole PDU of any length before parsing it, and every DIMSE message
// but a C-STORE data set in memory until its last fragment. So a hostile peer could make it allocate gigabytes with
// one header. The guard reads the same bytes first, keeping only PDU and item framing and the command being received
// (at most a few KiB), and names the first limit the peer passes so the connection is cut before the library
// allocates past it. C-STORE data sets are not bounded here: the connection streams them to disk under its own cap.

const P_DATA_TF = 0x04;
const PDU_HEADER = 6;
/** item length (4), presentation context ID (1), message control header (1): PS3.8 9.3.5.1 */
const PDV_HEADER = 6;
const C_STORE_RQ = 0x0001;
const COMMAND_FIELD_ELEMENT = 0x0100;

export interface PduLimits {
  /** the longest PDU accepted: the maximum length this side announces (PS3.8 D.1) */
  maxPduLength: number;
  /** command sets are a few hundred bytes */
  maxCommandBytes: number;
  /** the data set of any message but a C-STORE request (a C-FIND identifier, a C-GET response's failed UID list) */
  maxDatasetBytes: number;
}

export class PduGuard {
  private readonly pduHeader = new Uint8Array(PDU_HEADER);
  private pduHeaderFilled = 0;
  private pduRemaining = 0;
  private inPData = false;
  private readonly itemHeader = new Uint8Array(PDV_HEADER);
  private itemHeaderFilled = 0;
  private valueRemaining = 0;
  private inValue = false;
  private fragmentIsCommand = false;
  private fragmentIsLast = false;
  private command: Uint8Array[] = [];
  private commandBytes = 0;
  private datasetBytes = 0;
  private datasetCap: number;

  constructor(private readonly limits: PduLimits) {
    this.datasetCap = limits.maxDatasetBytes;
  }

  /** Feeds bytes in the order they arrive; returns why the peer must be cut off, or null while it keeps within the limits. */
  inspect(chunk: Uint8Array): string | null {
    let offset = 0;
    while (offset < chunk.length) {
      const available = chunk.length - offset;
      if (this.pduRemaining === 0) {
        const take = Math.min(PDU_HEADER - this.pduHeaderFilled, available);
        this.pduHeader.set(chunk.subarray(offset, offset + take), this.pduHeaderFilled);
        this.pduHeaderFilled += take;
        offset += take;
        if (this.pduHeaderFilled < PDU_HEADER) continue;
        this.pduHeaderFilled = 0;
        const length = readUint32(this.pduHeader, 2);
        if (length > this.limits.maxPduLength) {
          return `a PDU of ${length} bytes, past the ${this.limits.maxPduLength}-byte maximum PDU length announced to the peer`;
        }
        this.pduRemaining = length;
        this.inPData = this.pduHeader[0] === P_DATA_TF;
        continue;
      }
      if (!this.inPData) {
        const skip = Math.min(this.pduRemaining, available);
        this.pduRemaining -= skip;
        offset += skip;
        continue;
      }
      if (!this.inValue) {
        if (this.itemHeaderFilled === 0 && this.pduRemaining < PDV_HEADER) return 'a P-DATA item header that runs past the end of its PDU';
        const take = Math.min(PDV_HEADER - this.itemHeaderFilled, available);
        this.itemHeader.set(chunk.subarray(offset, offset + take), this.itemHeaderFilled);
        this.itemHeaderFilled += take;
        this.pduRemaining -= take;
        offset += take;
        if (this.itemHeaderFilled < PDV_HEADER) continue;
        this.itemHeaderFilled = 0;
        const itemLength = readUint32(this.itemHeader, 0);
        if (itemLength < 2 || itemLength - 2 > this.pduRemaining) return `a P-DATA item of ${itemLength} bytes in a PDU with ${this.pduRemaining + 2} left`;
        const control = this.itemHeader[5];
        this.fragmentIsCommand = (control & 0x01) !== 0;
        this.fragmentIsLast = (control & 0x02) !== 0;
        this.valueRemaining = itemLength - 2;
        this.inValue = true;
      }
      const take = Math.min(this.valueRemaining, chunk.length - offset);
      const refusal = this.count(chunk.subarray(offset, offset + take));
      if (refusal) return refusal;
      this.valueRemaining -= take;
      this.pduRemaining -= take;
      offset += take;
      if (this.valueRemaining === 0) {
        this.inValue = false;
        if (this.fragmentIsLast) this.endMessagePart();
      }
    }
    return null;
  }

  private count(bytes: Uint8Array): string | null {
    if (this.fragmentIsCommand) {
      this.commandBytes += bytes.length;
      if (this.commandBytes > this.limits.maxCommandBytes) return `a DIMSE command of more than ${this.limits.maxCommandBytes} bytes`;
      this.command.push(bytes.slice());
      return null;
    }
    this.datasetBytes += bytes.length;
    if (this.datasetBytes > this.datasetCap) return `a DIMSE data set of more than ${this.datasetCap} bytes in a message that is not a C-STORE request`;
    return null;
  }

  private endMessagePart(): void {
    if (this.fragmentIsCommand) {
      const field = commandField(concat(this.command));
      this.datasetCap = field === C_STORE_RQ ? Infinity : this.limits.maxDatasetBytes;
      this.command = [];
      this.commandBytes = 0;
    } else {
      this.datasetBytes = 0;
    }
  }
}

/** Command Field (0000,0100) of a command set (always implicit VR little endian, PS3.7 6.3.1), if it has one. */
export function commandField(command: Uint8Array): number | undefined {
  const view = new DataView(command.buffer, command.byteOffset, command.byteLength);
  for (let position = 0; position + 8 <= command.length; ) {
    const group = view.getUint16(position, true);
    const element = view.getUint16(position + 2, true);
    const length = view.getUint32(position + 4, true);
    if (group === 0 && element === COMMAND_FIELD_ELEMENT) return length === 2 && position + 10 <= command.length ? view.getUint16(position + 8, true) : undefined;
    position += 8 + length;
  }
  return undefined;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

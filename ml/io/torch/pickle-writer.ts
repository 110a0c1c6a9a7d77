/**
 * Writes pickle protocol 2, the subset torch.save emits for a state_dict and that both torch.load(weights_only=True)
 * and Pleura's own unpickler (pickle.ts) accept. No memo: a repeated global or string is simply written again — a
 * valid pickle, a few bytes longer than Python's, and one that cannot refer to anything by a wrong slot.
 */
export class PickleWriter {
  private chunks: Uint8Array[] = [];
  private pending: number[] = [];

  constructor() {
    this.op(0x80, 2); // PROTO 2
  }

  /** Python's `module.name`, pushed as the object itself (GLOBAL). */
  global(module: string, name: string): this {
    if (/\n/.test(module + name)) throw new Error(`pickle: a global name cannot hold a newline: ${module}.${name}`);
    this.op(0x63);
    return this.raw(new TextEncoder().encode(`${module}\n${name}\n`));
  }

  string(value: string): this {
    const utf8 = new TextEncoder().encode(value);
    this.op(0x58, ...u32(utf8.length)); // BINUNICODE
    return this.raw(utf8);
  }

  /** A Python int in 32 bits; larger ones are not needed for element counts Pleura can hold. */
  int(value: number): this {
    if (!Number.isInteger(value)) throw new Error(`pickle: ${value} is not an integer`);
    if (value >= 0 && value < 0x100) return this.op(0x4b, value); // BININT1
    if (value >= 0 && value < 0x10000) return this.op(0x4d, value & 0xff, value >>> 8); // BININT2
    if (value >= -(2 ** 31) && value < 2 ** 31) return this.op(0x4a, ...u32(value >>> 0)); // BININT
    throw new Error(`pickle: ${value} does not fit in 32 bits`);
  }

  bool(value: boolean): this {
    return this.op(value ? 0x88 : 0x89); // NEWTRUE / NEWFALSE
  }

  /** A tuple of whatever `items` pushes, `length` of them: TUPLE1–3 as Python writes them, else MARK … TUPLE. */
  tuple(length: number, items: () => void): this {
    if (length === 0) return this.op(0x29); // EMPTY_TUPLE
    if (length > 3) this.op(0x28); // MARK
    items();
    return this.op(length > 3 ? 0x74 : [0, 0x85, 0x86, 0x87][length]);
  }

  intTuple(values: readonly number[]): this {
    return this.tuple(values.length, () => values.forEach((v) => this.int(v)));
  }

  /** Calls the global `module.name` with the tuple `args` pushes (REDUCE). */
  call(module: string, name: string, length: number, args: () => void): this {
    this.global(module, name);
    this.tuple(length, args);
    return this.op(0x52);
  }

  /** Replaces the tuple on top of the stack by what the unpickler's persistent_load makes of it (BINPERSID). */
  persistentId(length: number, items: () => void): this {
    this.tuple(length, items);
    return this.op(0x51);
  }

  /**
   * Fills the dict on top of the stack: `write` pushes each key and its value. Batches of 1000 items between MARK
   * and SETITEMS, as Python's pickler writes them.
   */
  setItems<T>(items: readonly T[], write: (item: T) => void): this {
    for (let i = 0; i < items.length; i += 1000) {
      this.op(0x28); // MARK
      items.slice(i, i + 1000).forEach(write);
      this.op(0x75); // SETITEMS
    }
    return this;
  }

  /** STOP, and the whole pickle. */
  finish(): Uint8Array {
    this.op(0x2e);
    this.flush();
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.pending.push(b);
    return this;
  }

  private raw(bytes: Uint8Array): this {
    this.flush();
    this.chunks.push(bytes);
    return this;
  }

  private flush(): void {
    if (this.pending.length) this.chunks.push(Uint8Array.from(this.pending));
    this.pending = [];
  }
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

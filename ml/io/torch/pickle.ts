import { StateDictReadError } from './tensor';

/**
 * A restricted unpickler: it interprets the subset of the pickle machine that torch.save emits (protocol 2, plus
 * the few protocol 4 opcodes a `pickle_protocol=4` save adds) and never imports or runs anything. Every GLOBAL is
 * looked up in the caller's allow-list of JS stand-ins; anything else stops the load with the global's name — the
 * file is data from outside, and the pickle format is otherwise a program.
 *
 * Python values map to: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
 * str → string, list and tuple → array, dict and OrderedDict → Map.
 */
export interface PyCallable {
  readonly pythonName: string;
  call(args: unknown[]): unknown;
}

export interface UnpickleHooks {
  /** The stand-in for `module.name`, or undefined when it is not allowed. */
  findGlobal(module: string, name: string): unknown;
  /** Resolves BINPERSID ids (torch: storages). */
  persistentLoad(pid: unknown): unknown;
  /** Named in the refusal when a global is not allowed. */
  allowedNames: readonly string[];
}

function isPyCallable(value: unknown): value is PyCallable {
  return typeof value === 'object' && value !== null && typeof (value as PyCallable).call === 'function'
    && typeof (value as PyCallable).pythonName === 'string';
}

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT',
  0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID',
  0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE',
  0x58: 'BINUNICODE', 0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT',
  0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST',
  0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE',
  0x75: 'SETITEMS', 0x47: 'BINFLOAT', 0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4',
  0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE',
  0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks, what = 'pickle'): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  const memo = new Map<number, unknown>();
  const marks: number[] = [];
  const stack: unknown[] = [];
  let pos = 0;
  let opStart = 0;

  const fail = (message: string): never => {
    throw new StateDictReadError(`${what}: ${message} (at byte ${opStart})`);
  };
  const take = (n: number): number => {
    if (pos + n > bytes.byteLength) fail('the pickle is truncated');
    const at = pos;
    pos += n;
    return at;
  };
  const pop = (): unknown => (stack.length ? stack.pop() : fail('stack underflow (malformed pickle)'));
  const top = (): unknown => (stack.length ? stack[stack.length - 1] : fail('stack underflow (malformed pickle)'));
  const popMark = (): unknown[] => {
    if (!marks.length) fail('MARK expected (malformed pickle)');
    return stack.splice(marks.pop()!);
  };
  const str = (length: number): string => {
    const at = take(length);
    try {
      return text.decode(bytes.subarray(at, at + length));
    } catch {
      return fail('invalid UTF-8 in a string');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('the pickle is truncated');
    const value = str(end - pos);
    pos += 1;
    return value;
  };
  const global = (module: string, name: string): unknown => {
    const value = hooks.findGlobal(module, name);
    if (value === undefined) {
      fail(`refusing the global ${module}.${name}: only these tensor-building globals are allowed: `
        + `${hooks.allowedNames.join(', ')}. Nothing in the file was executed`);
    }
    return value;
  };
  const dictOf = (value: unknown): Map<unknown, unknown> =>
    value instanceof Map ? value : fail('SETITEM(S) on something that is not a dict');
  const listOf = (value: unknown): unknown[] =>
    Array.isArray(value) ? value : fail('APPEND(S) on something that is not a list');
  const memoKey = (n: number): unknown => (memo.has(n) ? memo.get(n) : fail(`memo slot ${n} was never written`));
  const small = (value: bigint): number | bigint =>
    value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;

  for (;;) {
    opStart = pos;
    const op = bytes[take(1)];
    switch (op) {
      case 0x80: take(1); break; // PROTO
      case 0x95: take(8); break; // FRAME: framing is only a read-ahead hint
      case 0x2e: { // STOP
        if (stack.length !== 1 || marks.length) fail('malformed pickle: the stack does not hold one result at STOP');
        return stack[0];
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push([pop(), b, c]); break; } // TUPLE3
      case 0x73: { const value = pop(); const key = pop(); dictOf(top()).set(key, value); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('SETITEMS with an odd number of items');
        const dict = dictOf(top());
        for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
        break;
      }
      case 0x61: { const value = pop(); listOf(top()).push(value); break; } // APPEND
      case 0x65: { const items = popMark(); listOf(top()).push(...items); break; } // APPENDS
      case 0x4a: stack.push(view.getInt32(take(4), true)); break; // BININT
      case 0x4b: stack.push(bytes[take(1)]); break; // BININT1
      case 0x4d: stack.push(view.getUint16(take(2), true)); break; // BININT2
      case 0x8a: { // LONG1: little-endian two's complement
        const length = bytes[take(1)];
        const at = take(length);
        let value = 0n;
        for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]);
        if (length && bytes[at + length - 1] & 0x80) value -= 1n << BigInt(8 * length);
        stack.push(small(value));
        break;
      }
      case 0x47: stack.push(view.getFloat64(take(8), false)); break; // BINFLOAT is big-endian
      case 0x58: stack.push(str(view.getUint32(take(4), true))); break; // BINUNICODE
      case 0x8c: stack.push(str(bytes[take(1)])); break; // SHORT_BINUNICODE
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!isPyCallable(callable)) fail('REDUCE on something that cannot be called');
        if (!Array.isArray(args)) fail('REDUCE needs an argument tuple');
        stack.push((callable as PyCallable).call(args as unknown[]));
        break;
      }
      case 0x62: { // BUILD
        pop();
        // torch puts module metadata (`_metadata`) on the OrderedDict as attributes: harmless, and unused here.
        if (!(top() instanceof Map)) fail('BUILD is only supported on dicts');
        break;
      }
      case 0x71: memo.set(bytes[take(1)], top()); break; // BINPUT
      case 0x72: memo.set(view.getUint32(take(4), true), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memoKey(bytes[take(1)])); break; // BINGET
      case 0x6a: stack.push(memoKey(view.getUint32(take(4), true))); break; // LONG_BINGET
      case 0x51: stack.push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4e: stack.push(null); break; // NONE
      default: {
        const name = OPCODE_NAMES[op];
        fail(`unsupported pickle opcode ${name ?? 'unknown'} (0x${op.toString(16).padStart(2, '0')})`);
      }
    }
  }
}

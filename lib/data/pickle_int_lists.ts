// unpickleObjectArray: a deliberately small pickle reader for one structure only, a NumPy
// object array whose items are lists of ints (what Keras's imdb.npz holds). Anything else
// is refused. No Python callables exist here: the few allowed globals only build plain
// descriptions, so a hostile file can at worst produce an error.

const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray _reconstruct',
  'numpy._core.multiarray _reconstruct',
  'numpy ndarray',
  'numpy dtype',
  '_codecs encode',
]);

const MAX_MEMO = 1 << 26;

type PyValue =
  | number
  | string
  | boolean
  | null
  | PyValue[]
  | { tuple: PyValue[] }
  | { global: string }
  | { ndarray: { shape: number[]; descr: string; items: PyValue[] | null } }
  | { dtype: string };

interface Mark {
  mark: true;
}
type StackItem = PyValue | Mark;

/** Decodes a pickled 1-D object ndarray of int lists into one Int32Array per item. */
export function unpickleObjectArray(bytes: Uint8Array, name: string): Int32Array[] {
  const fail = (why: string): never => {
    throw new Error(`${name}: unsupported pickle content (${why}); only object arrays of int lists are read`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo: PyValue[] = [];
  let pos = 0;
  const need = (n: number): number => {
    if (pos + n > bytes.length) fail('truncated');
    const at = pos;
    pos += n;
    return at;
  };
  const text = (n: number, encoding: 'utf-8' | 'latin1'): string =>
    new TextDecoder(encoding).decode(bytes.subarray(need(n), pos));
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('truncated');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || isMark(v)) return fail('stack underflow');
    return v;
  };
  const popToMark = (): PyValue[] => {
    let m = stack.length - 1;
    while (m >= 0 && !isMark(stack[m])) m--;
    if (m < 0) fail('missing MARK');
    const items = stack.splice(m) as PyValue[];
    items.shift();
    return items;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || isMark(v)) return fail('stack underflow');
    return v;
  };
  const putMemo = (i: number) => {
    if (i > MAX_MEMO) fail('memo index too large');
    memo[i] = top();
  };
  const getMemo = (i: number) => {
    if (memo[i] === undefined) fail(`memo ${i} unset`);
    stack.push(memo[i]);
  };
  const appendTo = (list: PyValue, items: PyValue[]) => {
    if (!Array.isArray(list)) fail('APPEND to a non-list');
    for (const it of items) (list as PyValue[]).push(it);
  };

  for (;;) {
    const op = bytes[need(1)];
    switch (op) {
      case 0x80: need(1); break; // PROTO
      case 0x95: need(8); break; // FRAME: framing is only a hint for buffered readers
      case 0x2e: { // STOP
        return toIntLists(pop(), fail);
      }
      case 0x28: stack.push({ mark: true }); break; // MARK
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(bytes[need(1)]); break; // BININT1
      case 0x4d: stack.push(view.getUint16(need(2), true)); break; // BININT2
      case 0x4a: stack.push(view.getInt32(need(4), true)); break; // BININT
      case 0x8a: { // LONG1
        const n = bytes[need(1)];
        if (n > 4) fail('integer wider than 32 bits');
        let v = 0;
        for (let k = n - 1; k >= 0; k--) v = v * 256 + bytes[pos + k];
        if (n > 0 && bytes[pos + n - 1] & 0x80) v -= 2 ** (8 * n);
        need(n);
        stack.push(v);
        break;
      }
      case 0x55: { const n = bytes[need(1)]; stack.push(text(n, 'latin1')); break; } // SHORT_BINSTRING
      case 0x54: { const n = view.getInt32(need(4), true); if (n < 0) fail('negative length'); stack.push(text(n, 'latin1')); break; } // BINSTRING
      case 0x43: { const n = bytes[need(1)]; stack.push(text(n, 'latin1')); break; } // SHORT_BINBYTES
      case 0x42: { const n = view.getUint32(need(4), true); stack.push(text(n, 'latin1')); break; } // BINBYTES
      case 0x8c: { const n = bytes[need(1)]; stack.push(text(n, 'utf-8')); break; } // SHORT_BINUNICODE
      case 0x58: { const n = view.getUint32(need(4), true); stack.push(text(n, 'utf-8')); break; } // BINUNICODE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push({ tuple: [] }); break; // EMPTY_TUPLE
      case 0x6c: stack.push(popToMark()); break; // LIST
      case 0x74: stack.push({ tuple: popToMark() }); break; // TUPLE
      case 0x85: stack.push({ tuple: [pop()] }); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push({ tuple: [a, b] }); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push({ tuple: [a, b, c] }); break; } // TUPLE3
      case 0x61: { const v = pop(); appendTo(top(), [v]); break; } // APPEND
      case 0x65: { const items = popToMark(); appendTo(top(), items); break; } // APPENDS
      case 0x71: putMemo(bytes[need(1)]); break; // BINPUT
      case 0x72: putMemo(view.getUint32(need(4), true)); break; // LONG_BINPUT
      case 0x94: putMemo(memo.length); break; // MEMOIZE
      case 0x68: getMemo(bytes[need(1)]); break; // BINGET
      case 0x6a: getMemo(view.getUint32(need(4), true)); break; // LONG_BINGET
      case 0x63: { // GLOBAL
        const g = `${line()} ${line()}`;
        if (!ALLOWED_GLOBALS.has(g)) fail(`global ${g}`);
        stack.push({ global: g });
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const attr = pop();
        const mod = pop();
        const g = `${String(mod)} ${String(attr)}`;
        if (typeof mod !== 'string' || typeof attr !== 'string' || !ALLOWED_GLOBALS.has(g)) fail(`global ${g}`);
        stack.push({ global: g });
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(reduce(fn, args, fail));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        build(top(), state, fail);
        break;
      }
      default:
        fail(`opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}

function isMark(v: StackItem): v is Mark {
  return typeof v === 'object' && v !== null && 'mark' in v;
}

function reduce(fn: PyValue, args: PyValue, fail: (why: string) => never): PyValue {
  if (typeof fn !== 'object' || fn === null || !('global' in fn)) return fail('REDUCE of a non-callable');
  if (typeof args !== 'object' || args === null || !('tuple' in args)) return fail('REDUCE without an argument tuple');
  const a = args.tuple;
  switch (fn.global) {
    case '_codecs encode': // how protocol 2 under Python 3 spells bytes: encode(str, 'latin1')
      if (typeof a[0] !== 'string' || a[1] !== 'latin1') return fail('_codecs.encode arguments');
      return a[0];
    case 'numpy dtype':
      if (typeof a[0] !== 'string') return fail('dtype arguments');
      return { dtype: a[0] };
    case 'numpy ndarray':
      return fail('ndarray called directly');
    default: // _reconstruct(ndarray, (0,), b'b'): an empty array that BUILD fills in
      if (typeof a[0] !== 'object' || a[0] === null || !('global' in a[0]) || a[0].global !== 'numpy ndarray') {
        return fail('_reconstruct of something other than ndarray');
      }
      return { ndarray: { shape: [], descr: '', items: null } };
  }
}

function build(target: PyValue, state: PyValue, fail: (why: string) => never): void {
  if (typeof target !== 'object' || target === null) return void fail('BUILD on a plain value');
  if ('dtype' in target) return; // (version, byteorder, ...): nothing we need for 'O'
  if (!('ndarray' in target)) return void fail('BUILD on an unexpected object');
  if (typeof state !== 'object' || state === null || !('tuple' in state) || state.tuple.length !== 5) {
    return void fail('ndarray state');
  }
  const [, shape, dtype, , items] = state.tuple;
  if (typeof shape !== 'object' || shape === null || !('tuple' in shape)) return void fail('ndarray shape');
  if (typeof dtype !== 'object' || dtype === null || !('dtype' in dtype)) return void fail('ndarray dtype');
  if (!Array.isArray(items)) return void fail(`array data of dtype ${dtype.dtype} (only object arrays)`);
  target.ndarray.shape = shape.tuple.map((d) => (typeof d === 'number' ? d : fail('ndarray shape')));
  target.ndarray.descr = dtype.dtype;
  target.ndarray.items = items;
}

function toIntLists(result: PyValue, fail: (why: string) => never): Int32Array[] {
  if (typeof result !== 'object' || result === null || !('ndarray' in result)) return fail('top object is not an ndarray');
  const { shape, descr, items } = result.ndarray;
  if (descr !== 'O8' && descr !== 'O4' && descr !== 'O') return fail(`dtype ${descr}`);
  if (shape.length !== 1 || items === null || items.length !== shape[0]) return fail(`shape [${shape.join(', ')}]`);
  return items.map((item, i) => {
    if (!Array.isArray(item)) return fail(`item ${i} is not a list`);
    const out = new Int32Array(item.length);
    for (let k = 0; k < item.length; k++) {
      const v = item[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
        return fail(`item ${i} holds something other than an int32`);
      }
      out[k] = v;
    }
    return out;
  });
}

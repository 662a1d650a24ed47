// How an error message shows a value it refuses: strings quoted and named as strings, so that
// `units: '3'` reads "received '3' (a string)" and not "received 3", and other non-numbers
// with their type.
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 80 ? `${v.slice(0, 77)}...` : v}' (a string)`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  if (typeof v === 'boolean') return `${v} (a boolean)`;
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
}

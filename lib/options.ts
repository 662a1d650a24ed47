// Checks of the option objects users pass (layer configs, optimizers, compile, fit, ...):
// every key must be known, and a misspelt one is an error that names it and suggests the
// right one (Keras snake_case spellings, common aliases, near misses). Values are named in
// messages as `describe` writes them: strings quoted, types named.

/** A value as an error message shows it: 32, '32' (quoted: a string), true, null, an array, a Float32Array(6), a function. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? value.slice(0, 57) + '...' : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length ?? value.byteLength})`;
  if (Array.isArray(value)) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      text = undefined;
    }
    return text !== undefined && text.length <= 60 ? text : `an array of ${value.length}`;
  }
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  if (ctor && ctor !== 'Object') return `a ${ctor}`;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  return text !== undefined && text.length <= 60 ? text : 'an object';
}

/** The key in camelCase: input_shape -> inputShape. */
export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The key in Keras snake_case: inputShape -> input_shape, useBias -> use_bias. */
export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Spellings users bring from other libraries, mapped to ours. */
const ALIASES: Record<string, string> = {
  lr: 'learningRate',
  epoch: 'epochs',
  batch: 'batchSize',
  batch_size: 'batchSize',
  nb_epoch: 'epochs',
  output_dim: 'outputDim',
  input_dim: 'inputDim',
  units: 'units',
  return_sequences: 'returnSequences',
  decay: 'learningRate (a schedule function)',
  beta_1: 'beta1',
  beta_2: 'beta2',
  clip_norm: 'clipnorm',
  clip_value: 'clipvalue',
  global_clipnorm: 'globalClipnorm',
  use_peepholes: 'peephole',
};

function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return d[b.length];
}

/** The allowed key a misspelt `key` most likely meant, if any. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  const alias = ALIASES[key];
  if (alias !== undefined && allowed.includes(alias.split(' ')[0])) return alias;
  const camel = camelCase(key);
  if (camel !== key && allowed.includes(camel)) return camel;
  const lower = key.toLowerCase();
  const same = allowed.find((a) => a.toLowerCase() === lower || a.toLowerCase() === camel.toLowerCase());
  if (same) return same;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const a of allowed) {
    const dist = editDistance(camel.toLowerCase(), a.toLowerCase());
    if (dist < bestDistance) {
      bestDistance = dist;
      best = a;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(Math.min(key.length, best.length) / 4)) ? best : undefined;
}

/**
 * Throws a RangeError naming the first key of `options` that is not in `allowed` (own
 * enumerable keys only), with a suggestion. `what` opens the message ("fit", "lstm_1").
 * Undefined and non-object `options` pass (the caller checks the type).
 */
export function checkKnownKeys(what: string, options: unknown, allowed: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return;
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const hint = suggestKey(key, allowed);
    throw new RangeError(`${what}: unknown option '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; known options: ${allowed.join(', ')}`);
  }
}

/** Throws unless `options` is undefined or a plain object; returns it as an object. */
export function optionsObject<T extends object>(what: string, options: T | undefined): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what}: options must be an object, received ${describe(options)}`);
  }
  return options;
}

/** `options` checked: an object whose keys are all in `allowed`. */
export function checkedOptions<T extends object>(what: string, options: T | undefined, allowed: readonly (keyof T & string)[]): Partial<T> {
  const o = optionsObject(what, options);
  checkKnownKeys(what, o, allowed);
  return o;
}

/** An own property of a lookup table, or undefined (never one of Object.prototype's). */
export function ownEntry<V>(table: Readonly<Record<string, V>> | undefined | null, key: unknown): V | undefined {
  if (table === null || typeof table !== 'object') return undefined;
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

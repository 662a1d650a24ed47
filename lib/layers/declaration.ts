// A layer kind's options, declared once. Each option says what values it takes (checked
// here, with an error that names the layer and quotes what was received), its default,
// its key in Keras / TensorFlow.js JSON and how its value is written there, and whether
// the native graph's LayerSpec carries it under the same name. Validation, the native
// spec, the JSON topology (lib/io/topology.ts) and the consistency test of TypeScript
// against native validation (test/layer_declarations.test.ts) all read these tables.
import type { Regularizer } from '../graph_spec';
import { getInitializer, Initializer, INITIALIZER_NAMES, InitializerLike, initializerFromJson, initializerToJson } from '../initializers';
import { checkKnownKeys, describe, snakeCase } from '../options';
import type { Shape } from '../tensor';

/** What a check returns for a value it refuses. */
export const INVALID: unique symbol = Symbol('invalid');
export type Checked<T> = T | typeof INVALID;

/** What values an option takes. */
export interface OptionKind<T> {
  /** For messages: 'a positive integer', "one of 'tanh', 'relu'". */
  readonly expected: string;
  check(value: unknown): Checked<T>;
  toJson(value: T): unknown;
  fromJson(value: unknown): Checked<T>;
  /** Values to probe validation with (the consistency test), valid and invalid; only for native options. */
  readonly probes?: readonly unknown[];
}

export interface OptionDeclaration<T> {
  kind: OptionKind<T>;
  /** Undefined: required. A function: computed from the other options' values. */
  fallback: T | ((o: Record<string, unknown>) => T) | typeof REQUIRED;
  /** The key in Keras JSON (default: the snake_case name); null: not written there. */
  keras: string | null;
  /** Whether the native LayerSpec has it, under the same name. */
  native: boolean;
}

export const REQUIRED: unique symbol = Symbol('required');

interface OptionSettings {
  keras?: string | null;
  native?: boolean;
}

export function option<T>(kind: OptionKind<T>, fallback: T | ((o: Record<string, unknown>) => T) | typeof REQUIRED, settings: OptionSettings = {}): OptionDeclaration<T> {
  return { kind, fallback, keras: settings.keras === undefined ? '' : settings.keras, native: settings.native ?? false };
}

export type OptionTable = Record<string, OptionDeclaration<unknown>>;

/** The Keras JSON key of option `name`. */
export function kerasKey(name: string, decl: OptionDeclaration<unknown>): string | null {
  return decl.keras === '' ? snakeCase(name) : decl.keras;
}

// ---- Kinds.

function identityJson<T>(check: (v: unknown) => Checked<T>): Pick<OptionKind<T>, 'toJson' | 'fromJson'> {
  return { toJson: (v) => v, fromJson: check };
}

export function integer(min: number, max: number, probes?: readonly unknown[]): OptionKind<number> {
  const check = (v: unknown): Checked<number> => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : INVALID);
  const expected = min === 1 ? `a positive integer${max < Number.MAX_SAFE_INTEGER ? ` (at most ${max})` : ''}` : `an integer in [${min}, ${max}]`;
  // Probes stay small where valid (a model of the maximum size would be enormous).
  return { expected, check, ...identityJson(check), probes: probes ?? [min - 1, min, min + 2, max + 1, 2.5, `${min}`, NaN, null] };
}

/** Sizes of an axis: units, outputDim, n (at most 2^24, as native code takes them). */
export const positiveInt = integer(1, 2 ** 24);

/** A fraction in [0, 1): dropout rates. */
export const fraction: OptionKind<number> = (() => {
  const check = (v: unknown): Checked<number> => (typeof v === 'number' && v >= 0 && v < 1 ? v : INVALID);
  return { expected: 'a number in [0, 1)', check, ...identityJson(check), probes: [-0.1, 0, 0.5, 0.999, 1, 1.5, NaN, '0.5'] };
})();

/** Any number but NaN. */
export const numeric: OptionKind<number> = (() => {
  const check = (v: unknown): Checked<number> => (typeof v === 'number' && !Number.isNaN(v) ? v : INVALID);
  return { expected: 'a number', check, ...identityJson(check), probes: [0, -1.5, 1e30, Infinity, NaN, '0'] };
})();

export const boolean: OptionKind<boolean> = (() => {
  const check = (v: unknown): Checked<boolean> => (typeof v === 'boolean' ? v : INVALID);
  return { expected: 'a boolean', check, ...identityJson(check), probes: [true, false, 'true', 1, 0] };
})();

/**
 * One of `values`; `aliases` maps other accepted spellings (Keras snake_case) to them;
 * `json` maps ours to the Keras JSON spelling where it differs.
 */
export function oneOf<T extends string>(values: readonly T[], aliases: Readonly<Record<string, T>> = {}, json: Readonly<Partial<Record<T, string>>> = {} as Partial<Record<T, string>>): OptionKind<T> {
  const check = (v: unknown): Checked<T> => {
    if (typeof v !== 'string') return INVALID;
    if ((values as readonly string[]).includes(v)) return v as T;
    return Object.prototype.hasOwnProperty.call(aliases, v) ? aliases[v] : INVALID;
  };
  const fromJson = (v: unknown): Checked<T> => {
    for (const ours of values) if (json[ours] === v) return ours;
    return check(v);
  };
  return {
    expected: `one of ${values.map((a) => `'${a}'`).join(', ')}`,
    check,
    toJson: (v) => json[v] ?? v,
    fromJson,
    probes: [...values, 'bogus', 3],
  };
}

/** An initializer or its name; written as Keras { class_name, config }. */
export const initializer: OptionKind<Initializer> = {
  expected: `an initializer (initializers.glorotUniform(), ...) or one of ${INITIALIZER_NAMES.map((n) => `'${n}'`).join(', ')}`,
  check: (v) => {
    try {
      return getInitializer(v as InitializerLike, 'initializer');
    } catch {
      return INVALID;
    }
  },
  toJson: (v) => initializerToJson(v),
  fromJson: (v) => initializerFromJson(v) ?? INVALID,
};

const nonNegativeFinite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/** A regularizer (regularizers.l1, l2, l1l2), or none; written as Keras L1L2. */
export const regularizer: OptionKind<Regularizer | undefined> = {
  expected: 'a regularizer (regularizers.l1, l2 or l1l2)',
  check: (v) => {
    if (v === null) return undefined;
    if (typeof v !== 'object' || !nonNegativeFinite((v as Regularizer).l1) || !nonNegativeFinite((v as Regularizer).l2)) return INVALID;
    const keys = Object.keys(v);
    if (keys.some((k) => k !== 'l1' && k !== 'l2')) return INVALID;
    return { l1: (v as Regularizer).l1, l2: (v as Regularizer).l2 };
  },
  toJson: (v) => (v ? { class_name: 'L1L2', config: { l1: v.l1, l2: v.l2 } } : null),
  fromJson: (v) => {
    if (v === null || v === undefined) return undefined;
    const c = (v as { config?: { l1?: unknown; l2?: unknown } }).config;
    const ok = (x: unknown) => x === undefined || nonNegativeFinite(x);
    if (typeof v !== 'object' || !c || typeof c !== 'object' || !ok(c.l1) || !ok(c.l2)) return INVALID;
    const r = { l1: (c.l1 as number | undefined) ?? 0, l2: (c.l2 as number | undefined) ?? 0 };
    return r.l1 === 0 && r.l2 === 0 ? undefined : r;
  },
  probes: [undefined, { l1: 0, l2: 0.01 }, { l1: -1, l2: 0 }, { l1: NaN, l2: 0 }, { l1: 0.1, l2: Infinity }],
};

/** A per-sample shape: positive integers or null (a free axis). */
export const shape: OptionKind<Shape> = (() => {
  const check = (v: unknown): Checked<Shape> =>
    Array.isArray(v) && v.length <= 8 && v.every((d) => d === null || (Number.isInteger(d) && d > 0 && d <= 2 ** 24)) ? [...v] : INVALID;
  return { expected: 'an array of positive integers or null', check, ...identityJson(check) };
})();

/** A list of integers each in [min, max] with `length` entries (any length when undefined). */
export function integerList(min: number, max: number, length?: number, probes?: readonly unknown[]): OptionKind<number[]> {
  const check = (v: unknown): Checked<number[]> =>
    Array.isArray(v) && (length === undefined ? v.length >= 1 && v.length <= 8 : v.length === length) && v.every((d) => Number.isInteger(d) && d >= min && d <= max) ? [...v] : INVALID;
  const what = length === undefined ? 'a list of integers' : `a list of ${length} integers`;
  return { expected: `${what} in [${min}, ${max}]`, check, ...identityJson(check), probes };
}

// ---- Parsing a config.

/** Keys every layer takes. */
export const COMMON_OPTIONS = ['name', 'trainable', 'inputShape'] as const;

/**
 * The options of `config` with their defaults filled in, each checked; `where` names the
 * layer. Keys outside `table` (and the common keys, and `extra`) are errors.
 */
export function parseOptions(where: string, table: OptionTable, config: Record<string, unknown>, extra: readonly string[] = []): Record<string, unknown> {
  checkKnownKeys(where, config, [...COMMON_OPTIONS, ...extra, ...Object.keys(table)]);
  const out: Record<string, unknown> = {};
  const pending: string[] = [];
  for (const [key, decl] of Object.entries(table)) {
    const given = config[key];
    if (given === undefined) {
      if (decl.fallback === REQUIRED) throw new RangeError(`${where}: ${key} is required (${decl.kind.expected})`);
      if (typeof decl.fallback === 'function') pending.push(key);
      else out[key] = decl.fallback;
      continue;
    }
    const value = decl.kind.check(given);
    if (value === INVALID) throw new RangeError(`${where}: ${key} must be ${decl.kind.expected}, received ${describe(given)}`);
    out[key] = value;
  }
  for (const key of pending) out[key] = (table[key].fallback as (o: Record<string, unknown>) => unknown)(out);
  return out;
}

/** The Keras JSON entries of parsed options (keys with a Keras name only). */
export function optionsToJson(table: OptionTable, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, decl] of Object.entries(table)) {
    const json = kerasKey(key, decl);
    if (json !== null) out[json] = decl.kind.toJson(values[key]);
  }
  return out;
}

/**
 * A layer config (our option names) from Keras JSON: every key of `table` with a Keras
 * name that the JSON holds (null counts as absent), checked. Other JSON keys are left to
 * the caller; `where` names the layer and file in errors.
 */
export function optionsFromJson(where: string, table: OptionTable, json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, decl] of Object.entries(table)) {
    const jsonKey = kerasKey(key, decl);
    if (jsonKey === null) continue;
    const raw = json[jsonKey];
    if (raw === undefined || raw === null) continue;
    const value = decl.kind.fromJson(raw);
    if (value === INVALID) throw new Error(`${where}: '${jsonKey}' must be ${decl.kind.expected}, received ${describe(raw)}`);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The options of the native LayerSpec, by their (shared) names. */
export function nativeOptions(table: OptionTable, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, decl] of Object.entries(table)) {
    if (!decl.native) continue;
    const v = values[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

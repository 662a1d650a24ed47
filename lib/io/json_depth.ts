// A cap on how deeply a JSON document read from a file nests. A layer config nested
// thousands of levels deep (Bidirectional of TimeDistributed of ...) would otherwise end in
// "Maximum call stack size exceeded" somewhere in the recursive code that walks it; checked
// first, without recursion, it is an error that says what is wrong.
export const MAX_JSON_DEPTH = 64;

/** Throws when `value` nests arrays and objects deeper than `maxDepth`. */
export function checkJsonDepth(value: unknown, what: string, maxDepth = MAX_JSON_DEPTH): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= maxDepth) throw new RangeError(`${what}: the JSON nests deeper than ${maxDepth} levels (a layer config inside a layer config ... ${maxDepth} times?)`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

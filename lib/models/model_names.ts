// Keras-style automatic model names, counted per process: sequential, sequential_1, ...
const counts = new Map<string, number>();

export function modelName(base: string): string {
  const n = counts.get(base) ?? 0;
  counts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

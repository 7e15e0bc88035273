// Seeded samples of test cases over several dimensions, for sweeps too large to run in full.

function shuffled(values, random) {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `k` cases (objects keyed by dimension) in which every value of every dimension appears (k ≥ the largest dimension), in an order drawn from `random`. */
export function sampleDimensions(random, k, dimensions) {
  const columns = Object.fromEntries(
    Object.entries(dimensions).map(([name, values]) => {
      const column = [];
      while (column.length < k) column.push(...shuffled(values, random));
      return [name, column.slice(0, k)];
    }),
  );
  return Array.from({ length: k }, (_, i) => Object.fromEntries(Object.keys(dimensions).map((name) => [name, columns[name][i]])));
}

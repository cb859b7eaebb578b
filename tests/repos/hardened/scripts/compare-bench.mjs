// Compares two `vitest bench --outputJson` files and fails when any benchmark's mean
// got slower than the allowed ratio: node compare-bench.mjs base.json head.json 1.10
import { readFileSync } from "node:fs";

const [basePath, headPath, limitArg = "1.10"] = process.argv.slice(2);
const limit = Number(limitArg);
const means = (path) => {
  const out = new Map();
  for (const file of JSON.parse(readFileSync(path, "utf8")).files) {
    for (const group of file.groups) {
      for (const b of group.benchmarks) out.set(`${group.fullName} > ${b.name}`, b.mean);
    }
  }
  return out;
};
const base = means(basePath);
let failed = false;
for (const [name, mean] of means(headPath)) {
  const before = base.get(name);
  if (before === undefined) continue;
  const ratio = mean / before;
  console.log(`${name}: ${before.toFixed(4)}ms -> ${mean.toFixed(4)}ms (x${ratio.toFixed(2)})`);
  if (ratio > limit) {
    console.error(`::error::${name} regressed by ${((ratio - 1) * 100).toFixed(1)}%`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);

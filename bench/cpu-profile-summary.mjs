#!/usr/bin/env node
/**
 * Summary of a V8 CPU profile (`node --cpu-prof`, e.g. a bench run with BENCH_CPU_PROFILE_DIR): the functions with
 * the most self time, and the most inclusive time (self plus callees, each counted once per stack), in ms and % of
 * the sampled time. Paths are shown relative to node_modules/ or the repo.
 *
 *   node bench/cpu-profile-summary.mjs <file.cpuprofile> [top=25] [filter-regex]
 */
import { readFileSync } from 'node:fs';

const [file, topArg, filter] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpu-profile-summary.mjs <file.cpuprofile> [top] [filter-regex]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const short = (url) => url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(dist|bench)\//, '$1/');
const nameOf = ({ callFrame: frame }) =>
  `${frame.functionName || '(anonymous)'} ${short(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;

const hits = new Map();
for (let i = 0; i < profile.samples.length; i += 1) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + dt);
}
const self = new Map();
const inclusive = new Map();
let total = 0;
for (const [id, micros] of hits) {
  total += micros;
  const leaf = nameOf(nodes.get(id));
  self.set(leaf, (self.get(leaf) ?? 0) + micros);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const name = nameOf(nodes.get(at));
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
  }
}
const pattern = filter ? new RegExp(filter) : undefined;
const print = (title, table) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  [...table]
    .filter(([name]) => !pattern || pattern.test(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([name, micros]) =>
      console.log(
        `${(micros / 1000).toFixed(0).padStart(8)} ms ${((micros * 100) / total).toFixed(1).padStart(5)}%  ${name}`,
      ),
    );
};
print('self time', self);
print('inclusive time', inclusive);

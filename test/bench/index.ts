// `npm run bench [-- SECTION …]`: prints one JSON object of figures. Each section is a module exporting a
// function; sections whose inputs are missing (no ../shared/data, no python3-torch) report why instead of a
// figure. Long sections run only when named.
import { decodeBench } from './decode';
import { fuzzBench } from './fuzz';
import { mlBench, mlRssBench } from './ml';
import { pacsBench } from './pacs';
import { scanBench } from './scan';
import { semiBench } from './semi';
import { trainBench } from './train';

const sections: Record<string, { run: () => Promise<unknown>; onlyWhenNamed?: boolean }> = {
  scan: { run: scanBench },
  decode: { run: decodeBench },
  ml: { run: mlBench },
  'ml-rss': { run: mlRssBench, onlyWhenNamed: true },
  train: { run: trainBench },
  fuzz: { run: fuzzBench, onlyWhenNamed: true },
  pacs: { run: pacsBench, onlyWhenNamed: true },
  semi: { run: semiBench, onlyWhenNamed: true },
};

const named = process.argv.slice(2);
const unknown = named.filter((name) => !(name in sections));
if (unknown.length) {
  process.stderr.write(`bench: unknown section ${unknown.join(', ')}; sections: ${Object.keys(sections).join(', ')}\n`);
  process.exit(2);
}
const out: Record<string, unknown> = { machine: await machine() };
for (const [name, section] of Object.entries(sections)) {
  if (named.length ? !named.includes(name) : section.onlyWhenNamed) continue;
  process.stderr.write(`bench: ${name}…\n`);
  out[name] = await section.run();
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);

async function machine() {
  const os = await import('node:os');
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

// `npm run bench`: prints one JSON object of figures. Each section is a module exporting `run()`; sections whose
// inputs are missing (no ../shared/data) report why instead of a figure.
import { scanBench } from './scan';
import { decodeBench } from './decode';

const sections: Record<string, () => Promise<unknown>> = { scan: scanBench, decode: decodeBench };
const only = process.argv.slice(2);
const out: Record<string, unknown> = { machine: await machine() };
for (const [name, run] of Object.entries(sections)) {
  if (only.length && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  out[name] = await run();
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);

async function machine() {
  const os = await import('node:os');
  return { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
}

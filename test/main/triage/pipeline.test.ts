// The pipeline's ordering on stages whose completion the test controls: decoding runs one image ahead of the model
// and no further, the previous image is finished while the next is in the model, and failures reach finish with
// the stage that failed. Times come from an injected counter, never from the wall clock.
import { describe, expect, it } from 'vitest';
import { runPipeline, type Outcome, type Span } from '../../../main/triage/pipeline';

type Event = { what: string; index: number; at: number };

/** Stages that log when they start and end; a stage throws for the items listed in `failures`. */
function loggedStages(failures: { decode?: number[]; infer?: number[] } = {}) {
  let tick = 0;
  const clock = () => tick++;
  const events: Event[] = [];
  const outcomes: { index: number; outcome: Outcome<string, string> }[] = [];
  const log = (what: string, index: number) => events.push({ what, index, at: clock() });
  // Each stage yields to the event loop a few times, as real work in a worker would.
  const pause = (turns: number) => new Promise<void>((resolve) => (turns <= 0 ? resolve() : setImmediate(() => pause(turns - 1).then(resolve))));
  return {
    clock,
    events,
    outcomes,
    stages: {
      async decode(item: string, index: number) {
        log('decode-start', index);
        await pause(2);
        log('decode-end', index);
        if (failures.decode?.includes(index)) throw new Error(`cannot decode ${item}`);
        return `pixels of ${item}`;
      },
      async infer(decoded: string, index: number) {
        log('infer-start', index);
        await pause(5);
        log('infer-end', index);
        if (failures.infer?.includes(index)) throw new Error(`model failed on ${decoded}`);
        return `map of ${decoded}`;
      },
      async finish(_item: string, outcome: Outcome<string, string>, index: number) {
        log('finish-start', index);
        outcomes.push({ index, outcome });
        await pause(1);
        log('finish-end', index);
      },
    },
  };
}

const at = (events: Event[], what: string, index: number) => {
  const event = events.find((e) => e.what === what && e.index === index);
  if (!event) throw new Error(`no ${what} for item ${index}`);
  return event.at;
};

describe('runPipeline', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];

  it('decodes image k+1 while image k is in the model, and finishes k-1 meanwhile', async () => {
    const { stages, events, clock, outcomes } = loggedStages();
    const spans: Span[] = [];
    await runPipeline(items, stages, { clock, onSpan: (span) => spans.push(span) });
    for (let k = 0; k + 1 < items.length; k++) {
      expect(at(events, 'decode-start', k + 1)).toBeLessThan(at(events, 'infer-end', k));
      expect(at(events, 'finish-start', k)).toBeLessThan(at(events, 'infer-end', k + 1));
      expect(at(events, 'finish-start', k)).toBeGreaterThan(at(events, 'infer-start', k + 1));
    }
    expect(outcomes.map((o) => o.index)).toEqual([0, 1, 2, 3, 4]);
    expect(outcomes[2].outcome).toEqual({ ok: true, decoded: 'pixels of c', inferred: 'map of pixels of c' });
    expect(spans.filter((s) => s.stage === 'infer').map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
    for (const span of spans) expect(span.end).toBeGreaterThan(span.start);
  });

  it.each([0, 1, 2])('keeps at most %i decoded images waiting for the model', async (prefetch) => {
    const { stages, events, clock } = loggedStages();
    await runPipeline(items, stages, { clock, prefetch });
    // Decoding k + prefetch + 1 waits until image k has left the model.
    for (let k = 0; k + prefetch + 1 < items.length; k++) {
      expect(at(events, 'decode-start', k + prefetch + 1)).toBeGreaterThan(at(events, 'infer-end', k));
    }
    // One decode at a time: each starts after the one before ends.
    for (let k = 0; k + 1 < items.length; k++) expect(at(events, 'decode-start', k + 1)).toBeGreaterThan(at(events, 'decode-end', k));
  });

  it('hands failures to finish with the stage that failed, and goes on', async () => {
    const { stages, outcomes } = loggedStages({ decode: [1], infer: [3] });
    await runPipeline(items, stages);
    expect(outcomes.map(({ index, outcome }) => [index, outcome.ok ? 'ok' : outcome.stage])).toEqual([
      [0, 'ok'],
      [1, 'decode'],
      [2, 'ok'],
      [3, 'infer'],
      [4, 'ok'],
    ]);
    const failed = outcomes[1].outcome;
    expect(!failed.ok && (failed.error as Error).message).toBe('cannot decode b');
  });

  it('stops with the error when finishing an item fails (the output cannot be written)', async () => {
    const { stages } = loggedStages();
    const failing = { ...stages, finish: async (_: string, __: Outcome<string, string>, index: number) => { if (index === 2) throw new Error('disk full'); } };
    await expect(runPipeline(items, failing)).rejects.toThrow('disk full');
  });

  it('on abort finishes the item in the model, starts no other, and lets the decodes ahead settle first', async () => {
    const { stages, events, outcomes, clock } = loggedStages();
    const abort = new AbortController();
    const infer = stages.infer;
    stages.infer = (decoded, index) => {
      if (index === 1) abort.abort();
      return infer(decoded, index);
    };
    await runPipeline(['a', 'b', 'c', 'd'], stages, { clock, signal: abort.signal });
    expect(outcomes.map((o) => [o.index, o.outcome.ok])).toEqual([
      [0, true],
      [1, true],
    ]);
    expect(events.some((e) => e.what === 'infer-start' && e.index === 2)).toBe(false);
    // The decode started ahead (item 2) ended before runPipeline returned.
    expect(events.filter((e) => e.what === 'decode-start').length).toBe(events.filter((e) => e.what === 'decode-end').length);
  });
});

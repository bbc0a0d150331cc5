import { describe, expect, it } from 'vitest';
import { PollDoze } from './poll-doze.js';

const HOUR = 3_600_000;

describe('PollDoze', () => {
  it('a poke while awake makes the next wait return at once, once', async () => {
    const doze = new PollDoze(HOUR);
    doze.poke();
    await doze.wait(new AbortController().signal); // would take an hour if the poke were lost
    const stop = new AbortController();
    let second = false;
    const waiting = doze.wait(stop.signal).then(() => (second = true));
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(false); // the poke was used up
    stop.abort();
    await waiting;
  });

  it('a poke during a wait ends it; so does the signal', async () => {
    const doze = new PollDoze(HOUR);
    const waiting = doze.wait(new AbortController().signal);
    await new Promise((r) => setImmediate(r));
    doze.poke();
    await waiting;
    const stop = new AbortController();
    const aborted = doze.wait(stop.signal);
    stop.abort();
    await aborted;
  });
});

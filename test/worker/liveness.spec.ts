import { Liveness } from '../../lib/worker/liveness.js';

/** A liveness record on a clock the test moves by hand (deadAfter 3 s, heartbeats every second). */
function record() {
  let now = 0;
  const liveness = new Liveness(3000, () => now);
  return { liveness, advance: (ms: number) => (now += ms) };
}

/** Heartbeats that come back every second for `ms`. */
function heardFor(r: ReturnType<typeof record>, ms: number) {
  for (let t = 0; t < ms; t += 1000) {
    r.advance(1000);
    r.liveness.heard();
  }
}

describe('Liveness (when a worker fences itself, and when it may declare others dead)', () => {
  it('a worker that just started rescues nobody until it has been heard for deadAfter', () => {
    const r = record();
    r.liveness.heard();
    expect(r.liveness.mayRescue()).toBe(false);
    heardFor(r, 2000);
    expect(r.liveness.mayRescue()).toBe(false);
    heardFor(r, 1000);
    expect(r.liveness.mayRescue()).toBe(true);
  });

  it('after an outage of any length, rescue waits for deadAfter of heartbeats counted from the first one back', () => {
    for (const outageMs of [1000, 4500, 30_000]) {
      const r = record();
      r.liveness.heard();
      heardFor(r, 5000);
      expect(r.liveness.mayRescue()).toBe(true);
      for (let t = 0; t < outageMs; t += 1000) {
        r.advance(1000);
        r.liveness.failed();
      }
      expect(r.liveness.mayRescue()).toBe(false);
      r.advance(1000);
      r.liveness.heard(); // the first heartbeat back
      heardFor(r, 2000);
      expect({ outageMs, mayRescue: r.liveness.mayRescue() }).toEqual({ outageMs, mayRescue: false });
      heardFor(r, 1000);
      expect({ outageMs, mayRescue: r.liveness.mayRescue() }).toEqual({ outageMs, mayRescue: true });
    }
  });

  it('a heartbeat that hangs is silence: past half of deadAfter the worker is silent enough to fence, and may rescue nobody', () => {
    const r = record();
    r.liveness.heard();
    heardFor(r, 4000);
    r.advance(1500);
    expect(r.liveness.silentFor()).toBe(1500);
    expect(r.liveness.mayRescue()).toBe(true);
    r.advance(1);
    expect(r.liveness.silentFor()).toBeGreaterThan(1500);
    expect(r.liveness.mayRescue()).toBe(false);
  });

  it('a heartbeat that comes back after a long silence starts a new run, and says how long the silence was', () => {
    const r = record();
    r.liveness.heard();
    heardFor(r, 4000);
    r.advance(2000);
    expect(r.liveness.heard()).toBe(2000); // no failure was seen, but the run is broken
    expect(r.liveness.mayRescue()).toBe(false);
    heardFor(r, 3000);
    expect(r.liveness.mayRescue()).toBe(true);
    r.advance(1000);
    expect(r.liveness.heard()).toBeNull(); // an ordinary beat
  });
});

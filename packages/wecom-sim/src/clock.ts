// A clock tests can move by hand: pass `clock` to createWecomSimulator and advance() through
// token expiry, the 20 s welcome-code window, 3-day media expiry or transfer delays.
export interface ManualClock {
  now(): number;
  advance(milliseconds: number): number;
  set(milliseconds: number): void;
}

export function createManualClock(startMs: number = Date.now()): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance: (milliseconds) => (current += milliseconds),
    set: (milliseconds) => {
      current = milliseconds;
    },
  };
}

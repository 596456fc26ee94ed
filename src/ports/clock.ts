/**
 * The current time, as a port: use cases that compute due times read it from here, so tests can
 * fix or move "now" (slots, daylight-saving days, pause/resume) without waiting for the wall clock.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Wall-clock reading of an instant in a time zone (the corp's, Asia/Shanghai by default). */
export interface LocalTime {
  /** YYYY-MM-DD: the day daily limits count in. */
  day: string;
  /** Minutes since local midnight, 0–1439. */
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function localTime(instant: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(instant).map((p) => [p.type, p.value]));
  return { day: `${parts.year}-${parts.month}-${parts.day}`, minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** The instant of the next local midnight after `instant` (when daily counters roll over). */
export function nextLocalMidnight(instant: Date, timeZone: string): Date {
  const { minuteOfDay } = localTime(instant, timeZone);
  // Step to roughly the next midnight, then correct for DST-free zones' seconds and any offset change.
  let candidate = new Date(instant.getTime() + (1440 - minuteOfDay) * 60_000 - instant.getUTCSeconds() * 1000 - instant.getUTCMilliseconds());
  for (let i = 0; i < 3 && localTime(candidate, timeZone).minuteOfDay !== 0; i++) {
    candidate = new Date(candidate.getTime() - localTime(candidate, timeZone).minuteOfDay * 60_000);
  }
  return candidate;
}

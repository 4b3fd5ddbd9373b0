/**
 * Working hours of an allocation rule: "09:00-18:00", several windows separated by commas
 * ("09:00-12:00,13:30-18:00"), windows crossing midnight ("22:00-06:00"), "00:00-24:00" for all day.
 * Empty means always. Start inclusive, end exclusive.
 */
export interface Window {
  start: number;
  end: number;
}

const WINDOW = /^([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-3]|24):([0-5]\d)$/;

export class WorkingHoursError extends Error {}

/** Parses working hours; throws WorkingHoursError with the offending part. */
export function parseWorkingHours(text: string | null | undefined): Window[] {
  if (text === null || text === undefined || text.trim() === '') return [];
  return text.split(/[,，]/).map((raw) => {
    const part = raw.trim().replace(/[－—~～]/g, '-');
    const match = WINDOW.exec(part);
    if (!match) throw new WorkingHoursError(`"${raw.trim()}" is not HH:mm-HH:mm`);
    const start = Number(match[1]) * 60 + Number(match[2]);
    const end = Number(match[3]) * 60 + Number(match[4]);
    if (end > 1440) throw new WorkingHoursError(`"${part}" ends after 24:00`);
    if (start === end) throw new WorkingHoursError(`"${part}" is empty`);
    return { start, end };
  });
}

export function isValidWorkingHours(text: string | null | undefined): boolean {
  try {
    parseWorkingHours(text);
    return true;
  } catch {
    return false;
  }
}

/** Whether a local minute of the day falls inside the windows (no windows: always). */
export function withinWorkingHours(windows: Window[], minuteOfDay: number): boolean {
  if (windows.length === 0) return true;
  return windows.some(({ start, end }) =>
    start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end,
  );
}

/** Minutes of the day at which being inside the windows may change (window starts and ends). */
export function boundaries(windows: Window[]): number[] {
  return [...new Set(windows.flatMap(({ start, end }) => [start, end % 1440]))].sort((a, b) => a - b);
}

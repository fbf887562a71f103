/**
 * Time helpers for the demo timeline. Every seeded time is relative to one anchor (`now`
 * rounded down to the hour), so the demo always looks recent and is the same for the same now.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function floorToHour(d: Date): Date {
  return new Date(Math.floor(d.getTime() / HOUR) * HOUR);
}

/** Local calendar fields of an instant in an IANA time zone. */
export function localParts(at: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    weekday: "short",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const isoWeekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday")) + 1;
  return {
    year: Number(get("year")),
    month: Number(get("month")),
    day: Number(get("day")),
    hour: Number(get("hour")),
    minute: Number(get("minute")),
    isoWeekday,
    isoDate: `${get("year")}-${get("month")}-${get("day")}`,
  };
}

/** The instant at which the wall clock in `timeZone` shows the given local date and time. */
export function zonedTime(
  local: { year: number; month: number; day: number; hour: number; minute?: number },
  timeZone: string,
): Date {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute ?? 0);
  // Two passes settle the offset even next to a daylight-saving change.
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const p = localParts(new Date(guess), timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    guess += wall - shown;
  }
  return new Date(guess);
}

export interface DemoClock {
  /** The anchor: `now` rounded down to the hour. */
  anchor: Date;
  /** `days` (and `hours`, `minutes`) before the anchor. */
  ago(days: number, hours?: number, minutes?: number): Date;
  /** `at` plus an offset. */
  plus(at: Date, hours: number, minutes?: number, ms?: number): Date;
  /**
   * A working-hours moment for high-risk deploys: the latest Monday–Thursday (not a holiday) on
   * or before `daysAgo` days back, at `localHour` in the service's time zone.
   */
  inDeployWindow(daysAgo: number, localHour: number, localMinute?: number): Date;
}

export function demoClock(now: Date, timeZone: string, holidays: readonly string[] = []): DemoClock {
  const anchor = floorToHour(now);
  return {
    anchor,
    ago: (days, hours = 0, minutes = 0) =>
      new Date(anchor.getTime() - days * DAY - hours * HOUR - minutes * 60_000),
    plus: (at, hours, minutes = 0, ms = 0) => new Date(at.getTime() + hours * HOUR + minutes * 60_000 + ms),
    inDeployWindow(daysAgo, localHour, localMinute = 0) {
      for (let back = daysAgo; back < daysAgo + 14; back++) {
        const p = localParts(new Date(anchor.getTime() - back * DAY), timeZone);
        if (p.isoWeekday > 4 || holidays.includes(p.isoDate)) continue;
        return zonedTime({ ...p, hour: localHour, minute: localMinute }, timeZone);
      }
      throw new Error("No working day found for the demo timeline");
    },
  };
}

/** `rel_<yyyymmdd>_<hhmm>_<4 hex>` from the manifest's time (UTC). */
export function releaseIdFor(at: Date, hex4: string): string {
  const iso = at.toISOString();
  return `rel_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}_${hex4}`;
}

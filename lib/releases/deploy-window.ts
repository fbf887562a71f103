import { TZDate } from "@date-fns/tz";
import { format, getISODay } from "date-fns";
import type { ServiceSettings } from "@/lib/services/settings";

/**
 * Is a service's deploy window open at a given instant (SPEC §1)? Everything is judged in the
 * service's IANA time zone by @date-fns/tz, so DST shifts move the window with the wall clock:
 * 09:00 in Berlin is 08:00Z in winter and 07:00Z in summer. The window is [start, end) local time
 * on the listed ISO weekdays, and closed all day on a listed holiday (a local date).
 */

export type DeployWindow = ServiceSettings["deployWindow"];
export type Holiday = ServiceSettings["holidays"][number];

export interface DeployWindowStatus {
  open: boolean;
  /** One or two sentences for the operator: where the clock stands and what that means. */
  reason: string;
  /** The service's local time, e.g. "Mon 2026-03-30 09:00 UTC+02:00". */
  localTime: string;
  /** When closed: the next instant the window opens (searched up to about a year ahead). */
  nextOpensAt?: Date;
  /** When open: the instant it closes today. */
  closesAt?: Date;
  /** The holiday that keeps it closed today, if any. */
  holiday?: Holiday;
}

const DAY_SHORT = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/** Far enough to step over a year of holidays; beyond that the calendar is misconfigured. */
const SEARCH_DAYS = 371;

export function deployWindowStatus(input: {
  now: Date;
  timeZone: string;
  window: DeployWindow;
  holidays: readonly Holiday[];
}): DeployWindowStatus {
  const { now, timeZone, window, holidays } = input;
  if (Number.isNaN(now.getTime())) throw new RangeError("deployWindowStatus needs a valid `now`.");

  if (!isTimeZone(timeZone)) {
    return {
      open: false,
      reason: `The service's time zone "${timeZone}" is not a known IANA time zone, so the deploy window cannot be judged. Fix it in the service's settings.`,
      // Shown in UTC: the machine's own zone must not leak into the answer.
      localTime: `${now.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    };
  }

  const local = new TZDate(now.getTime(), timeZone);
  const localTime = format(local, "EEE yyyy-MM-dd HH:mm 'UTC'xxx");
  const described = `${describeDeployWindow(window)}, ${timeZone}`;
  const clock = format(local, "EEEE HH:mm");
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);

  if (start === null || end === null || start >= end) {
    return {
      open: false,
      reason: `The deploy window (${window.start}–${window.end}) is misconfigured: it must start before it ends on the same day. Fix it in the service's settings.`,
      localTime,
    };
  }
  if (window.days.length === 0) {
    return { open: false, reason: "The deploy window has no days set. Fix it in the service's settings.", localTime };
  }

  const today = format(local, "yyyy-MM-dd");
  const holiday = holidays.find((h) => h.date === today);
  const isDeployDay = window.days.includes(getISODay(local));
  const minute = local.getHours() * 60 + local.getMinutes();
  const at = (dayOffset: number, minutes: number) =>
    new Date(
      new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + dayOffset, Math.floor(minutes / 60), minutes % 60, timeZone).getTime(),
    );

  if (!holiday && isDeployDay && minute >= start && minute < end) {
    return {
      open: true,
      reason: `Inside the deploy window (${described}): it is ${clock}.`,
      localTime,
      closesAt: at(0, end),
    };
  }

  let why: string;
  if (holiday) why = `today, ${today}, is a holiday (${holiday.name})`;
  else if (!isDeployDay) why = `it is ${clock}, and ${format(local, "EEEE")} is not a deploy day`;
  else if (minute < start) why = `it is ${clock}, before the window opens`;
  else why = `it is ${clock}, and the window closed at ${window.end}`;

  const nextOpensAt = nextOpening(local, minute, start, window.days, holidays, at);
  const next = nextOpensAt
    ? ` It next opens ${format(new TZDate(nextOpensAt.getTime(), timeZone), "EEEE yyyy-MM-dd 'at' HH:mm")}.`
    : " It does not open within the next year: check the deploy days and holidays in the service's settings.";

  return {
    open: false,
    reason: `Outside the deploy window (${described}): ${why}.${next}`,
    localTime,
    ...(nextOpensAt ? { nextOpensAt } : {}),
    ...(holiday ? { holiday } : {}),
  };
}

function nextOpening(
  local: TZDate,
  minute: number,
  start: number,
  days: readonly number[],
  holidays: readonly Holiday[],
  at: (dayOffset: number, minutes: number) => Date,
): Date | undefined {
  const holidayDates = new Set(holidays.map((h) => h.date));
  for (let offset = minute < start ? 0 : 1; offset <= SEARCH_DAYS; offset++) {
    // Calendar arithmetic in the service's zone: the 9th plus one day is the 10th, DST or not.
    const day = new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + offset, 12, 0, local.timeZone);
    if (days.includes(getISODay(day)) && !holidayDates.has(format(day, "yyyy-MM-dd"))) return at(offset, start);
  }
  return undefined;
}

/** "Mon–Thu 09:00–16:00", "Mon, Wed, Fri 10:00–12:00", "every day 00:00–23:59". */
export function describeDeployWindow(window: DeployWindow): string {
  const days = [...new Set(window.days)].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
  const hours = `${window.start}–${window.end}`;
  if (days.length === 7) return `every day ${hours}`;
  const runs: number[][] = [];
  for (const d of days) {
    const run = runs[runs.length - 1];
    if (run && run[run.length - 1] === d - 1) run.push(d);
    else runs.push([d]);
  }
  const parts = runs.flatMap((run) =>
    run.length >= 3 ? [`${DAY_SHORT[run[0]!]}–${DAY_SHORT[run[run.length - 1]!]}`] : run.map((d) => DAY_SHORT[d]!),
  );
  return `${parts.join(", ")} ${hours}`;
}

function minutesOf(hhmm: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return timeZone.length > 0;
  } catch {
    return false;
  }
}

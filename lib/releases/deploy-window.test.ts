import { describe, expect, it } from "vitest";
import { describeDeployWindow, deployWindowStatus, type DeployWindow, type Holiday } from "./deploy-window";

/**
 * Every instant below is written in UTC, derived by hand from the local time and the offset in
 * force (noted beside it), so the tests do not share the code's time-zone arithmetic.
 *
 * 2026 calendar: Berlin leaves CET (UTC+1) for CEST (UTC+2) on Sun 29 March and returns on
 * Sun 25 October; New York leaves EST (UTC−5) for EDT (UTC−4) on Sun 8 March and returns on
 * Sun 1 November.
 */
const DEFAULT_WINDOW: DeployWindow = { days: [1, 2, 3, 4], start: "09:00", end: "16:00" };
const status = (now: string, timeZone: string, holidays: Holiday[] = [], window = DEFAULT_WINDOW) =>
  deployWindowStatus({ now: new Date(now), timeZone, window, holidays });

describe("deployWindowStatus across DST changes: [09:00, 16:00) on the Monday after", () => {
  it.each<[string, string, string, boolean, string]>([
    // Europe/Berlin, Mon 30 March 2026, CEST = UTC+2 (one day after the spring change)
    ["Berlin spring 08:59", "Europe/Berlin", "2026-03-30T06:59:00Z", false, "Mon 2026-03-30 08:59 UTC+02:00"],
    ["Berlin spring 09:00", "Europe/Berlin", "2026-03-30T07:00:00Z", true, "Mon 2026-03-30 09:00 UTC+02:00"],
    ["Berlin spring 15:59", "Europe/Berlin", "2026-03-30T13:59:00Z", true, "Mon 2026-03-30 15:59 UTC+02:00"],
    ["Berlin spring 16:00", "Europe/Berlin", "2026-03-30T14:00:00Z", false, "Mon 2026-03-30 16:00 UTC+02:00"],
    // The Monday before, still CET = UTC+1: the same wall clock is an hour later in UTC.
    ["Berlin winter 08:59", "Europe/Berlin", "2026-03-23T07:59:00Z", false, "Mon 2026-03-23 08:59 UTC+01:00"],
    ["Berlin winter 09:00", "Europe/Berlin", "2026-03-23T08:00:00Z", true, "Mon 2026-03-23 09:00 UTC+01:00"],
    // Europe/Berlin, Mon 26 October 2026, CET = UTC+1 (one day after the autumn change)
    ["Berlin autumn 08:59", "Europe/Berlin", "2026-10-26T07:59:00Z", false, "Mon 2026-10-26 08:59 UTC+01:00"],
    ["Berlin autumn 09:00", "Europe/Berlin", "2026-10-26T08:00:00Z", true, "Mon 2026-10-26 09:00 UTC+01:00"],
    ["Berlin autumn 15:59", "Europe/Berlin", "2026-10-26T14:59:00Z", true, "Mon 2026-10-26 15:59 UTC+01:00"],
    ["Berlin autumn 16:00", "Europe/Berlin", "2026-10-26T15:00:00Z", false, "Mon 2026-10-26 16:00 UTC+01:00"],
    // America/New_York, Mon 9 March 2026, EDT = UTC−4
    ["New York spring 08:59", "America/New_York", "2026-03-09T12:59:00Z", false, "Mon 2026-03-09 08:59 UTC-04:00"],
    ["New York spring 09:00", "America/New_York", "2026-03-09T13:00:00Z", true, "Mon 2026-03-09 09:00 UTC-04:00"],
    ["New York spring 15:59", "America/New_York", "2026-03-09T19:59:00Z", true, "Mon 2026-03-09 15:59 UTC-04:00"],
    ["New York spring 16:00", "America/New_York", "2026-03-09T20:00:00Z", false, "Mon 2026-03-09 16:00 UTC-04:00"],
    // America/New_York, Mon 2 November 2026, EST = UTC−5
    ["New York autumn 08:59", "America/New_York", "2026-11-02T13:59:00Z", false, "Mon 2026-11-02 08:59 UTC-05:00"],
    ["New York autumn 09:00", "America/New_York", "2026-11-02T14:00:00Z", true, "Mon 2026-11-02 09:00 UTC-05:00"],
    ["New York autumn 15:59", "America/New_York", "2026-11-02T20:59:00Z", true, "Mon 2026-11-02 15:59 UTC-05:00"],
    ["New York autumn 16:00", "America/New_York", "2026-11-02T21:00:00Z", false, "Mon 2026-11-02 16:00 UTC-05:00"],
    // The last second before the end is still inside; [start, end) is half-open.
    ["Berlin spring 15:59:59.999", "Europe/Berlin", "2026-03-30T13:59:59.999Z", true, "Mon 2026-03-30 15:59 UTC+02:00"],
  ])("%s", (_name, timeZone, now, open, localTime) => {
    const result = status(now, timeZone);
    expect(result.open).toBe(open);
    expect(result.localTime).toBe(localTime);
  });

  it.each<[string, string, string, string]>([
    // Closing on the DST Sunday weekend: the next opening is Monday 09:00 at the NEW offset.
    ["Berlin Fri 27 Mar 17:00 CET (UTC+1) → Mon 30 Mar 09:00 CEST (UTC+2)", "Europe/Berlin", "2026-03-27T16:00:00Z", "2026-03-30T07:00:00Z"],
    ["Berlin Fri 23 Oct 17:00 CEST (UTC+2) → Mon 26 Oct 09:00 CET (UTC+1)", "Europe/Berlin", "2026-10-23T15:00:00Z", "2026-10-26T08:00:00Z"],
    ["New York Fri 6 Mar 17:00 EST (UTC−5) → Mon 9 Mar 09:00 EDT (UTC−4)", "America/New_York", "2026-03-06T22:00:00Z", "2026-03-09T13:00:00Z"],
    ["New York Fri 30 Oct 17:00 EDT (UTC−4) → Mon 2 Nov 09:00 EST (UTC−5)", "America/New_York", "2026-10-30T21:00:00Z", "2026-11-02T14:00:00Z"],
    // On the DST Sunday itself, at 02:30 local (Berlin's skipped hour begins at 02:00 CET).
    ["Berlin Sun 29 Mar 03:30 CEST (UTC+2) → Mon 30 Mar 09:00 CEST", "Europe/Berlin", "2026-03-29T01:30:00Z", "2026-03-30T07:00:00Z"],
    // Before the window on a deploy day: it opens later today.
    ["New York Mon 2 Nov 08:59 EST → 09:00 EST the same day", "America/New_York", "2026-11-02T13:59:00Z", "2026-11-02T14:00:00Z"],
    // After the window on Thursday: the next deploy day is Monday.
    ["Berlin Thu 26 Mar 16:00 CET → Mon 30 Mar 09:00 CEST", "Europe/Berlin", "2026-03-26T15:00:00Z", "2026-03-30T07:00:00Z"],
  ])("next opening: %s", (_name, timeZone, now, nextOpensAt) => {
    const result = status(now, timeZone);
    expect(result.open).toBe(false);
    expect(result.nextOpensAt?.toISOString()).toBe(new Date(nextOpensAt).toISOString());
  });

  it.each<[string, string, string, string]>([
    ["Berlin Mon 30 Mar 09:00 CEST closes 16:00 CEST", "Europe/Berlin", "2026-03-30T07:00:00Z", "2026-03-30T14:00:00Z"],
    ["New York Mon 2 Nov 09:00 EST closes 16:00 EST", "America/New_York", "2026-11-02T14:00:00Z", "2026-11-02T21:00:00Z"],
  ])("closing time: %s", (_name, timeZone, now, closesAt) => {
    const result = status(now, timeZone);
    expect(result.open).toBe(true);
    expect(result.closesAt?.toISOString()).toBe(new Date(closesAt).toISOString());
    expect(result.nextOpensAt).toBeUndefined();
  });
});

describe("deployWindowStatus: holidays are dates in the service's time zone", () => {
  const CHRISTMAS: Holiday[] = [
    { date: "2026-12-24", name: "Christmas Eve" },
    { date: "2026-12-25", name: "Christmas Day" },
    { date: "2026-12-31", name: "New Year's Eve" },
    { date: "2027-01-01", name: "New Year's Day" },
  ];

  it("closes a deploy day that is a holiday, and names the holiday and the next opening", () => {
    // Thu 24 Dec 2026 10:00 CET (UTC+1)
    const result = status("2026-12-24T09:00:00Z", "Europe/Berlin", CHRISTMAS);
    expect(result).toMatchObject({ open: false, holiday: { date: "2026-12-24", name: "Christmas Eve" } });
    // Fri 25 is not a deploy day anyway; Mon 28 09:00 CET is 08:00Z.
    expect(result.nextOpensAt?.toISOString()).toBe("2026-12-28T08:00:00.000Z");
    expect(result.reason).toBe(
      "Outside the deploy window (Mon–Thu 09:00–16:00, Europe/Berlin): today, 2026-12-24, is a holiday (Christmas Eve). It next opens Monday 2026-12-28 at 09:00.",
    );
  });

  it("skips holidays when looking for the next opening", () => {
    // Wed 30 Dec 2026 16:30 CET: Thu 31 and Fri 1 are holidays, so Mon 4 Jan 09:00 CET = 08:00Z.
    const result = status("2026-12-30T15:30:00Z", "Europe/Berlin", CHRISTMAS);
    expect(result.nextOpensAt?.toISOString()).toBe("2027-01-04T08:00:00.000Z");
  });

  it.each<[string, Holiday[], boolean]>([
    // Pacific/Auckland in February is NZDT = UTC+13: 20:00Z on Sunday 1 Feb is 09:00 on Monday 2 Feb.
    ["the local date is the holiday: closed", [{ date: "2026-02-02", name: "Team offsite" }], false],
    ["the UTC date is the holiday: the local Monday is open", [{ date: "2026-02-01", name: "Team offsite" }], true],
    ["no holiday: open", [], true],
  ])("%s", (_name, holidays, open) => {
    expect(status("2026-02-01T20:00:00Z", "Pacific/Auckland", holidays).open).toBe(open);
  });

  it("a holiday outside the deploy days changes nothing", () => {
    // Fri 25 Dec is closed because Friday is not a deploy day; the holiday is still reported.
    const result = status("2026-12-25T09:00:00Z", "Europe/Berlin", CHRISTMAS);
    expect(result.open).toBe(false);
    expect(result.holiday?.name).toBe("Christmas Day");
  });
});

describe("deployWindowStatus: the reasons an operator reads", () => {
  it.each<[string, string, string]>([
    // Mon 30 Mar 2026, CEST = UTC+2
    ["open", "2026-03-30T08:30:00Z", "Inside the deploy window (Mon–Thu 09:00–16:00, Europe/Berlin): it is Monday 10:30."],
    [
      "before it opens",
      "2026-03-30T06:59:00Z",
      "Outside the deploy window (Mon–Thu 09:00–16:00, Europe/Berlin): it is Monday 08:59, before the window opens. It next opens Monday 2026-03-30 at 09:00.",
    ],
    [
      "after it closed",
      "2026-03-30T14:00:00Z",
      "Outside the deploy window (Mon–Thu 09:00–16:00, Europe/Berlin): it is Monday 16:00, and the window closed at 16:00. It next opens Tuesday 2026-03-31 at 09:00.",
    ],
    // Fri 3 Apr 2026 10:00 CEST
    [
      "not a deploy day",
      "2026-04-03T08:00:00Z",
      "Outside the deploy window (Mon–Thu 09:00–16:00, Europe/Berlin): it is Friday 10:00, and Friday is not a deploy day. It next opens Monday 2026-04-06 at 09:00.",
    ],
  ])("%s", (_name, now, reason) => {
    expect(status(now, "Europe/Berlin").reason).toBe(reason);
  });

  it.each<[string, DeployWindow, string]>([
    ["ends before it starts", { days: [1], start: "16:00", end: "09:00" }, "The deploy window (16:00–09:00) is misconfigured: it must start before it ends on the same day. Fix it in the service's settings."],
    ["ends when it starts", { days: [1], start: "09:00", end: "09:00" }, "The deploy window (09:00–09:00) is misconfigured: it must start before it ends on the same day. Fix it in the service's settings."],
    ["a time that is not HH:MM", { days: [1], start: "9am", end: "16:00" }, "The deploy window (9am–16:00) is misconfigured: it must start before it ends on the same day. Fix it in the service's settings."],
    ["no days", { days: [], start: "09:00", end: "16:00" }, "The deploy window has no days set. Fix it in the service's settings."],
  ])("a misconfigured window is closed, never open: %s", (_name, window, reason) => {
    const result = status("2026-03-30T08:00:00Z", "Europe/Berlin", [], window);
    expect(result).toMatchObject({ open: false, reason });
    expect(result.nextOpensAt).toBeUndefined();
  });

  it("an unknown time zone is closed, with the local time shown in UTC", () => {
    expect(status("2026-03-30T08:00:00Z", "Mars/Olympus_Mons")).toEqual({
      open: false,
      reason: 'The service\'s time zone "Mars/Olympus_Mons" is not a known IANA time zone, so the deploy window cannot be judged. Fix it in the service\'s settings.',
      localTime: "2026-03-30 08:00 UTC",
    });
  });

  it("says so when every deploy day for a year is a holiday", () => {
    // Only Mondays, and every Monday of the next 53 weeks is a holiday.
    const mondays = Array.from({ length: 54 }, (_, i) => ({
      date: new Date(Date.UTC(2026, 2, 30 + 7 * i)).toISOString().slice(0, 10),
      name: "Freeze",
    }));
    const result = status("2026-03-30T08:00:00Z", "Europe/Berlin", mondays, { days: [1], start: "09:00", end: "16:00" });
    expect(result.open).toBe(false);
    expect(result.nextOpensAt).toBeUndefined();
    expect(result.reason).toMatch(/It does not open within the next year/);
  });

  it("refuses an invalid `now` loudly: that is a bug, not a closed window", () => {
    expect(() => deployWindowStatus({ now: new Date("nope"), timeZone: "UTC", window: DEFAULT_WINDOW, holidays: [] })).toThrow(RangeError);
  });
});

describe("deployWindowStatus: other windows", () => {
  it.each<[string, DeployWindow, string, boolean]>([
    ["every day, whole day: Sunday 00:00 UTC", { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "23:59" }, "2026-03-29T00:00:00Z", true],
    ["every day, whole day: 23:59 is the end, so outside", { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "23:59" }, "2026-03-29T23:59:00Z", false],
    ["Friday only, on a Friday", { days: [5], start: "10:00", end: "12:00" }, "2026-04-03T11:00:00Z", true],
    ["Friday only, on a Thursday", { days: [5], start: "10:00", end: "12:00" }, "2026-04-02T11:00:00Z", false],
  ])("%s", (_name, window, now, open) => {
    expect(status(now, "UTC", [], window).open).toBe(open);
  });
});

describe("describeDeployWindow", () => {
  it.each<[number[], string]>([
    [[1, 2, 3, 4], "Mon–Thu 09:00–16:00"],
    [[1, 2, 3, 4, 5, 6, 7], "every day 09:00–16:00"],
    [[1, 3, 5], "Mon, Wed, Fri 09:00–16:00"],
    [[1, 2], "Mon, Tue 09:00–16:00"],
    [[6, 7, 1, 2, 3], "Mon–Wed, Sat, Sun 09:00–16:00"],
    [[4, 4, 3, 2], "Tue–Thu 09:00–16:00"],
  ])("%j → %s", (days, text) => {
    expect(describeDeployWindow({ days, start: "09:00", end: "16:00" })).toBe(text);
  });
});

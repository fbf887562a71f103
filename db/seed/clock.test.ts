import { describe, expect, it } from "vitest";
import { demoClock, floorToHour, localParts, releaseIdFor, zonedTime } from "./clock";

describe("zonedTime", () => {
  it.each([
    // Berlin: CEST (UTC+2) in summer, CET (UTC+1) in winter; New York: EDT (UTC-4) / EST (UTC-5).
    { tz: "Europe/Berlin", local: { year: 2026, month: 7, day: 1, hour: 10 }, utc: "2026-07-01T08:00:00.000Z" },
    { tz: "Europe/Berlin", local: { year: 2026, month: 11, day: 12, hour: 10 }, utc: "2026-11-12T09:00:00.000Z" },
    { tz: "Europe/Berlin", local: { year: 2026, month: 10, day: 26, hour: 9 }, utc: "2026-10-26T08:00:00.000Z" },
    { tz: "America/New_York", local: { year: 2026, month: 10, day: 22, hour: 11 }, utc: "2026-10-22T15:00:00.000Z" },
    { tz: "America/New_York", local: { year: 2026, month: 11, day: 2, hour: 10 }, utc: "2026-11-02T15:00:00.000Z" },
    { tz: "UTC", local: { year: 2027, month: 1, day: 1, hour: 0, minute: 30 }, utc: "2027-01-01T00:30:00.000Z" },
  ])("$tz $local.year-$local.month-$local.day $local.hour:00 is $utc", ({ tz, local, utc }) => {
    expect(zonedTime(local, tz).toISOString()).toBe(utc);
  });
});

describe("demoClock", () => {
  const now = new Date("2026-11-22T09:41:27.123Z"); // a Sunday
  it("anchors on the hour", () => {
    expect(demoClock(now, "UTC").anchor.toISOString()).toBe("2026-11-22T09:00:00.000Z");
    expect(floorToHour(new Date("2026-11-22T09:00:00.000Z")).toISOString()).toBe("2026-11-22T09:00:00.000Z");
  });

  it.each([
    { daysAgo: 0, expected: "2026-11-19" }, // Sunday -> back to Thursday
    { daysAgo: 3, expected: "2026-11-19" }, // Thursday itself
    { daysAgo: 5, expected: "2026-11-17" }, // Tuesday
    { daysAgo: 1, holidays: ["2026-11-19"], expected: "2026-11-18" }, // Thursday is a holiday
  ])("puts a deploy $daysAgo days back on a Mon–Thu working day ($expected)", ({ daysAgo, holidays, expected }) => {
    const at = demoClock(now, "Europe/Berlin", holidays).inDeployWindow(daysAgo, 10, 30);
    const local = localParts(at, "Europe/Berlin");
    expect(local.isoDate).toBe(expected);
    expect([local.hour, local.minute]).toEqual([10, 30]);
    expect(local.isoWeekday).toBeLessThanOrEqual(4);
  });
});

describe("releaseIdFor", () => {
  it("formats rel_<yyyymmdd>_<hhmm>_<hex> in UTC", () => {
    expect(releaseIdFor(new Date("2026-03-03T19:00:59.999Z"), "ab12")).toBe("rel_20260303_1900_ab12");
  });
});

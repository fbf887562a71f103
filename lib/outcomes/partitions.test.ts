import { describe, expect, it } from "vitest";
import { DEFAULT_EVENTS_PARTITION, EVENTS_TABLE, expiredPartitions, partitionDayOf, partitionDaysOf, partitionName, partitionRangeOf } from "./partitions";

describe("partition names", () => {
  it("names the table, its default partition and a day's partition", () => {
    expect(EVENTS_TABLE).toBe("outcome_events");
    expect(DEFAULT_EVENTS_PARTITION).toBe("outcome_events_default");
    expect(partitionName("20261122")).toBe("outcome_events_p20261122");
  });

  it.each(["2026-11-22", "2026112", "202611220", "", "abcdefgh", "20261122; drop table x"])("refuses %j as a day", (day) => {
    expect(() => partitionName(day)).toThrow(RangeError);
  });
});

describe("partitionDayOf: the UTC day", () => {
  it.each([
    { at: "2026-11-22T00:00:00.000Z", day: "20261122" },
    { at: "2026-11-22T23:59:59.999Z", day: "20261122" },
    { at: "2026-11-23T00:00:00.000Z", day: "20261123" },
    // 00:30 in Berlin is still the 22nd in UTC: partitions follow UTC, not the client's zone.
    { at: "2026-11-23T00:30:00+01:00", day: "20261122" },
    { at: "2028-02-29T12:00:00Z", day: "20280229" },
    { at: "2026-12-31T23:59:59.999Z", day: "20261231" },
    { at: "2027-01-01T00:00:00Z", day: "20270101" },
  ])("$at falls in $day", ({ at, day }) => {
    expect(partitionDayOf(new Date(at))).toBe(day);
  });
});

describe("partitionRangeOf", () => {
  it("is the day's [from, to) in UTC", () => {
    expect(partitionRangeOf("outcome_events_p20261122")).toEqual({ from: new Date("2026-11-22T00:00:00Z"), to: new Date("2026-11-23T00:00:00Z") });
    expect(partitionRangeOf("outcome_events_p20261231")).toEqual({ from: new Date("2026-12-31T00:00:00Z"), to: new Date("2027-01-01T00:00:00Z") });
    expect(partitionRangeOf("outcome_events_p20280229")!.to).toEqual(new Date("2028-03-01T00:00:00Z"));
  });

  it("contains exactly the times whose day names it", () => {
    for (const at of ["2026-03-29T00:00:00Z", "2026-03-29T01:30:00Z", "2026-03-29T23:59:59.999Z"]) {
      const range = partitionRangeOf(partitionName(partitionDayOf(new Date(at))))!;
      expect(range.from.getTime()).toBeLessThanOrEqual(new Date(at).getTime());
      expect(range.to.getTime()).toBeGreaterThan(new Date(at).getTime());
      expect(range.to.getTime() - range.from.getTime()).toBe(86_400_000);
    }
  });

  it.each([
    "outcome_events_default",
    "outcome_events",
    "outcome_events_p2026112",
    "outcome_events_p20261331",
    "outcome_events_p20261131",
    "outcome_events_p20270229",
    "outcome_events_p20261122_old",
    "other_p20261122",
    "OUTCOME_EVENTS_P20261122",
  ])("is null for %s (not a daily partition)", (name) => {
    expect(partitionRangeOf(name)).toBeNull();
  });
});

describe("partitionDaysOf", () => {
  it("gives each day once, ascending, whatever the order of the times", () => {
    const times = ["2026-11-23T01:00:00Z", "2026-11-21T23:59:59Z", "2026-11-22T00:00:00Z", "2026-11-23T22:00:00Z", "2026-11-21T00:00:00Z"].map((t) => new Date(t));
    expect(partitionDaysOf(times)).toEqual(["20261121", "20261122", "20261123"]);
    expect(partitionDaysOf([])).toEqual([]);
  });
});

describe("expiredPartitions", () => {
  const names = ["outcome_events_p20261020", "outcome_events_p20261021", "outcome_events_p20261022", "outcome_events_default", "outcome_events_p20261122"];

  it("keeps a partition while any part of its day is at or after the cutoff", () => {
    // Cutoff inside the 21st: the 20th is wholly before it; the 21st still holds newer times.
    expect(expiredPartitions(names, new Date("2026-10-21T12:00:00Z"))).toEqual(["outcome_events_p20261020"]);
    // Cutoff exactly at midnight of the 22nd: the 21st ends there (to = cutoff) and expires.
    expect(expiredPartitions(names, new Date("2026-10-22T00:00:00Z"))).toEqual(["outcome_events_p20261020", "outcome_events_p20261021"]);
    expect(expiredPartitions(names, new Date("2026-10-21T23:59:59.999Z"))).toEqual(["outcome_events_p20261020"]);
  });

  it("never names the default partition or a table that is not a daily partition", () => {
    expect(expiredPartitions([...names, "outcome_events_p20261331", "users"], new Date("2030-01-01T00:00:00Z"))).toEqual(names.filter((n) => n !== "outcome_events_default"));
  });
});

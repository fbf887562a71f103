import { describe, expect, it } from "vitest";
import { describeChangeRequestRef, parseChangeRequestRef } from "./change-request-ref";

describe("parseChangeRequestRef", () => {
  it.each<[string | number, ReturnType<typeof parseChangeRequestRef>]>([
    ["CR-42", { number: 42 }],
    ["cr-42", { number: 42 }],
    ["CR42", { number: 42 }],
    ["42", { number: 42 }],
    [" CR-7 ", { number: 7 }],
    [42, { number: 42 }],
    ["CR-007", { number: 7 }],
    ["123456789", { number: 123456789 }],
    ["0A1B2C3D-0000-4000-8000-00000000ABCD", { id: "0a1b2c3d-0000-4000-8000-00000000abcd" }],
    ["CR-0", null],
    [0, null],
    [-3, null],
    [4.5, null],
    [1e9, null],
    ["1234567890", null],
    ["CR--42", null],
    ["PR-42", null],
    ["42abc", null],
    ["", null],
    ["0a1b2c3d-0000-4000-8000", null],
  ])("%j → %j", (raw, expected) => {
    expect(parseChangeRequestRef(raw)).toEqual(expected);
  });
});

describe("describeChangeRequestRef", () => {
  it("names a number as the pages do, and an id as given", () => {
    expect(describeChangeRequestRef({ number: 42 })).toBe("CR-42");
    expect(describeChangeRequestRef({ id: "0a1b2c3d-0000-4000-8000-00000000abcd" })).toBe("0a1b2c3d-0000-4000-8000-00000000abcd");
  });
});

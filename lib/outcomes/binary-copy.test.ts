import { describe, expect, it } from "vitest";
import { BinaryCopyWriter, uuidBytes } from "./binary-copy";

const HEADER = "5047434f50590aff0d0a00" + "00000000" + "00000000"; // "PGCOPY\n\xff\r\n\0", flags, extension length
const hex = (b: Buffer) => b.toString("hex");

describe("BinaryCopyWriter (PostgreSQL's binary COPY format)", () => {
  it("writes the signature header, each field length-prefixed, and the -1 trailer", () => {
    const data = new BinaryCopyWriter().row(3).int4(-2).bool(true).null().finish();
    expect(hex(data)).toBe(HEADER + "0003" + "00000004fffffffe" + "0000000101" + "ffffffff" + "ffff");
  });

  it("text is UTF-8 with its byte length (not its UTF-16 length); jsonb is version 1 then the text", () => {
    const data = new BinaryCopyWriter().row(2).text("é😀").jsonb('{"a":"ß"}').finish();
    const body = data.subarray(HEADER.length / 2 + 2, -2);
    // é is 2 bytes, 😀 4: 6 bytes for a 3-code-unit string.
    expect(hex(body.subarray(0, 10))).toBe("00000006" + Buffer.from("é😀").toString("hex"));
    const json = Buffer.from('{"a":"ß"}');
    expect(body.readInt32BE(10)).toBe(json.length + 1);
    expect(body[14]).toBe(1);
    expect(body.subarray(15)).toEqual(json);
  });

  it("timestamptz counts microseconds from 2000-01-01 as a signed 64-bit integer, before and after", () => {
    const micros = (iso: string) => {
      const data = new BinaryCopyWriter().row(1).timestamptz(Date.parse(iso)).finish();
      const field = data.subarray(HEADER.length / 2 + 2);
      expect(field.readInt32BE(0)).toBe(8);
      return field.readBigInt64BE(4);
    };
    expect(micros("2000-01-01T00:00:00.000Z")).toBe(0n);
    expect(micros("2000-01-01T00:00:00.001Z")).toBe(1000n);
    expect(micros("1999-12-31T23:59:59.999Z")).toBe(-1000n);
    // An independent count: whole days between the epochs, as BigInt arithmetic.
    const days = BigInt((Date.UTC(2026, 11, 4) - Date.UTC(2000, 0, 1)) / 86_400_000);
    expect(micros("2026-12-04T09:41:27.123Z")).toBe(days * 86_400_000_000n + ((9n * 3600n + 41n * 60n + 27n) * 1000n + 123n) * 1000n);
    expect(() => new BinaryCopyWriter().timestamptz(Number.NaN)).toThrow(RangeError);
  });

  it("float8 and uuid are their big-endian bytes", () => {
    const id = "6f1c3f5e-3a0b-4c33-9a53-7c1c7a0d2b11";
    const data = new BinaryCopyWriter().row(2).float8(0.1).uuid(uuidBytes(id)).finish();
    const body = data.subarray(HEADER.length / 2 + 2, -2);
    expect(body.readInt32BE(0)).toBe(8);
    expect(body.readDoubleBE(4)).toBe(0.1);
    expect(body.readInt32BE(12)).toBe(16);
    expect(hex(body.subarray(16))).toBe(id.replaceAll("-", ""));
    expect(() => uuidBytes("not-a-uuid")).toThrow(TypeError);
  });

  it("grows past its first buffer, and chunks taken along the way concatenate to the same data", () => {
    const write = (w: BinaryCopyWriter, i: number) => w.row(2).text(`row ${i} ${"x".repeat(i % 50)}`).int4(i);
    const whole = new BinaryCopyWriter(64);
    for (let i = 0; i < 1_000; i++) write(whole, i);
    const expected = whole.finish();

    const chunked = new BinaryCopyWriter(64);
    const chunks: Buffer[] = [];
    for (let i = 0; i < 1_000; i++) {
      write(chunked, i);
      if (i % 97 === 0) chunks.push(chunked.take());
    }
    chunks.push(chunked.finish());
    expect(Buffer.concat(chunks)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(30_000);
  });
});

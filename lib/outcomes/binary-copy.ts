/**
 * PostgreSQL's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`), written into one
 * growing Buffer. Binary needs no escaping and no number/time formatting: a row costs a few
 * fixed-width writes and one UTF-8 copy per text field. Pure; the field types are the ones the
 * outcome tables use. Format: https://www.postgresql.org/docs/current/sql-copy.html (Binary Format).
 */

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** PostgreSQL timestamps count microseconds from 2000-01-01T00:00:00Z. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_32 = 2 ** 32;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid's 16 bytes (for a value written on every row, parse it once). */
export function uuidBytes(uuid: string): Buffer {
  if (!UUID_PATTERN.test(uuid)) throw new TypeError(`Not a uuid: ${uuid}`);
  return Buffer.from(uuid.replace(/-/g, ""), "hex");
}

export class BinaryCopyWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, 64));
    SIGNATURE.copy(this.buf, 0);
    this.pos = SIGNATURE.length;
    this.buf.writeInt32BE(0, this.pos); // flags
    this.buf.writeInt32BE(0, this.pos + 4); // header extension length
    this.pos += 8;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Starts a row of `fields` fields; write exactly that many next. */
  row(fields: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(fields, this.pos);
    this.pos += 2;
    return this;
  }

  null(): this {
    this.ensure(4);
    this.buf.writeInt32BE(-1, this.pos);
    this.pos += 4;
    return this;
  }

  /** text, varchar, and enums (an enum's binary form is its label). */
  text(value: string): this {
    this.ensure(4 + value.length * 3);
    const n = this.buf.write(value, this.pos + 4, "utf8");
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4 + n;
    return this;
  }

  /** jsonb: a version byte (1), then the JSON text. */
  jsonb(json: string): this {
    this.ensure(5 + json.length * 3);
    this.buf[this.pos + 4] = 1;
    const n = this.buf.write(json, this.pos + 5, "utf8");
    this.buf.writeInt32BE(n + 1, this.pos);
    this.pos += 5 + n;
    return this;
  }

  bool(value: boolean): this {
    this.ensure(5);
    this.buf.writeInt32BE(1, this.pos);
    this.buf[this.pos + 4] = value ? 1 : 0;
    this.pos += 5;
    return this;
  }

  int4(value: number): this {
    this.ensure(8);
    this.buf.writeInt32BE(4, this.pos);
    this.buf.writeInt32BE(value, this.pos + 4);
    this.pos += 8;
    return this;
  }

  float8(value: number): this {
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeDoubleBE(value, this.pos + 4);
    this.pos += 12;
    return this;
  }

  /** timestamptz from epoch milliseconds (microseconds since 2000-01-01 as a signed 64-bit integer). */
  timestamptz(epochMs: number): this {
    if (!Number.isFinite(epochMs)) throw new RangeError(`Not a time: ${epochMs}`);
    const micros = (epochMs - PG_EPOCH_MS) * 1000;
    const high = Math.floor(micros / TWO_32);
    this.ensure(12);
    this.buf.writeInt32BE(8, this.pos);
    this.buf.writeInt32BE(high, this.pos + 4);
    this.buf.writeUInt32BE(micros - high * TWO_32, this.pos + 8);
    this.pos += 12;
    return this;
  }

  /** uuid from its 16 bytes (see uuidBytes). */
  uuid(bytes: Buffer): this {
    this.ensure(20);
    this.buf.writeInt32BE(16, this.pos);
    bytes.copy(this.buf, this.pos + 4, 0, 16);
    this.pos += 20;
    return this;
  }

  /**
   * The bytes written since the last take (the header included, the first time) and a fresh
   * buffer for the next ones: COPY data can be sent in chunks while the rest is being written.
   */
  take(): Buffer {
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(Math.max(this.buf.length, 64));
    this.pos = 0;
    return chunk;
  }

  /** Ends the data (the -1 trailer) and returns what take() has not; the writer is done. */
  finish(): Buffer {
    this.ensure(2);
    this.buf.writeInt16BE(-1, this.pos);
    this.pos += 2;
    return this.buf.subarray(0, this.pos);
  }
}

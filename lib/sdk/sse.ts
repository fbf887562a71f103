/**
 * A Server-Sent Events parser (WHATWG HTML §9.2.6, "Interpreting an event stream") for clients
 * that read the stream through fetch: Node 20 has no EventSource, and EventSource cannot send an
 * Authorization header anyway. Feed it decoded text in whatever chunks the network delivers.
 */

export interface SseMessage {
  /** The event type; "message" when the server named none. */
  event: string;
  data: string;
  /** The last event id seen so far on this stream (ids persist across events, per the spec). */
  lastEventId: string;
}

export interface SseParserCallbacks {
  onMessage: (message: SseMessage) => void;
  /** A comment line (": heartbeat …"): the server is alive. */
  onComment?: (text: string) => void;
  /** The server's `retry:` reconnection delay, in ms. */
  onRetry?: (ms: number) => void;
}

export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private hasData = false;
  /** The last event id buffer: survives dispatches, so a reconnect can send it. */
  lastEventId: string;

  constructor(
    private readonly callbacks: SseParserCallbacks,
    initialLastEventId = "",
  ) {
    this.lastEventId = initialLastEventId;
  }

  /** Parses a chunk of text; complete lines are processed, a partial last line is kept. */
  push(chunk: string): void {
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf("\r", start);
      const lf = this.buffer.indexOf("\n", start);
      if (cr < 0 && lf < 0) break;
      let end: number;
      let next: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        // A CR at the very end may be the first half of CRLF: wait for the next chunk.
        if (cr === this.buffer.length - 1) break;
        end = cr;
        next = this.buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(this.buffer.slice(start, end));
      start = next;
    }
    this.buffer = this.buffer.slice(start);
  }

  private line(line: string): void {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) {
      this.callbacks.onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        this.hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.callbacks.onRetry?.(Number(value));
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  private dispatch(): void {
    const event = this.event || "message";
    const data = this.data.join("\n");
    const dispatch = this.hasData;
    this.event = "";
    this.data = [];
    this.hasData = false;
    if (dispatch) this.callbacks.onMessage({ event, data, lastEventId: this.lastEventId });
  }
}

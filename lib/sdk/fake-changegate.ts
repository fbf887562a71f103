import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { ComponentBundle, ServiceSnapshot } from "../runtime/resolve";

/**
 * A stand-in for Changegate's runtime API over node:http, for the SDK's tests: /snapshot with
 * ETag and 304, /stream as Server-Sent Events with Last-Event-ID, and switches to make either
 * fail, hang or go away (the whole server, sockets and all). Not used by app code.
 */

export const SERVICE = "support-assistant";
export const TOKEN = `cg_${SERVICE}_${"ab".repeat(20)}`;

export function bundle(tag: string): ComponentBundle {
  const out: ComponentBundle = {};
  for (const kind of ["prompt", "retrieval", "policy", "tool_permission", "routing"]) {
    out[kind] = { version: `${kind}-${tag}`, versionId: `00000000-0000-4000-8000-${tag.padStart(12, "0").slice(-12)}`, hash: `${tag}`.padEnd(64, "0"), content: { kind, tag } };
  }
  return out;
}

export function makeSnapshot(input: {
  revision: number;
  stable: string;
  canary?: { releaseId: string; percent: number; tenants?: string[] } | null;
  serviceId?: string;
}): ServiceSnapshot {
  const canary = input.canary ? { ...input.canary, tenants: input.canary.tenants ?? [], components: bundle(input.canary.releaseId.slice(-4)) } : null;
  return {
    service: SERVICE,
    serviceId: input.serviceId ?? "11111111-1111-4111-8111-111111111111",
    pointerRevision: input.revision,
    updatedAt: new Date(Date.UTC(2026, 10, 22, 9, input.revision)).toISOString(),
    stable: { releaseId: input.stable, components: bundle(input.stable.slice(-4)) },
    canary,
    etag: `"snap-${input.revision}-${input.stable}-${canary?.releaseId ?? "none"}-${canary?.percent ?? 0}"`,
  };
}

export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  status: number;
}

export type Mode = "ok" | "fail" | "hang";

export class FakeChangegate {
  snapshot: ServiceSnapshot;
  snapshotMode: Mode = "ok";
  streamMode: Mode = "ok";
  readonly requests: LoggedRequest[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Set<ServerResponse>();
  port = 0;

  constructor(snapshot: ServiceSnapshot) {
    this.snapshot = snapshot;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening (again, on the same port after stop(), when it had one). */
  async start(): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Goes away as a crashed server does: every open connection (streams too) is cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    this.streams.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Replaces the snapshot and, unless `push` is false, sends it to every open stream. */
  setSnapshot(snapshot: ServiceSnapshot, options: { push?: boolean } = {}): void {
    this.snapshot = snapshot;
    if (options.push === false) return;
    for (const res of this.streams) this.writeEvent(res);
  }

  /** Writes raw text to every open stream (malformed events, heartbeats). */
  writeRaw(text: string): void {
    for (const res of this.streams) res.write(text);
  }

  requestsTo(suffix: string): LoggedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  private writeEvent(res: ServerResponse): void {
    res.write(`id: ${this.snapshot.pointerRevision}\nevent: snapshot\ndata: ${JSON.stringify(this.snapshot)}\n\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const log = (status: number) => {
      this.requests.push({ method: req.method ?? "GET", path, headers: req.headers, status });
    };
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      log(status);
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      json(401, { error: { code: "unauthenticated", message: "This API token is not known to Changegate." } });
      return;
    }
    const base = `/api/v1/services/${SERVICE}`;
    if (path === `${base}/snapshot`) {
      if (this.snapshotMode === "hang") return log(0);
      if (this.snapshotMode === "fail") return json(503, { error: { code: "unavailable", message: "database unreachable" } });
      if (req.headers["if-none-match"] === this.snapshot.etag) {
        log(304);
        res.writeHead(304, { etag: this.snapshot.etag });
        res.end();
        return;
      }
      json(200, this.snapshot, { etag: this.snapshot.etag });
      return;
    }
    if (path === `${base}/stream`) {
      if (this.streamMode === "fail") return json(500, { error: { code: "internal", message: "stream broken" } });
      log(200);
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
      if (this.streamMode === "hang") {
        res.flushHeaders();
        return;
      }
      res.write("retry: 50\n\n");
      this.streams.add(res);
      res.on("close", () => this.streams.delete(res));
      if (req.headers["last-event-id"] !== String(this.snapshot.pointerRevision)) this.writeEvent(res);
      return;
    }
    json(404, { error: { code: "not_found", message: `No route ${path}` } });
  }
}

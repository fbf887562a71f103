/**
 * Test-only: one Changegate app instance without Next.js — the server's boot (migrations,
 * pointer LISTEN, runtime cache) and the runtime and operator API route handlers behind
 * node:http. The two-instance integration test runs two of these on one PostgreSQL database
 * (`tsx --conditions=react-server lib/runtime/testing/instance-server.ts`, env DATABASE_URL, INSTANCE_PORT).
 * It prints "listening <port>" when ready. Also serves POST /api/v1/events (outcome ingestion),
 * for the PostgreSQL fault tests (lib/runtime/postgres-restart.integration.test.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { bootServer } from "@/lib/boot";
import { POST as postEvents } from "@/app/api/v1/events/route";
import { GET as getConfig } from "@/app/api/v1/services/[service]/config/route";
import { POST as postRollback } from "@/app/api/v1/services/[service]/rollbacks/route";
import { GET as getSnapshot } from "@/app/api/v1/services/[service]/snapshot/route";
import { GET as getStatus } from "@/app/api/v1/services/[service]/status/route";
import { GET as getStream } from "@/app/api/v1/services/[service]/stream/route";

type Handler = (request: Request, context: { params: Promise<{ service: string }> }) => Promise<Response> | Response;
const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  config: { GET: getConfig as Handler },
  snapshot: { GET: getSnapshot as Handler },
  stream: { GET: getStream as Handler },
  status: { GET: getStatus as Handler },
  rollbacks: { POST: postRollback as Handler },
};
/** Routes outside /api/v1/services/{service}/… */
const TOP_ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  "/api/v1/events": { POST: postEvents as Handler },
};

async function toRequest(req: IncomingMessage, url: URL, signal: AbortSignal): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  const chunks: Buffer[] = [];
  if (req.method !== "GET" && req.method !== "HEAD") for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Request(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, signal });
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const match = /^\/api\/v1\/services\/([^/]+)\/([a-z]+)$/.exec(url.pathname);
  const handler = (match ? ROUTES[match[2]!] : TOP_ROUTES[url.pathname])?.[req.method ?? "GET"];
  if (!handler) {
    res.writeHead(404).end();
    return;
  }
  const aborted = new AbortController();
  res.on("close", () => aborted.abort());
  const response = await handler(await toRequest(req, url, aborted.signal), { params: Promise.resolve({ service: match ? decodeURIComponent(match[1]!) : "" }) });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) {
    res.end();
    return;
  }
  Readable.fromWeb(response.body as import("node:stream/web").ReadableStream).on("error", () => res.destroy()).pipe(res);
}

await bootServer();
const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.listen(Number(process.env.INSTANCE_PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : "?"}`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));

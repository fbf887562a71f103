/**
 * @changegate/sdk — what an LLM service embeds to ask "which versions apply to this request?"
 * and to report per-request outcomes. Plain TypeScript over fetch: no Next.js, no server-only
 * modules, Node 20+. Resolution runs locally with the server's own code (lib/runtime/resolve).
 *
 *   const changegate = createChangegateClient({ baseUrl, service: "support-assistant", token });
 *   await changegate.ready();
 *   const config = changegate.resolve({ subject: userId, tenant });   // no network
 *   changegate.events.record({ ...outcomeFieldsOf(config, tenant), resolved: true, latencyMs });
 */
export {
  createChangegateClient,
  type ChangeListener,
  type ChangegateClient,
  type ChangegateClientOptions,
  type ClientHealth,
  type FallbackBundle,
} from "./client";
export { ChangegateRequestError, ChangegateUnavailableError } from "./errors";
export {
  createOutcomeEventBatcher,
  outcomeFieldsOf,
  type EventBatcherOptions,
  type EventBatcherStats,
  type OutcomeEvent,
  type OutcomeEventBatcher,
  type OutcomeEventInput,
} from "./events";
export { SseParser, type SseMessage } from "./sse";
export { resolveConfig, armFor, type ComponentBundle, type ResolvedConfig, type RuntimeComponent, type ServiceSnapshot, type Subject } from "../runtime/resolve";
export type { Arm } from "../runtime/bucketing";

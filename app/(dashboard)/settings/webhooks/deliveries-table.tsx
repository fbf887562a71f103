import { Badge, Time, type Tone } from "@/app/_components/ui";
import { relativeTime } from "@/app/_components/badges";
import type { WebhookDeliverySummary } from "@/lib/notifications/queries";
import { MAX_DELIVERY_ATTEMPTS } from "@/lib/notifications/signing";
import { stacked } from "../stacked";
import { UrlText } from "./url-text";

function statusOf(d: WebhookDeliverySummary): { label: string; tone: Tone; title: string } {
  if (d.status === "delivered") return { label: "Delivered", tone: "success", title: "The receiver answered 2xx." };
  if (d.cancelled) {
    return { label: "Cancelled", tone: "neutral", title: "The webhook was deactivated before this was sent." };
  }
  if (d.status === "failed") return { label: "Failed", tone: "danger", title: "No more attempts will be made." };
  if (d.attempts === 0) return { label: "Queued", tone: "info", title: "Waiting for its first attempt." };
  return { label: "Retrying", tone: "warning", title: "The last attempt failed; another is scheduled." };
}

/** The error without the "Receiver answered HTTP 503" the status code column already says. */
function errorDetail(d: WebhookDeliverySummary): string | null {
  if (!d.lastError) return null;
  const prefix = `Receiver answered HTTP ${d.lastStatusCode}`;
  if (d.lastStatusCode != null && d.lastError.startsWith(prefix)) return d.lastError.slice(prefix.length).replace(/^:\s*/, "") || null;
  return d.lastError;
}

/** "in 8 s", "in 2 min", "due now": retries are seconds to hours away. */
function untilNext(at: Date, now: Date): string {
  const seconds = Math.ceil((at.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return "due now";
  if (seconds < 60) return `in ${seconds} s`;
  return relativeTime(at, now);
}

/** Recent deliveries, newest first, with what the receiver last answered. */
export function DeliveriesTable(props: { deliveries: WebhookDeliverySummary[]; eventLabel: (event: string) => string; now: Date }) {
  const { now } = props;
  return (
    <div className={stacked.wrapper}>
      <table aria-label="Recent deliveries" className={stacked.table}>
        <thead className={stacked.head}>
          <tr>
            {["Event", "Status", "Webhook", "Attempts", "Next attempt", "Last response", "Delivered"].map((name) => (
              <th key={name} scope="col" className={`${stacked.th} whitespace-nowrap`}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className={stacked.body}>
          {props.deliveries.map((d) => {
            const status = statusOf(d);
            const detail = errorDetail(d);
            return (
              <tr key={d.id} className={stacked.row}>
                <td data-label="Event" className={stacked.cell}>
                  <div className="whitespace-nowrap font-medium text-slate-900">{props.eventLabel(d.event)}</div>
                  <div className="whitespace-nowrap text-xs text-slate-500">
                    <span className="font-mono text-slate-400" title={`Delivery ${d.id}`}>
                      {d.id.slice(0, 8)}
                    </span>{" "}
                    · queued{" "}
                    <time dateTime={d.createdAt.toISOString()} title={d.createdAt.toISOString()}>
                      {relativeTime(d.createdAt, now)}
                    </time>
                  </div>
                </td>
                <td data-label="Status" className={`${stacked.cell}`}>
                  <Badge tone={status.tone} title={status.title}>
                    {status.label}
                  </Badge>
                </td>
                <td data-label="Webhook" className={`${stacked.cell} ${stacked.wide} md:min-w-48 md:max-w-64`}>
                  <UrlText url={d.webhookUrl} />
                </td>
                <td data-label="Attempts" className={`${stacked.cell} whitespace-nowrap tabular-nums`}>
                  {d.attempts} of {MAX_DELIVERY_ATTEMPTS}
                </td>
                <td data-label="Next attempt" className={stacked.cell}>
                  {d.status === "pending" ? (
                    <>
                      <Time value={d.nextAttemptAt} />
                      <div className="text-xs text-slate-500">{untilNext(d.nextAttemptAt, now)}</div>
                    </>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td data-label="Last response" className={`${stacked.cell} ${stacked.wide} md:max-w-xs`}>
                  {d.lastStatusCode == null && !d.lastError ? (
                    <span className="text-slate-400">—</span>
                  ) : (
                    <div className="space-y-0.5">
                      {d.lastStatusCode != null ? (
                        <span className={`font-mono text-xs ${d.lastStatusCode < 300 ? "text-emerald-700" : "text-rose-700"}`}>
                          HTTP {d.lastStatusCode}
                        </span>
                      ) : null}
                      {detail ? <p className="text-xs text-slate-600 [overflow-wrap:anywhere]">{detail}</p> : null}
                    </div>
                  )}
                </td>
                <td data-label="Delivered" className={stacked.cell}>
                  {d.deliveredAt ? <Time value={d.deliveredAt} /> : <span className="text-slate-400">—</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

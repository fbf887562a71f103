import type { Metadata } from "next";
import Link from "next/link";
import { Badge, Card, EmptyState, Mono, PageHeader, Time } from "@/app/_components/ui";
import { requirePageActor } from "@/lib/auth/session";
import { listRecentDeliveries, listServiceOptions, listWebhooks } from "@/lib/notifications/queries";
import { MAX_DELIVERY_ATTEMPTS } from "@/lib/notifications/signing";
import { TEST_EVENT, WEBHOOK_EVENT_INFO, WEBHOOK_EVENTS } from "@/lib/notifications/webhooks";
import { stacked } from "../stacked";
import { CreateWebhookForm } from "./create-webhook-form";
import { DeliveriesTable } from "./deliveries-table";
import { UrlText } from "./url-text";
import { WebhookActions } from "./webhook-actions";

export const metadata: Metadata = { title: "Webhooks · Settings · Changegate" };

function eventLabel(event: string): string {
  if (event === TEST_EVENT) return "Test";
  return WEBHOOK_EVENT_INFO[event as keyof typeof WEBHOOK_EVENT_INFO]?.label ?? event;
}

export default async function WebhooksPage() {
  const actor = await requirePageActor("webhooks.manage");
  const [hooks, deliveries, serviceOptions] = await Promise.all([
    listWebhooks({ actor }),
    listRecentDeliveries({ actor, limit: 50 }),
    listServiceOptions({ actor }),
  ]);
  const now = new Date();
  const events = WEBHOOK_EVENTS.map((event) => ({ event, ...WEBHOOK_EVENT_INFO[event] }));

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/settings" className="hover:text-slate-700">
            ← Settings
          </Link>
        }
        title="Webhooks"
        description="Changegate POSTs a signed JSON message to each receiver when something it subscribes to happens. A receiver that fails is retried with backoff and never holds up a review or a rollback."
      />

      <div className="space-y-6">
        <Card title="New webhook">
          <CreateWebhookForm services={serviceOptions} events={events} />
        </Card>

        <Card title={`${hooks.length} ${hooks.length === 1 ? "webhook" : "webhooks"}`} padded={false}>
          {hooks.length === 0 ? (
            <div className="p-4">
              <EmptyState title="No webhooks yet">
                Approval requests, approvals, rejections, canary breaches, freezes and rollbacks are not sent anywhere. Add a
                receiver above.
              </EmptyState>
            </div>
          ) : (
            <div className={stacked.wrapper}>
              <table aria-label="Webhooks" className={stacked.table}>
                <thead className={stacked.head}>
                  <tr>
                    {["Receiver", "Service", "Status", "Events", "Created", "Actions"].map((name) => (
                      <th key={name} scope="col" className={stacked.th}>
                        {name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody className={stacked.body}>
                  {hooks.map((hook) => (
                    <tr key={hook.id} className={`${stacked.row} ${hook.active ? "" : "bg-slate-50/60"}`}>
                      <td data-label="Receiver" className={`${stacked.cell} ${stacked.wide} md:min-w-56 md:max-w-xs`}>
                        <UrlText url={hook.url} className="text-slate-900" />
                        <div className="mt-1 text-xs text-slate-500" title="A fingerprint of the signing secret, to tell secrets apart">
                          Secret <span className="font-mono">{hook.secretFingerprint}</span>
                        </div>
                      </td>
                      <td data-label="Service" className={`${stacked.cell} whitespace-nowrap`}>
                        {hook.serviceName ? (
                          <span title={hook.serviceSlug ?? undefined}>{hook.serviceName}</span>
                        ) : (
                          <span className="text-slate-600">All services</span>
                        )}
                      </td>
                      <td data-label="Status" className={stacked.cell}>
                        {hook.active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>}
                      </td>
                      <td data-label="Events" className={`${stacked.cell} ${stacked.wide}`}>
                        <div className="flex max-w-sm flex-wrap gap-1">
                          {hook.events.map((e) => (
                            <Badge key={e} tone="accent">
                              {eventLabel(e)}
                            </Badge>
                          ))}
                        </div>
                      </td>
                      <td data-label="Created" className={stacked.cell}>
                        <Time value={hook.createdAt} />
                        {hook.createdByName ? <div className="text-xs text-slate-500">by {hook.createdByName}</div> : null}
                      </td>
                      <td data-label="Actions" className={`${stacked.cell} ${stacked.wide}`}>
                        <WebhookActions id={hook.id} url={hook.url} active={hook.active} deletable={hook.deliveryCount === 0} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>

        <Card
          title="Recent deliveries"
          padded={false}
          actions={
            <Link href="/settings/webhooks" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
              Refresh
            </Link>
          }
        >
          <p className="border-b border-slate-100 px-4 py-3 text-sm text-slate-600">
            The last 50. A delivery that does not get a 2xx answer within 5 seconds is retried after 10 s, 30 s, 2 min, 10 min,
            30 min and 2 h, then marked failed after {MAX_DELIVERY_ATTEMPTS} attempts.
          </p>
          {deliveries.length === 0 ? (
            <p className="px-4 py-6 text-sm text-slate-600">Nothing has been sent yet. “Send test” on a webhook sends one now.</p>
          ) : (
            <DeliveriesTable deliveries={deliveries} eventLabel={eventLabel} now={now} />
          )}
        </Card>

        <Card title="Verifying a delivery">
          <div className="space-y-2 text-sm text-slate-600">
            <p>
              Each request carries <Mono>Changegate-Event</Mono>, <Mono>Changegate-Delivery</Mono> (the same id on every retry,
              for de-duplication), <Mono>Changegate-Timestamp</Mono> (Unix seconds) and <Mono>Changegate-Signature</Mono>.
            </p>
            <p>
              The signature is <Mono>sha256=</Mono> followed by the hex HMAC-SHA256 of <Mono>{"{timestamp}.{raw body}"}</Mono>, keyed
              with the webhook’s secret. Compute it over the raw body before parsing, compare in constant time, and reject
              timestamps more than 5 minutes old.
            </p>
          </div>
        </Card>
      </div>
    </>
  );
}

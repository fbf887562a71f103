import type { Metadata } from "next";
import Link from "next/link";
import { asc, count, eq, isNull } from "drizzle-orm";
import { Badge, Card, Mono, PageHeader, Time } from "@/app/_components/ui";
import { getDb } from "@/db/client";
import { apiTokens, services, users, webhooks } from "@/db/schema";
import { ROLE_LABELS, ROLES } from "@/lib/auth/permissions";
import { requirePageActor } from "@/lib/auth/session";
import { serviceSettingsSchema, type ServiceSettings } from "@/lib/services/settings";
import { stacked } from "./stacked";

export const metadata: Metadata = { title: "Settings · Changegate" };

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** [1,2,3,4] → "Mon–Thu"; [1,3,5] → "Mon, Wed, Fri". */
function describeDays(days: number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const contiguous = sorted.every((d, i) => i === 0 || d === sorted[i - 1]! + 1);
  if (contiguous && sorted.length > 2) return `${WEEKDAYS[sorted[0]! - 1]}–${WEEKDAYS[sorted[sorted.length - 1]! - 1]}`;
  return sorted.map((d) => WEEKDAYS[d - 1]).join(", ");
}

/** Fills defaults for settings stored before a field existed; a malformed row still shows. */
function settingsOf(raw: unknown): ServiceSettings | null {
  const parsed = serviceSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : null;
}

async function loadSettingsOverview() {
  const db = await getDb();
  const [roleCounts, serviceRows, tokenRows, webhookRows] = await Promise.all([
    db.select({ role: users.role, n: count() }).from(users).where(isNull(users.disabledAt)).groupBy(users.role),
    db.select().from(services).orderBy(asc(services.slug)),
    // Only display columns: the token hash never leaves the database.
    db
      .select({
        id: apiTokens.id,
        serviceSlug: services.slug,
        name: apiTokens.name,
        prefix: apiTokens.prefix,
        scopes: apiTokens.scopes,
        createdAt: apiTokens.createdAt,
        lastUsedAt: apiTokens.lastUsedAt,
        revokedAt: apiTokens.revokedAt,
      })
      .from(apiTokens)
      .innerJoin(services, eq(services.id, apiTokens.serviceId))
      .orderBy(asc(services.slug), asc(apiTokens.createdAt)),
    // Never the signing secret.
    db
      .select({
        id: webhooks.id,
        serviceSlug: services.slug,
        url: webhooks.url,
        events: webhooks.events,
        active: webhooks.active,
        createdAt: webhooks.createdAt,
      })
      .from(webhooks)
      .leftJoin(services, eq(services.id, webhooks.serviceId))
      .orderBy(asc(webhooks.createdAt)),
  ]);
  return { roleCounts, serviceRows, tokenRows, webhookRows };
}

export default async function SettingsPage() {
  await requirePageActor("settings.view");
  const { roleCounts, serviceRows, tokenRows, webhookRows } = await loadSettingsOverview();
  const activeUsers = roleCounts.reduce((sum, r) => sum + r.n, 0);

  return (
    <>
      <PageHeader
        title="Settings"
        description="Who can do what, and how each service is configured. Service settings and API tokens are read-only here for now; webhooks are managed on their own page."
      />

      <div className="space-y-6">
        <Card
          title="Users and roles"
          actions={
            <Link href="/settings/users" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
              Manage users →
            </Link>
          }
        >
          <p className="text-sm text-slate-600">
            {activeUsers} active {activeUsers === 1 ? "user" : "users"}. Change roles or disable accounts on the{" "}
            <Link href="/settings/users" className="font-medium text-indigo-600 hover:text-indigo-500">
              Users page
            </Link>
            ; every change is audited.
          </p>
          <dl className="mt-3 flex flex-wrap gap-2">
            {ROLES.map((role) => {
              const n = roleCounts.find((r) => r.role === role)?.n ?? 0;
              return (
                <div key={role} className="flex items-center gap-2 rounded-md bg-slate-50 px-3 py-1.5 ring-1 ring-inset ring-slate-200">
                  <dt className="text-xs text-slate-600">{ROLE_LABELS[role]}</dt>
                  <dd className="text-sm font-semibold tabular-nums text-slate-900">{n}</dd>
                </div>
              );
            })}
          </dl>
        </Card>

        <Card title="Services" padded={false}>
          {serviceRows.length === 0 ? (
            <p className="px-4 py-6 text-sm text-slate-600">No services yet.</p>
          ) : (
            <div className={stacked.wrapper}>
              <table aria-label="Services" className={stacked.table}>
              <thead className={stacked.head}>
                <tr>
                  <th scope="col" className={stacked.th}>
                    Service
                  </th>
                  <th scope="col" className={stacked.th}>
                    Time zone
                  </th>
                  <th scope="col" className={stacked.th}>
                    Sensitive domains
                  </th>
                  <th scope="col" className={stacked.th}>
                    Deploy window
                  </th>
                  <th scope="col" className={stacked.th}>
                    Holidays
                  </th>
                </tr>
              </thead>
              <tbody className={stacked.body}>
                {serviceRows.map((service) => {
                  const settings = settingsOf(service.settings);
                  return (
                    <tr key={service.id} className={stacked.row}>
                      <td data-label="Service" className={`${stacked.cell} ${stacked.wide}`}>
                        <div className="font-medium text-slate-900">{service.name}</div>
                        <Mono>{service.slug}</Mono>
                        <div className="mt-1">
                          <Link href={`/settings/services/${service.slug}`} className="text-xs font-medium text-indigo-700 hover:underline">
                            Canary rules
                          </Link>
                        </div>
                      </td>
                      <td data-label="Time zone" className={`${stacked.cell} whitespace-nowrap`}>{service.timeZone}</td>
                      {settings ? (
                        <>
                          <td data-label="Sensitive domains" className={stacked.cell}>
                            <div className="flex min-w-40 flex-wrap gap-1">
                              {settings.sensitiveDomains.length ? (
                                settings.sensitiveDomains.map((d) => (
                                  <Badge key={d} tone="warning">
                                    {d}
                                  </Badge>
                                ))
                              ) : (
                                <span className="text-slate-400">None</span>
                              )}
                            </div>
                          </td>
                          <td data-label="Deploy window" className={`${stacked.cell} whitespace-nowrap`}>
                            {describeDays(settings.deployWindow.days)} {settings.deployWindow.start}–{settings.deployWindow.end}
                            <div className="text-xs text-slate-500">high-risk rollouts, local time</div>
                          </td>
                          <td data-label="Holidays" className={`${stacked.cell} ${stacked.wide}`}>
                            {settings.holidays.length ? (
                              <ul className="min-w-48 space-y-0.5">
                                {[...settings.holidays].sort((a, b) => a.date.localeCompare(b.date)).map((h) => (
                                  <li key={h.date}>
                                    <span className="font-mono text-xs text-slate-500">{h.date}</span> {h.name}
                                  </li>
                                ))}
                              </ul>
                            ) : (
                              <span className="text-slate-400">None listed</span>
                            )}
                          </td>
                        </>
                      ) : (
                        <td colSpan={3} data-label="Settings" className={`${stacked.cell} ${stacked.wide} text-rose-700`}>
                          The stored settings do not match the expected shape; check this service’s settings JSON.
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
            </div>
          )}
        </Card>

        <Card title="API tokens" padded={false}>
          <p className="border-b border-slate-100 px-4 py-3 text-sm text-slate-600">
            Services use these to resolve versions and report outcomes. Only a hash of each token is stored; the prefix tells
            them apart.
          </p>
          {tokenRows.length === 0 ? (
            <p className="px-4 py-6 text-sm text-slate-600">No API tokens have been issued.</p>
          ) : (
            <div className={stacked.wrapper}>
              <table aria-label="API tokens" className={stacked.table}>
              <thead className={stacked.head}>
                <tr>
                  <th scope="col" className={stacked.th}>
                    Service
                  </th>
                  <th scope="col" className={stacked.th}>
                    Name
                  </th>
                  <th scope="col" className={stacked.th}>
                    Prefix
                  </th>
                  <th scope="col" className={stacked.th}>
                    Scopes
                  </th>
                  <th scope="col" className={stacked.th}>
                    Created
                  </th>
                  <th scope="col" className={`${stacked.th} whitespace-nowrap`}>
                    Last used
                  </th>
                  <th scope="col" className={stacked.th}>
                    Status
                  </th>
                </tr>
              </thead>
              <tbody className={stacked.body}>
                {tokenRows.map((token) => (
                  <tr key={token.id} className={stacked.row}>
                    <td data-label="Service" className={`${stacked.cell} whitespace-nowrap`}>{token.serviceSlug}</td>
                    <td data-label="Name" className={`${stacked.cell} ${stacked.wide}`}>{token.name}</td>
                    <td data-label="Prefix" className={stacked.cell}>
                      <Mono>{token.prefix}…</Mono>
                    </td>
                    <td data-label="Scopes" className={`${stacked.cell} ${stacked.wide} max-md:order-1`}>
                      {/* One line: from md up the Name column wraps instead; on phones Scopes gets a full row. */}
                      <div className="flex flex-wrap gap-1 md:flex-nowrap">
                        {token.scopes.map((s) => (
                          <Badge key={s} tone={s === "operator" ? "warning" : "neutral"}>
                            {s}
                          </Badge>
                        ))}
                      </div>
                    </td>
                    <td data-label="Created" className={`${stacked.cell} max-md:order-1`}>
                      <Time value={token.createdAt} />
                    </td>
                    <td data-label="Last used" className={`${stacked.cell} max-md:order-1`}>{token.lastUsedAt ? <Time value={token.lastUsedAt} /> : <span className="text-slate-400">Never</span>}</td>
                    <td data-label="Status" className={stacked.cell}>
                      {token.revokedAt ? (
                        <Badge tone="danger" title={`Revoked ${token.revokedAt.toISOString()}`}>
                          Revoked
                        </Badge>
                      ) : (
                        <Badge tone="success">Active</Badge>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          )}
        </Card>

        <Card
          title="Webhooks"
          padded={false}
          actions={
            <Link href="/settings/webhooks" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
              Manage webhooks →
            </Link>
          }
        >
          {webhookRows.length === 0 ? (
            <p className="px-4 py-6 text-sm text-slate-600">
              No webhooks are configured, so approval requests, canary breaches, freezes and rollbacks are not sent anywhere
              yet.
            </p>
          ) : (
            <div className={stacked.wrapper}>
              <table aria-label="Webhooks" className={stacked.table}>
              <thead className={stacked.head}>
                <tr>
                  <th scope="col" className={stacked.th}>
                    URL
                  </th>
                  <th scope="col" className={stacked.th}>
                    Service
                  </th>
                  <th scope="col" className={stacked.th}>
                    Events
                  </th>
                  <th scope="col" className={stacked.th}>
                    Status
                  </th>
                </tr>
              </thead>
              <tbody className={stacked.body}>
                {webhookRows.map((hook) => (
                  <tr key={hook.id} className={stacked.row}>
                    <td data-label="URL" className={`${stacked.cell} ${stacked.wide} break-all`}>
                      <Mono>{hook.url}</Mono>
                    </td>
                    <td data-label="Service" className={`${stacked.cell} whitespace-nowrap`}>{hook.serviceSlug ?? "All services"}</td>
                    <td data-label="Events" className={stacked.cell}>
                      <div className="flex flex-wrap gap-1">
                        {hook.events.map((e) => (
                          <Badge key={e}>{e}</Badge>
                        ))}
                      </div>
                    </td>
                    <td data-label="Status" className={stacked.cell}>{hook.active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}

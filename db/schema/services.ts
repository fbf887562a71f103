import { integer, jsonb, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { riskTierEnum } from "./enums";
import type { ServiceSettings } from "@/lib/services/settings";

export const services = pgTable("services", {
  id: uuid().primaryKey().defaultRandom(),
  slug: text().notNull().unique(),
  name: text().notNull(),
  description: text().notNull().default(""),
  owners: text().array().notNull().default([]),
  /** IANA time zone for deploy windows, e.g. "Europe/Berlin". */
  timeZone: text().notNull().default("UTC"),
  /** Sensitive domains, promotion thresholds, deploy window, holidays: see ServiceSettings. */
  settings: jsonb().$type<ServiceSettings>().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const tenants = pgTable(
  "tenants",
  {
    id: uuid().primaryKey().defaultRandom(),
    serviceId: uuid()
      .notNull()
      .references(() => services.id),
    slug: text().notNull(),
    name: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique().on(t.serviceId, t.slug)],
);

/** The component kinds are data (SPEC §1 table), not scattered ifs. */
export const componentKinds = pgTable("component_kinds", {
  kind: text().primaryKey(),
  label: text().notNull(),
  governs: text().notNull(),
  defaultRisk: riskTierEnum().notNull(),
  /** Risk when the change touches one of the service's sensitive domains. */
  sensitiveDomainRisk: riskTierEnum().notNull(),
  strategy: text().notNull(),
  sortOrder: integer().notNull(),
});

export type Service = typeof services.$inferSelect;
export type Tenant = typeof tenants.$inferSelect;
export type ComponentKindRow = typeof componentKinds.$inferSelect;

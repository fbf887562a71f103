import { expect, type Locator, type Page } from "@playwright/test";

/** `/`: one card per service with its live bundle, recent change requests and releases. */
export class OverviewPage {
  readonly heading: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Overview", level: 1 });
  }

  async goto() {
    await this.page.goto("/");
    await this.expectShown();
  }

  async expectShown() {
    await expect(this.heading).toBeVisible();
  }

  /** The service card's title, a link to its releases. */
  serviceHeading(serviceName: string): Locator {
    return this.page.getByRole("heading", { name: new RegExp(`^${escapeRegExp(serviceName)}\\b`), level: 2 });
  }

  /** The live component versions of a service (a table from md up, a list below). */
  liveBundle(serviceName: string): Locator {
    return this.page.getByRole("table", { name: `${serviceName}: live component versions` });
  }

  /** Body rows of the live bundle table: one per component kind. */
  liveBundleRows(serviceName: string): Locator {
    return this.liveBundle(serviceName).getByRole("row").filter({ has: this.page.getByRole("cell") });
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

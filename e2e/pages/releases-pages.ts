import { expect, type Locator, type Page } from "@playwright/test";

/** `/releases`: one card per service. */
export class ReleasesIndexPage {
  readonly heading: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Releases", level: 1 });
  }

  async expectShown() {
    await expect(this.page).toHaveURL("/releases");
    await expect(this.heading).toBeVisible();
  }

  /** The link in the service card's heading. */
  serviceLink(serviceName: string): Locator {
    return this.page.getByRole("heading", { name: serviceName, level: 2 }).getByRole("link", { name: serviceName });
  }
}

/** `/services/<slug>/releases`: the active pointer, the live release's components, the manifest history. */
export class ServiceReleasesPage {
  readonly liveComponents: Locator;
  readonly liveComponentRows: Locator;

  constructor(readonly page: Page) {
    this.liveComponents = page.getByRole("table", { name: "Component versions in the live release" });
    this.liveComponentRows = this.liveComponents.getByRole("row").filter({ has: page.getByRole("cell") });
  }

  async goto(slug: string) {
    await this.page.goto(`/services/${slug}/releases`);
  }

  async expectShown(slug: string, serviceName: string) {
    await expect(this.page).toHaveURL(`/services/${slug}/releases`);
    await expect(this.page.getByRole("heading", { name: serviceName, level: 1 })).toBeVisible();
  }

  /** The live release's row for a component kind ("Prompt", "Policy", …). */
  componentRow(kindLabel: string): Locator {
    return this.liveComponentRows.filter({ has: this.page.getByRole("cell", { name: kindLabel, exact: true }) });
  }

  /** The link to the live version of a component kind (the Version column). */
  versionLink(kindLabel: string): Locator {
    return this.componentRow(kindLabel).getByRole("cell").nth(1).getByRole("link");
  }
}

import { expect, type Locator, type Page } from "@playwright/test";

/** `/audit`: chain verification, filters and the entries, newest first. */
export class AuditPage {
  readonly heading: Locator;
  readonly verifyButton: Locator;
  /** The verdict of "Verify chain" (a live region that is always present). */
  readonly verdict: Locator;
  readonly actionFilter: Locator;
  readonly applyFilters: Locator;
  readonly clearFilters: Locator;
  readonly entries: Locator;
  readonly entryRows: Locator;
  /** "1–50 of 106 entries, newest first" / "… matching entries …". */
  readonly listingTitle: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Audit log", level: 1 });
    this.verifyButton = page.getByRole("button", { name: "Verify chain" });
    this.verdict = page.getByRole("main").getByRole("status");
    this.actionFilter = page.getByRole("combobox", { name: "Action" });
    this.applyFilters = page.getByRole("button", { name: "Apply filters" });
    this.clearFilters = page.getByRole("link", { name: "Clear", exact: true });
    this.entries = page.getByRole("table", { name: "Audit log entries" });
    this.entryRows = this.entries.getByRole("row").filter({ has: page.getByRole("cell") });
    this.listingTitle = page.getByRole("heading", { name: /^[\d,]+–[\d,]+ of [\d,]+ /, level: 2 });
  }

  async goto(query = "") {
    await this.page.goto(`/audit${query}`);
    await this.expectShown();
  }

  async expectShown() {
    await expect(this.heading).toBeVisible();
  }

  /** The total in the listing title ("1–50 of 106 entries" → 106). */
  async total(): Promise<number> {
    const text = (await this.listingTitle.textContent()) ?? "";
    const match = /of ([\d,]+)/.exec(text);
    if (!match) throw new Error(`No total in the audit listing title "${text}"`);
    return Number(match[1]!.replace(/,/g, ""));
  }

  /** Clicks "Verify chain" and returns how many entries the intact verdict counted. */
  async verifyIntact(): Promise<number> {
    await this.verifyButton.click();
    await expect(this.verdict).toContainText(/Chain intact — [\d,]+ entr(y|ies) verified/);
    const text = (await this.verdict.textContent()) ?? "";
    return Number(/— ([\d,]+) entr/.exec(text)![1]!.replace(/,/g, ""));
  }

  /** The cell of a column ("Actor", "Action", "Target", "Change", …) in an entry row. */
  cell(row: Locator, column: "Time" | "Actor" | "Action" | "Target" | "Service" | "Reason" | "Change"): Locator {
    const index = ["Time", "Actor", "Action", "Target", "Service", "Reason", "Change"].indexOf(column);
    return row.getByRole("cell").nth(index);
  }
}

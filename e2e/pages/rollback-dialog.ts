import { expect, type Locator, type Page } from "@playwright/test";

/** The one-click rollback confirmation dialog (Releases page and rolling-out change requests). */
export class RollbackDialog {
  readonly dialog: Locator;
  readonly confirm: Locator;
  readonly status: Locator;
  readonly alert: Locator;

  constructor(
    readonly page: Page,
    /** The button that opened it, e.g. "Roll back policy to sec-v12". */
    readonly title: string,
  ) {
    this.dialog = page.getByRole("dialog", { name: `${title}?` });
    this.confirm = this.dialog.getByRole("button", { name: "Roll back", exact: true });
    this.status = this.dialog.getByRole("status");
    this.alert = this.dialog.getByRole("alert");
  }

  /** Clicks the row's button until the dialog shows (a click before hydration does nothing). */
  async openWith(button: Locator) {
    await expect(async () => {
      await button.click();
      await expect(this.dialog).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
  }

  async pickReason(preset: string) {
    await this.dialog.getByRole("radio", { name: preset, exact: true }).check();
  }

  /** Waits for "Rolled back in N ms — new release rel_…" and returns the new release id. */
  async expectRolledBack(): Promise<string> {
    await expect(this.status).toHaveText(/^Rolled back in \d+ ms — new release rel_\d{8}_\d{4}_[0-9a-f]{4}$/);
    const text = (await this.status.textContent()) ?? "";
    return text.match(/rel_\d{8}_\d{4}_[0-9a-f]{4}/)![0];
  }

  async close() {
    await this.dialog.getByRole("button", { name: "Close" }).click();
    await expect(this.dialog).toBeHidden();
  }
}

import { expect, test } from "./fixtures";
import { AuditPage } from "./pages/audit-page";

test("a viewer verifies the audit chain and narrows the log with filters", async ({ page, loginAs, shell, shoot }) => {
  await loginAs("viewer");
  await page.goto("/");
  await shell.navLink("Audit log").click();
  const audit = new AuditPage(page);
  await audit.expectShown();
  await expect(page).toHaveURL("/audit");

  // The demo history is listed, newest first.
  const total = await audit.total();
  expect(total).toBeGreaterThan(0);
  // One page of 25 entries (app/(dashboard)/audit/page.tsx PAGE_SIZE).
  await expect(audit.entryRows).toHaveCount(Math.min(total, 25));
  await expect(audit.cell(audit.entryRows.first(), "Action")).toHaveText(/^[a-z_]+\.[a-z_]+$/);

  // Nothing is shown until asked; then the chain checks out over at least every listed entry
  // (other tests may add entries meanwhile, never remove them).
  await expect(audit.verdict).toHaveText("");
  const verified = await audit.verifyIntact();
  expect(verified).toBeGreaterThanOrEqual(total);
  await expect(audit.verdict).not.toContainText("broken");
  await shoot("audit");

  // Filter by action: only rollbacks are left.
  await audit.actionFilter.selectOption("release.rolled_back");
  await audit.applyFilters.click();
  await expect(page).toHaveURL(/[?&]action=release\.rolled_back(&|$)/);
  await expect(audit.listingTitle).toContainText("matching entries");
  const rollbacks = await audit.total();
  expect(rollbacks).toBeGreaterThan(0);
  expect(rollbacks).toBeLessThan(total);
  await expect(audit.entryRows).toHaveCount(rollbacks);
  for (let i = 0; i < rollbacks; i++) {
    await expect(audit.cell(audit.entryRows.nth(i), "Action")).toHaveText("release.rolled_back");
  }

  // Adding the service narrows further, to that service's rollbacks only.
  await page.getByRole("combobox", { name: "Service" }).selectOption("support-assistant");
  await audit.applyFilters.click();
  await expect(page).toHaveURL(/[?&]service=support-assistant(&|$)/);
  await expect.poll(() => audit.total()).toBeLessThan(rollbacks);
  const supportRollbacks = await audit.total();
  expect(supportRollbacks).toBeGreaterThan(0);
  await expect(audit.entryRows).toHaveCount(supportRollbacks);
  for (let i = 0; i < supportRollbacks; i++) {
    await expect(audit.cell(audit.entryRows.nth(i), "Service")).toHaveText("support-assistant");
    await expect(audit.cell(audit.entryRows.nth(i), "Action")).toHaveText("release.rolled_back");
  }

  // Clear brings every entry back.
  await audit.clearFilters.click();
  await expect(page).toHaveURL("/audit");
  await expect(audit.listingTitle).not.toContainText("matching");
  expect(await audit.total()).toBeGreaterThanOrEqual(total);
});

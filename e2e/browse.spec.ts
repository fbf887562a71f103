import { expect, test } from "./fixtures";

// The read-only listings a product owner looks at: change requests, experiments, eval sets.
test("a viewer browses change requests, experiments and eval sets", async ({ page, loginAs, shell, shoot }) => {
  await loginAs("viewer");
  await page.goto("/");

  // Change requests: every demo CR, then only one service's.
  await shell.navLink("Change requests").click();
  await expect(page.getByRole("heading", { name: "Change requests", level: 1 })).toBeVisible();
  const table = page.getByRole("table", { name: "Change requests" });
  const rows = table.getByRole("row").filter({ has: page.getByRole("cell") });
  const title = page.getByRole("heading", { name: /^\d+ change requests?, most recently updated first$/ });
  const all = Number((await title.textContent())!.match(/^\d+/)![0]);
  expect(all).toBeGreaterThan(0);
  await expect(rows).toHaveCount(all);
  await expect(rows.getByRole("cell").getByText("incident-assistant").first()).toBeVisible();
  await shoot("change-requests");

  await page.getByRole("combobox", { name: "Service" }).selectOption("support-assistant");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/[?&]service=support-assistant/);
  await expect.poll(async () => rows.count()).toBeLessThan(all);
  const supportCount = await rows.count();
  expect(supportCount).toBeGreaterThan(0);
  for (let i = 0; i < supportCount; i++) {
    await expect(rows.nth(i)).toContainText("support-assistant");
    await expect(rows.nth(i)).not.toContainText("incident-assistant");
  }

  // Experiments: none in the demo, and the page says so plainly instead of inventing numbers.
  await shell.navLink("Experiments").click();
  await expect(page.getByRole("heading", { name: "Experiments", level: 1 })).toBeVisible();
  await expect(
    page.getByRole("heading", { name: "No experiments yet" }).or(page.getByRole("table", { name: "Experiments" })),
  ).toBeVisible();
  await shoot("experiments");

  // Eval sets: one set per service; a set lists its cases.
  await shell.navLink("Eval sets").click();
  await expect(page.getByRole("heading", { name: "Eval sets", level: 1 })).toBeVisible();
  const supportSets = page.getByRole("list", { name: "Eval sets of support-assistant" });
  await expect(supportSets.getByRole("link")).not.toHaveCount(0);
  await expect(page.getByRole("list", { name: "Eval sets of incident-assistant" }).getByRole("link")).not.toHaveCount(0);
  await shoot("eval-sets");

  const setLink = supportSets.getByRole("link").first();
  const setName = (await setLink.textContent())!.trim();
  await setLink.click();
  await expect(page.getByRole("heading", { name: setName, level: 1 })).toBeVisible();
  const cases = page.getByRole("table", { name: `Cases of ${setName}` });
  const caseCount = Number((await page.getByRole("heading", { name: /^\d+ cases?$/ }).textContent())!.match(/^\d+/)![0]);
  expect(caseCount).toBeGreaterThan(0);
  await expect(cases.getByRole("row").filter({ has: page.getByRole("cell") })).toHaveCount(caseCount);
  await shoot("eval-set");
});

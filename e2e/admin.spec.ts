import { request as apiRequest, type Request } from "@playwright/test";
import { demoUser, expect, loginAs, test, withDemoUsersLocked } from "./fixtures";
import { AuditPage } from "./pages/audit-page";
import { UsersAdminPage } from "./pages/users-admin-page";

// Settings are the admin's alone; the server, not the menu, is what keeps everyone else out.
const FORBIDDEN_HEADING = "You don’t have access to this page";

test.describe("administration", () => {
  test("a viewer gets a 403 from the server for Settings and sees no link to it", async ({ page, loginAs, shell, shoot }) => {
    await loginAs("viewer");
    await page.goto("/");
    await shell.expectShown();
    await expect(shell.navLink("Audit log")).toBeVisible();
    await expect(shell.navLink("Settings")).toHaveCount(0);

    for (const path of ["/settings", UsersAdminPage.path]) {
      const response = await page.goto(path);
      expect(response?.status(), `HTTP status of ${path} for a viewer`).toBe(403);
      await expect(page.getByRole("heading", { name: FORBIDDEN_HEADING, level: 1 })).toBeVisible();
      await expect(page.getByText("Your role does not include it.")).toBeVisible();
      // Nothing of the admin pages leaks into the refusal.
      await expect(page.getByRole("heading", { name: /^(Settings|Users and roles)$/ })).toHaveCount(0);
      await expect(page.getByRole("table", { name: "Users" })).toHaveCount(0);
      await expect(page.getByText(demoUser("author").email)).toHaveCount(0);
      await expect(shell.navLink("Settings")).toHaveCount(0);
    }
    await shoot("forbidden");
  });

  test("a role change replayed with a viewer's session is refused by the server", async ({ page, browser, baseURL }) => {
    const viewer = demoUser("viewer");
    await withDemoUsersLocked(async () => {
      // The admin submits "make the viewer an admin"; the request is captured and never sent.
      await loginAs(page, "admin");
      const users = new UsersAdminPage(page);
      await users.goto();
      await expect(users.roleCell(viewer.email)).toHaveText("Viewer");

      let captured: Request | undefined;
      await page.route(`**${UsersAdminPage.path}`, async (route) => {
        const request = route.request();
        if (request.method() === "POST" && request.headers()["next-action"]) {
          captured = request;
          await route.abort();
        } else {
          await route.continue();
        }
      });
      await users.submitRole(viewer.name, "admin");
      await expect.poll(() => captured, { message: "the role form's server action request" }).toBeDefined();
      await page.unroute(`**${UsersAdminPage.path}`);
      const action = captured!;
      const body = action.postDataBuffer();
      expect(body?.toString(), "the captured form carries the role change").toContain("admin");

      // The same request, byte for byte, from the viewer's own session.
      const sent = await action.allHeaders();
      const headers = Object.fromEntries(
        Object.entries(sent).filter(([name]) =>
          ["accept", "content-type", "next-action", "next-router-state-tree", "origin", "referer"].includes(name),
        ),
      );
      const viewerContext = await browser.newContext({ baseURL });
      try {
        await loginAs(await viewerContext.newPage(), "viewer");
        const forged = await viewerContext.request.post(action.url(), { headers, data: body });
        const answer = await forged.text();
        expect(answer).toContain('"code":"forbidden"');
        expect(answer).toContain("Your role (Viewer) cannot manage users and roles.");
      } finally {
        await viewerContext.close();
      }

      // And with no session at all.
      const anonymous = await apiRequest.newContext({ baseURL });
      try {
        const forged = await anonymous.post(action.url(), { headers, data: body });
        expect(await forged.text()).toContain('"code":"unauthenticated"');
      } finally {
        await anonymous.dispose();
      }

      // Nothing changed: the viewer is still a viewer, and no role change was audited.
      await users.goto();
      await expect(users.roleCell(viewer.email)).toHaveText("Viewer");
      await expect(users.roleSelect(viewer.name)).toHaveValue("viewer");
      const audit = new AuditPage(page);
      await audit.goto("?action=user.role_changed");
      await expect(audit.entries.getByText(viewer.name)).toHaveCount(0);
    });
  });

  test("an admin changes the author's role and back, and the audit log names the admin", async ({ page, loginAs, shell, shoot }) => {
    const admin = demoUser("admin");
    const author = demoUser("author");
    await loginAs("admin");
    await page.goto("/");
    await shell.navLink("Settings").click();
    await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
    await expect(page.getByRole("table", { name: "Services" })).toContainText("support-assistant");
    await shoot("settings");

    await page.getByRole("link", { name: "Manage users →" }).click();
    const users = new UsersAdminPage(page);
    await users.expectShown();
    await expect(users.table.getByRole("row").filter({ has: page.getByRole("cell") })).toHaveCount(6);
    await shoot("settings-users");

    await withDemoUsersLocked(async () => {
      await expect(users.roleCell(author.email)).toHaveText("Author");
      await users.changeRole(author, "reviewer");
      // The page was rendered again from the database, not just relabelled in the browser.
      await page.reload();
      await expect(users.roleCell(author.email)).toHaveText("Reviewer");
      await users.changeRole(author, "author");
      await page.reload();
      await expect(users.roleCell(author.email)).toHaveText("Author");
    });

    // Both changes are in the audit log, newest first, by the admin, on the author.
    const audit = new AuditPage(page);
    await audit.goto("?action=user.role_changed");
    await expect(audit.actionFilter).toHaveValue("user.role_changed");
    const [back, forth] = [audit.entryRows.nth(0), audit.entryRows.nth(1)];
    for (const row of [back, forth]) {
      await expect(audit.cell(row, "Action")).toHaveText("user.role_changed");
      await expect(audit.cell(row, "Actor")).toContainText(admin.name);
      await expect(audit.cell(row, "Actor")).toContainText(admin.email);
      await expect(audit.cell(row, "Target")).toContainText(author.name);
    }
    await expect(audit.cell(back, "Change")).toContainText("role: reviewer → author");
    await expect(audit.cell(forth, "Change")).toContainText("role: author → reviewer");
  });
  test("an admin changes a service's canary rules; a bad value is refused at its field and nothing is saved", async ({ page, loginAs, shoot }) => {
    await loginAs("admin");
    await page.goto("/settings");
    await page.getByRole("link", { name: "Canary rules" }).nth(0).click();
    await expect(page.getByRole("heading", { name: /^Canary rules · / })).toBeVisible();
    const form = page.getByRole("form", { name: "Canary rules" });
    const minRequests = form.getByLabel("Minimum canary requests per stage");
    const followUps = form.getByLabel(/^Follow-up rate \(follow_up_rate\) may rise at most$/);
    const before = await minRequests.inputValue();

    await minRequests.fill("10");
    await form.getByRole("button", { name: "Save canary rules" }).click();
    await expect(form.getByText("Minimum canary requests must be at least 50")).toBeVisible();
    await expect(form.getByRole("alert")).toHaveText("Some fields need attention.");
    await expect(minRequests).toHaveValue("10"); // what was typed stays, to be corrected
    await shoot("settings-canary-rules-error");
    await page.reload();
    await expect(minRequests).toHaveValue(before);

    await followUps.fill("4");
    await form.getByRole("button", { name: "Save canary rules" }).click();
    await expect(form.getByRole("status")).toContainText("Saved.");
    await page.reload();
    await expect(followUps).toHaveValue("4");
    await shoot("settings-canary-rules");
    // Put it back for the other specs' canaries.
    await followUps.fill("");
    await form.getByRole("button", { name: "Save canary rules" }).click();
    await expect(form.getByRole("status")).toContainText("Saved.");
  });
});

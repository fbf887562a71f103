import { DEMO_PASSWORD, DEMO_USERS, expect, test, withDemoUsersLocked } from "./fixtures";
import type { Role } from "@/lib/auth/permissions";

// What the user menu must call each role: the words people see, written out here on purpose.
const ROLE_NAMES: Record<Role, string> = {
  viewer: "Viewer",
  author: "Author",
  reviewer: "Reviewer",
  security_reviewer: "Security reviewer",
  operator: "Operator (on-call)",
  admin: "Admin",
};

const EVERYONES_NAV = ["Overview", "Change requests", "Releases", "Experiments", "Eval sets", "Audit log"];

test.describe("signing in", () => {
  for (const user of DEMO_USERS) {
    test(`${user.email} (${user.role}) signs in and sees the navigation of that role`, async ({ page, loginPage, shell }) => {
      // admin.spec changes a demo user's role and back; never look at a role in between.
      await withDemoUsersLocked(async () => {
        await loginPage.goto();
        await loginPage.signIn(user.email, DEMO_PASSWORD);

        await expect(page).toHaveURL("/");
        await shell.expectShown();
        // Exactly these links, in this order: Settings only for admins.
        await expect(shell.navLinks).toHaveText(user.role === "admin" ? [...EVERYONES_NAV, "Settings"] : EVERYONES_NAV);

        await expect(shell.userMenuButton).toContainText(user.name);
        await expect(shell.userMenuButton).toContainText(ROLE_NAMES[user.role]);
        const menu = await shell.openUserMenu();
        await expect(menu).toContainText(user.email);
        await expect(menu).toContainText(`Role: ${ROLE_NAMES[user.role]}`);
      });
    });
  }

  test("a wrong password gets one plain message and no session", async ({ page, loginPage, shoot }) => {
    await loginPage.goto();
    await shoot("login");

    await loginPage.signIn("operator@example.com", "not-the-password");
    await expect(loginPage.messages).toHaveCount(1);
    await expect(loginPage.messages).toHaveText("Email or password is incorrect.");
    await loginPage.expectShown();
    await shoot("login-wrong-password");

    // An unknown account reads the same, so the form does not reveal who has an account.
    await loginPage.signIn("nobody@example.com", "not-the-password");
    await expect(loginPage.messages).toHaveCount(1);
    await expect(loginPage.messages).toHaveText("Email or password is incorrect.");

    await page.goto("/");
    await loginPage.expectShown();
  });

  test("an anonymous visitor to the dashboard is sent to the login page", async ({ page, loginPage }) => {
    await page.goto("/");
    await loginPage.expectShown();
    await page.goto("/audit");
    await loginPage.expectShown();
  });

  test("signing out ends the session", async ({ page, loginAs, shell, loginPage }) => {
    await loginAs("viewer");
    await page.goto("/");
    await shell.expectShown();
    await shell.signOut();
    await page.goto("/");
    await loginPage.expectShown();
  });
});

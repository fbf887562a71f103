import { expect, type Locator, type Page } from "@playwright/test";

/** The frame around every signed-in page: main navigation and the user menu. */
export class DashboardShell {
  readonly nav: Locator;
  readonly navLinks: Locator;
  /** The visible user-menu button; its name reads "User menu: <name>, <role>". */
  readonly userMenuButton: Locator;
  readonly userMenu: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole("navigation", { name: "Main" });
    this.navLinks = this.nav.getByRole("link");
    this.userMenuButton = page.getByRole("button", { name: /^User menu:/ });
    this.userMenu = page.getByRole("menu");
  }

  navLink(label: string): Locator {
    return this.nav.getByRole("link", { name: label, exact: true });
  }

  async expectShown() {
    await expect(this.nav).toBeVisible();
    await expect(this.userMenuButton).toBeVisible();
  }

  async openUserMenu(): Promise<Locator> {
    await this.userMenuButton.click();
    await expect(this.userMenu).toBeVisible();
    return this.userMenu;
  }

  async signOut() {
    const menu = await this.openUserMenu();
    await menu.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(this.page).toHaveURL(/\/login(\?|$)/);
  }
}

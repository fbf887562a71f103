import { expect, type Locator, type Page } from "@playwright/test";
import { ROLE_LABELS, type Role } from "@/lib/auth/permissions";

/** `/settings/users` (admins only): every user, with a role picker and an account switch per row. */
export class UsersAdminPage {
  static readonly path = "/settings/users";
  readonly heading: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "Users and roles", level: 1 });
    this.table = page.getByRole("table", { name: "Users" });
  }

  async goto() {
    await this.page.goto(UsersAdminPage.path);
    await this.expectShown();
  }

  async expectShown() {
    await expect(this.heading).toBeVisible();
    await expect(this.table).toBeVisible();
  }

  /** A user's row, by exact email ("viewer@…" must not match "reviewer@…"). */
  row(email: string): Locator {
    return this.table.getByRole("row").filter({ has: this.page.getByText(email, { exact: true }) });
  }

  /** The Role column of a user's row: the role badge as it is stored. */
  roleCell(email: string): Locator {
    return this.row(email).getByRole("cell").nth(1);
  }

  roleSelect(name: string): Locator {
    return this.page.getByRole("combobox", { name: `Role for ${name}` });
  }

  changeRoleButton(name: string): Locator {
    return this.page.getByRole("button", { name: `Change role of ${name}` });
  }

  /** Picks a role in the user's row and submits it (does not wait for the answer). */
  async submitRole(name: string, role: Role) {
    await this.roleSelect(name).selectOption(role);
    await this.changeRoleButton(name).click();
  }

  /** Changes a role through the form and waits for the row's success message and badge. */
  async changeRole(user: { name: string; email: string }, role: Role) {
    await this.submitRole(user.name, role);
    await expect(this.row(user.email).getByRole("status")).toHaveText(`Role changed to ${ROLE_LABELS[role]}`);
    await expect(this.roleCell(user.email)).toHaveText(ROLE_LABELS[role]);
    await expect(this.roleSelect(user.name)).toHaveValue(role);
  }
}

import { expect, type Locator, type Page } from "@playwright/test";

/** The /login page: labelled Email and Password fields and a "Sign in" button. */
export class LoginPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly signInButton: Locator;
  /** Messages the form shows (scoped to the page body: Next's route announcer is an alert too). */
  readonly messages: Locator;

  constructor(readonly page: Page) {
    this.email = page.getByLabel("Email");
    this.password = page.getByLabel("Password");
    this.signInButton = page.getByRole("button", { name: "Sign in" });
    this.messages = page.getByRole("main").getByRole("alert");
  }

  async goto() {
    await this.page.goto("/login");
    await this.expectShown();
  }

  async expectShown() {
    await expect(this.page).toHaveURL(/\/login(\?|$)/);
    await expect(this.signInButton).toBeVisible();
  }

  async signIn(email: string, password: string) {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.signInButton.click();
  }
}

import { expect, type Locator, type Page } from "@playwright/test";

/**
 * `/change-requests/new`: the authoring form (service, title, one or more components each with
 * an existing or a new version, impact, rollback plan) beside the live risk preview.
 */
export class ChangeRequestFormPage {
  static readonly path = "/change-requests/new";
  readonly heading: Locator;
  readonly service: Locator;
  readonly title: Locator;
  readonly rollbackPlan: Locator;
  readonly addComponentButton: Locator;
  readonly saveDraftButton: Locator;
  readonly submitButton: Locator;
  /** The live preview: "low risk" / "medium risk" / "high risk". */
  readonly riskTier: Locator;
  readonly riskReasons: Locator;
  readonly requiredGates: Locator;
  /** The label of each required gate, in order. */
  readonly requiredGateLabels: Locator;
  readonly ruleWarnings: Locator;
  /** The "Not saved" alert beside the buttons (the form's own refusal or the server's). */
  readonly formError: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { name: "New change request", level: 1 });
    this.service = page.getByRole("combobox", { name: "Service", exact: true });
    this.title = page.getByRole("textbox", { name: "Title", exact: true });
    this.rollbackPlan = page.getByRole("textbox", { name: "Rollback plan", exact: true });
    this.addComponentButton = page.getByRole("button", { name: "+ Add component" });
    this.saveDraftButton = page.getByRole("button", { name: "Save draft" });
    this.submitButton = page.getByRole("button", { name: "Submit for review" });
    this.riskTier = page.getByTestId("risk-tier");
    this.riskReasons = page.getByTestId("risk-reasons");
    this.requiredGates = page.getByTestId("required-gates");
    this.requiredGateLabels = this.requiredGates.locator(":scope > li > div > p:first-child");
    this.ruleWarnings = page.getByTestId("rule-warnings");
    this.formError = page.getByTestId("form-error");
  }

  async goto() {
    await this.page.goto(ChangeRequestFormPage.path);
    await this.expectShown();
  }

  async expectShown() {
    await expect(this.heading).toBeVisible();
  }

  async chooseService(slug: string) {
    await this.service.selectOption(slug);
    await expect(this.service).toHaveValue(slug);
  }

  /** Component `n` (1-based): its fieldset, named "Component n · <Kind>". */
  component(n: number): Locator {
    return this.page.getByRole("group", { name: new RegExp(`^Component ${n}\\b`) });
  }

  kind(n: number): Locator {
    return this.page.getByRole("combobox", { name: `Kind of component ${n}`, exact: true });
  }

  async chooseKind(n: number, kind: string) {
    await this.kind(n).selectOption(kind);
    await expect(this.kind(n)).toHaveValue(kind);
  }

  versionSource(n: number, source: "existing" | "new"): Locator {
    return this.component(n).getByRole("radio", { name: source === "existing" ? "Use an existing version" : "Create a new version" });
  }

  /** Picks "Use an existing version" or "Create a new version" (the radios are visually hidden; their labels are the switch). */
  async useVersionSource(n: number, source: "existing" | "new") {
    await this.component(n)
      .getByText(source === "existing" ? "Use an existing version" : "Create a new version", { exact: true })
      .click();
    await expect(this.versionSource(n, source)).toBeChecked();
  }

  existingVersion(n: number): Locator {
    return this.page.getByRole("combobox", { name: `Existing version of component ${n}`, exact: true });
  }

  /** Chooses the first version that may be chosen (not the live one); returns its option text. */
  async chooseFirstExistingVersion(n: number): Promise<string> {
    const option = this.existingVersion(n).locator("option:not([disabled]):not([value=''])").first();
    const value = await option.getAttribute("value");
    const text = (await option.textContent()) ?? "";
    expect(value, `a selectable existing version for component ${n}`).toBeTruthy();
    await this.existingVersion(n).selectOption(value!);
    await expect(this.existingVersion(n)).toHaveValue(value!);
    return text;
  }

  newVersionLabel(n: number): Locator {
    return this.page.getByRole("textbox", { name: `New version label of component ${n}`, exact: true });
  }

  /** The JSON editor of a non-prompt component, e.g. kindLabel "Policy". */
  jsonEditor(n: number, kindLabel: string): Locator {
    return this.component(n).getByRole("textbox", { name: `${kindLabel} configuration (JSON)`, exact: true });
  }

  instructions(n: number): Locator {
    return this.component(n).getByRole("textbox", { name: "Instruction text", exact: true });
  }

  /** A field's own error text (what aria-describedby points at), by the control's id. */
  fieldError(controlId: string): Locator {
    return this.page.locator(`[id="${controlId}-error"]`);
  }

  /**
   * Clicks "Submit for review" and waits for the new change request's page; returns its number.
   */
  async submitForReview(): Promise<number> {
    await this.submitButton.click();
    await expect(this.page).toHaveURL(/\/change-requests\/\d+$/, { timeout: 20_000 });
    return Number(new URL(this.page.url()).pathname.split("/").pop());
  }

  /**
   * A low-risk change on support-assistant: one prompt component with a new version whose
   * instruction text ends with `marker`. Submits it and returns the change request's number.
   */
  async createPromptChange(opts: { title: string; label: string; marker: string }): Promise<number> {
    await this.goto();
    await this.chooseService("support-assistant");
    await this.title.fill(opts.title);
    await this.chooseKind(1, "prompt");
    await this.useVersionSource(1, "new");
    await this.newVersionLabel(1).fill(opts.label);
    const instructions = this.instructions(1);
    const live = await instructions.inputValue();
    expect(live.length, "the instruction text starts from the live prompt").toBeGreaterThan(0);
    await instructions.fill(`${live}\n${opts.marker}`);
    await this.rollbackPlan.fill("Roll the prompt back to the live version if the smoke test or the canary regresses.");
    await expect(this.riskTier).toHaveText("low risk");
    return this.submitForReview();
  }
}

import type { Locator, Page } from "@playwright/test";

/** The rollout card on `/change-requests/<number>`: start, stage on the ladder, promote, per-component rollback. */
export class RolloutPanel {
  readonly panel: Locator;
  readonly preCanaryGates: Locator;
  readonly deployWindow: Locator;
  readonly emergencyReason: Locator;
  readonly startButton: Locator;
  readonly promoteButton: Locator;
  readonly stage: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.panel = page.getByTestId("rollout-panel");
    this.preCanaryGates = this.panel.getByRole("list", { name: "Pre-canary gates" });
    this.deployWindow = this.panel.getByTestId("deploy-window");
    this.emergencyReason = this.panel.getByRole("textbox", { name: "Emergency override" });
    this.startButton = this.panel.getByRole("button", { name: /^(Start rollout|Starting…)$/ });
    this.promoteButton = this.panel.getByRole("button", { name: "Promote to 100%" });
    this.stage = this.panel.getByTestId("rollout-stage");
    this.alert = this.panel.getByRole("form", { name: "Start rollout" }).getByRole("alert");
  }

  /** "Roll back <kind> to <version>" for one component of the change request. */
  rollbackButton(kind: string): Locator {
    return this.panel.getByRole("button", { name: new RegExp(`^Roll back ${kind} to `) });
  }
}

import { Time } from "@/app/_components/ui";
import type { ChangeRequest, RolloutHold } from "@/db/schema";

/** Why the rollout is held: frozen by a failing verdict (red) or paused by an operator (amber). */
export function HoldBanner(props: { hold: RolloutHold; state: ChangeRequest["state"] }) {
  const { hold, state } = props;
  const frozen = hold.kind === "frozen";
  const at = hold.stagePercent === undefined ? "" : ` at the ${hold.stagePercent}% stage`;
  const headline =
    state === "paused"
      ? frozen
        ? `Rollout frozen${at} by ${hold.by}: the canary share went back to the stable release.`
        : `Rollout paused${at} by ${hold.by}.`
      : frozen
        ? `The rollout was frozen${at} by ${hold.by}.`
        : `The rollout was paused${at} by ${hold.by}.`;
  return (
    <div
      role="status"
      data-testid="hold-banner"
      data-kind={hold.kind}
      className={`mb-6 rounded-md px-4 py-3 text-sm ring-1 ring-inset ${frozen ? "bg-rose-50 text-rose-900 ring-rose-200" : "bg-amber-50 text-amber-900 ring-amber-200"}`}
    >
      <p className="font-semibold">
        {headline} <Time value={new Date(hold.at)} />
      </p>
      {hold.failing?.length ? (
        <>
          <p className="mt-1">Failing:</p>
          <ul className="mt-0.5 list-disc space-y-0.5 pl-5">
            {hold.failing.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        </>
      ) : (
        <p className="mt-1">{hold.reason}</p>
      )}
    </div>
  );
}

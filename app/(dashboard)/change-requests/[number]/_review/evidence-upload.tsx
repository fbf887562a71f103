"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useId, useState } from "react";
import { Badge, buttonClass, inputClass } from "@/app/_components/ui";
import { uploadEvidenceAction } from "@/lib/changes/evidence-actions";
import type { OfflineGate } from "@/lib/changes/evidence";
import { EvidenceChecks } from "./evidence-checks";

/**
 * Attach offline evaluation results to the current revision's offline gate by hand: pick a .json
 * file (its text lands in the box, so you see what you send) or paste the JSON. The server parses
 * it against the results schema, judges it against the service's thresholds and says why.
 */

type UploadResult = Awaited<ReturnType<typeof uploadEvidenceAction>>;

const EXAMPLE = `{
  "evalSet": "support-regressions",
  "commit": "9f2c1e7",
  "runUrl": "https://ci.example.com/runs/4182",
  "segments": [
    { "name": "billing", "total": 120, "passed": 113 },
    { "name": "orders", "total": 80, "passed": 78 }
  ],
  "regressions": [
    { "caseId": "refund-status-17", "segment": "billing", "severity": "minor",
      "summary": "Mentions the refund window twice" }
  ],
  "latencyDeltaPct": 3.5,
  "tokenCostDeltaPct": -2,
  "userVisibleChanges": ["Refund answers now cite the billing policy page"]
}`;

const MAX_FILE_BYTES = 1_000_000;

export function EvidenceUpload(props: {
  changeRequestId: string;
  gate: OfflineGate;
  gateLabel: string;
  revision: number;
  /** Starts collapsed once the gate has passed; after that the reader decides (a refresh never folds it). */
  gatePassed: boolean;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(!props.gatePassed);
  const id = useId();
  const [json, setJson] = useState("");
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  // The results are for the revision on screen; the server refuses them if it has been replaced.
  const [result, dispatch, pending] = useActionState<UploadResult | null, FormData>(
    (previous) => uploadEvidenceAction(previous, { changeRequestId: props.changeRequestId, revision: props.revision, resultJson: json }),
    null,
  );

  useEffect(() => {
    if (result?.ok) router.refresh();
  }, [result, router]);

  async function readFile(file: File | undefined) {
    setFileProblem(null);
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setFileProblem(`${file.name} is ${(file.size / 1_000_000).toFixed(1)} MB; results files are at most 1 MB. Send the worst regressions first and trim the rest.`);
      return;
    }
    setJson(await file.text());
  }

  const fieldErrors = result && !result.ok ? Object.entries(result.error.fieldErrors ?? {}) : [];

  return (
    <details
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
      className="group rounded-lg border border-slate-200 bg-white shadow-sm"
    >
      <summary className="flex cursor-pointer list-none items-center gap-2 px-4 py-3 text-sm font-semibold text-slate-900 marker:hidden">
        <span aria-hidden="true" className="text-slate-400 transition group-open:rotate-90">
          ▸
        </span>
        Attach offline evaluation results
        {props.gatePassed ? <span className="hidden font-normal text-slate-500 sm:inline">(the gate has passed; new results replace the verdict)</span> : null}
      </summary>
      <div className="border-t border-slate-200 p-4">
        <form action={dispatch} className="space-y-4" aria-label={`Upload ${props.gateLabel.toLowerCase()} results`}>
          <p className="text-sm text-slate-600">
            For <span className="font-medium text-slate-900">{props.gateLabel}</span> on revision {props.revision}. Your team’s CI can post the
            same JSON to <code className="font-mono text-xs">POST /api/v1/change-requests/{"{id}"}/evidence</code>.
          </p>
          <div>
            <label htmlFor={`${id}-file`} className="block text-sm font-medium text-slate-800">
              Results file (.json)
            </label>
            <input
              id={`${id}-file`}
              type="file"
              accept=".json,application/json"
              disabled={pending}
              onChange={(e) => void readFile(e.target.files?.[0])}
              className="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-200"
            />
            {fileProblem ? (
              <p role="alert" className="mt-1 text-xs text-rose-700">
                {fileProblem}
              </p>
            ) : null}
          </div>
          <div>
            <label htmlFor={`${id}-json`} className="block text-sm font-medium text-slate-800">
              Or paste the results JSON
            </label>
            <textarea
              id={`${id}-json`}
              name="resultJson"
              rows={8}
              value={json}
              onChange={(e) => setJson(e.target.value)}
              disabled={pending}
              spellCheck={false}
              placeholder='{ "segments": [ { "name": "all", "total": 120, "passed": 113 } ], "latencyDeltaPct": 0, "tokenCostDeltaPct": 0 }'
              className={`mt-1 font-mono text-xs ${inputClass}`}
            />
          </div>
          <details className="rounded-md bg-slate-50 text-sm ring-1 ring-inset ring-slate-200">
            <summary className="cursor-pointer px-3 py-2 font-medium text-slate-800">Example and format</summary>
            <div className="border-t border-slate-200 px-3 py-3">
              <p className="mb-2 text-slate-600">
                Required: <code className="font-mono text-xs">segments</code> (name, total, passed), <code className="font-mono text-xs">latencyDeltaPct</code>{" "}
                and <code className="font-mono text-xs">tokenCostDeltaPct</code> (percent versus the current version, e.g. 3.5 for +3.5%). Optional:{" "}
                <code className="font-mono text-xs">regressions</code> (caseId, summary, severity minor | major | critical, segment),{" "}
                <code className="font-mono text-xs">userVisibleChanges</code>, <code className="font-mono text-xs">evalSet</code>,{" "}
                <code className="font-mono text-xs">commit</code>, <code className="font-mono text-xs">runUrl</code>.
              </p>
              <pre className="overflow-x-auto rounded bg-white p-3 font-mono text-xs leading-relaxed text-slate-800 ring-1 ring-inset ring-slate-200">{EXAMPLE}</pre>
              <button type="button" onClick={() => setJson(EXAMPLE)} className="mt-2 text-xs font-medium text-indigo-700 hover:underline">
                Put the example in the box
              </button>
            </div>
          </details>
          <div className="flex flex-wrap items-center gap-3">
            <button type="submit" disabled={pending || json.trim() === ""} className={buttonClass.primary}>
              {pending ? "Checking results…" : "Upload results"}
            </button>
            {json.trim() === "" ? <span className="text-xs text-slate-500">Choose a file or paste the JSON first.</span> : null}
          </div>

          <div aria-live="polite" className="empty:hidden">
            {!pending && result?.ok ? (
              <div role="status" data-testid="evidence-verdict" className={`rounded-md px-3 py-3 ring-1 ring-inset ${result.data.passed ? "bg-emerald-50 ring-emerald-200" : "bg-rose-50 ring-rose-200"}`}>
                <p className="mb-2 flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
                  <Badge tone={result.data.passed ? "success" : "danger"}>{result.data.passed ? "Gate passed" : "Gate failed"}</Badge>
                  {result.data.summary}
                </p>
                <EvidenceChecks checks={result.data.checks} />
              </div>
            ) : null}
            {!pending && result && !result.ok ? (
              <div role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-900 ring-1 ring-inset ring-rose-200">
                <p>{result.error.message}</p>
                {fieldErrors.length > 0 ? (
                  <ul className="mt-1 list-disc space-y-0.5 pl-5 text-xs">
                    {fieldErrors.flatMap(([path, messages]) =>
                      messages.map((m) => (
                        <li key={`${path}-${m}`}>
                          {path && path !== "_form" && path !== "resultJson" ? <code className="mr-1 font-mono">{path}</code> : null}
                          {m}
                        </li>
                      )),
                    )}
                  </ul>
                ) : null}
              </div>
            ) : null}
          </div>
        </form>
      </div>
    </details>
  );
}

"use client";

import { inputClass } from "@/app/_components/ui";
import { normalizeDomain } from "@/lib/changes/risk";
import { Field, controlClass } from "./field";
import { splitDomains } from "./form-model";

/**
 * Touched domains, typed comma-separated. The service's sensitive domains are one-click toggles,
 * and every domain typed is shown as a chip, marked when it is sensitive for this service.
 */
export function DomainsField(props: {
  value: string;
  onChange: (value: string) => void;
  sensitiveDomains: string[];
  serviceSlug: string;
  errors: string[];
}) {
  const domains = splitDomains(props.value);
  const sensitive = new Set(props.sensitiveDomains.map(normalizeDomain));
  const toggle = (domain: string) => {
    const next = domains.includes(domain) ? domains.filter((d) => d !== domain) : [...domains, domain];
    props.onChange(next.join(", "));
  };

  return (
    <Field
      id="cr-domains"
      label="Touched domains"
      optional
      errors={props.errors}
      hint="Comma-separated, e.g. billing, payment. A sensitive domain can raise the risk of prompt and retrieval changes."
    >
      {(control) => (
        <div>
          <input
            {...control}
            value={props.value}
            onChange={(e) => props.onChange(e.target.value)}
            placeholder="e.g. billing, payment"
            autoComplete="off"
            className={controlClass(inputClass, props.errors.length > 0)}
          />
          {domains.length ? (
            <ul aria-label="Domains this change touches" className="mt-2 flex flex-wrap gap-1.5">
              {domains.map((d) => (
                <li
                  key={d}
                  className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${
                    sensitive.has(d) ? "bg-rose-50 text-rose-800 ring-rose-200" : "bg-slate-100 text-slate-700 ring-slate-200"
                  }`}
                >
                  {d}
                  {sensitive.has(d) ? <span className="font-semibold">· sensitive</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
          {props.serviceSlug ? (
            <div className="mt-2 flex flex-wrap items-center gap-1.5 text-xs text-slate-600">
              <span>
                Sensitive for <span className="font-mono">{props.serviceSlug}</span>:
              </span>
              {props.sensitiveDomains.length === 0 ? <span>none</span> : null}
              {props.sensitiveDomains.map((d) => {
                const on = domains.includes(normalizeDomain(d));
                return (
                  <button
                    key={d}
                    type="button"
                    aria-pressed={on}
                    title={on ? `Remove ${d} from the touched domains` : `Add ${d} to the touched domains`}
                    onClick={() => toggle(normalizeDomain(d))}
                    className={`rounded-full px-2 py-0.5 font-medium ring-1 ring-inset ${
                      on ? "bg-rose-600 text-white ring-rose-600" : "bg-white text-rose-800 ring-rose-200 hover:bg-rose-50"
                    }`}
                  >
                    <span aria-hidden="true">{on ? "✓ " : "+ "}</span>
                    {d}
                  </button>
                );
              })}
            </div>
          ) : null}
        </div>
      )}
    </Field>
  );
}

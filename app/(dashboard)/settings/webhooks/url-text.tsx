import { Fragment } from "react";

/** A URL in monospace that wraps after "/", "?", "&" or "." rather than mid-word when it must wrap. */
export function UrlText(props: { url: string; className?: string }) {
  const parts = props.url.split(/(?<=[/?&.])/);
  return (
    <span className={`font-mono text-xs [overflow-wrap:anywhere] ${props.className ?? "text-slate-800"}`}>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 ? <wbr /> : null}
          {part}
        </Fragment>
      ))}
    </span>
  );
}

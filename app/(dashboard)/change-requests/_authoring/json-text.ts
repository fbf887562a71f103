/**
 * JSON as an author types it: parse, and when it does not parse say what and on which line, in
 * every browser (not all of them report a position).
 */

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string };

/** JSON.parse with the error in the author's terms: "Not valid JSON: <parser message> (line N)". */
export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    return { ok: false, message: `Not valid JSON: ${describeJsonError(raw, text)}` };
  }
}

function describeJsonError(raw: string, text: string): string {
  // V8: "… in JSON at position 42 (line 3 column 5)" or "Unexpected token ',', …"x"… is not valid JSON";
  // Firefox: "JSON.parse: … at line 3 column 5 of the JSON data".
  const lineCol = /line (\d+) column (\d+)/.exec(raw);
  const position = /at position (\d+)/.exec(raw);
  const message = raw
    .replace(/^JSON\.parse: /, "")
    .replace(/ \(line \d+ column \d+\)$/, "")
    .replace(/ at line \d+ column \d+ of the JSON data$/, "")
    .replace(/ in JSON at position \d+/, "")
    .replace(/ at position \d+/, "")
    .replace(/^(Unexpected token '[^']*'|Unexpected token [^,]+), [\s\S]* is not valid JSON$/, "$1")
    .replace(/^"[\s\S]*" is not valid JSON$/, "Unexpected text");
  let line: number | null = lineCol ? Number(lineCol[1]) : null;
  if (line === null) {
    const offset = position ? Number(position[1]) : jsonErrorOffset(text);
    if (offset >= 0) line = text.slice(0, offset).split("\n").length;
  }
  return line === null ? message : `${message} (line ${line})`;
}

/**
 * Where JSON text stops being valid (an offset), or -1 when it is valid. Browsers do not all say
 * where, so this small recursive-descent scan finds the line to point the author at.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const string = () => {
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c < " ") fail();
      i += c === "\\" ? 2 : 1;
    }
    fail();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === "{") {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ":") fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    literal.lastIndex = i;
    const m = literal.exec(text);
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (at) {
    return typeof at === "number" ? Math.min(at, text.length) : -1;
  }
}

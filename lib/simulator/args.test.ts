import { describe, expect, it } from "vitest";
import type { DemoCredentials } from "@/db/seed/credentials";
import { DEFAULT_BASE_URL, parseDuration, parseSimulatorArgs, tokenFromDemoCredentials, USAGE, type SimulatorArgs } from "./args";

const required = ["--service", "support-assistant", "--scenario", "healthy"];

function run(argv: string[], env = {}): SimulatorArgs {
  const parsed = parseSimulatorArgs(argv, env);
  if (parsed.kind !== "run") throw new Error(`expected a run, got ${JSON.stringify(parsed)}`);
  return parsed.args;
}

describe("parseSimulatorArgs", () => {
  it("reads the required options and applies the defaults", () => {
    expect(run(required)).toEqual({
      service: "support-assistant",
      scenario: "healthy",
      baseUrl: DEFAULT_BASE_URL,
      token: null,
      rate: 200,
      durationMs: null,
      maxRequests: null,
      seed: null,
      tenants: null,
      quiet: false,
    });
  });

  it("reads every option", () => {
    const args = run([
      "-s", "incident-assistant", "--scenario", "latency-regression", "--base-url", "https://changegate.example.com/cg", "--token", "cg_x",
      "--rate", "12.5", "--duration", "10m", "--requests", "5000", "--seed", "demo-1", "--tenants", "a, b,,a", "-q",
    ]);
    expect(args).toEqual({
      service: "incident-assistant",
      scenario: "latency-regression",
      baseUrl: "https://changegate.example.com/cg",
      token: "cg_x",
      rate: 12.5,
      durationMs: 600_000,
      maxRequests: 5000,
      seed: "demo-1",
      tenants: ["a", "b"],
      quiet: true,
    });
  });

  it("takes the URL and token from the environment, the options winning", () => {
    const env = { CHANGEGATE_URL: "http://10.0.0.5:3000", CHANGEGATE_TOKEN: " cg_env " };
    expect(run(required, env)).toMatchObject({ baseUrl: "http://10.0.0.5:3000", token: "cg_env" });
    expect(run([...required, "--base-url", "http://a:1", "--token", "cg_flag"], env)).toMatchObject({ baseUrl: "http://a:1", token: "cg_flag" });
    expect(run(required, { CHANGEGATE_URL: "  ", CHANGEGATE_TOKEN: "" })).toMatchObject({ baseUrl: DEFAULT_BASE_URL, token: null });
  });

  it("answers --help with the help, whatever else is there", () => {
    expect(parseSimulatorArgs(["--help"])).toEqual({ kind: "help" });
    expect(parseSimulatorArgs(["-h", "--scenario", "nope"])).toEqual({ kind: "help" });
  });

  it.each([
    { argv: [], error: /Name the service/ },
    { argv: ["--scenario", "healthy"], error: /Name the service/ },
    { argv: ["--service", "support-assistant"], error: /Name the scenario: --scenario <healthy\|false-refusal-spike\|cost-regression\|latency-regression>/ },
    { argv: ["--service", "support-assistant", "--scenario", "chaos"], error: /--scenario must be one of .* not "chaos"/ },
    { argv: [...required, "--rate", "0"], error: /--rate must be a number .* not "0"/ },
    { argv: [...required, "--rate=-5"], error: /--rate must be/ },
    { argv: [...required, "--rate", "fast"], error: /--rate must be/ },
    { argv: [...required, "--rate", "20001"], error: /at most 20,000/ },
    { argv: [...required, "--duration", "soon"], error: /--duration must be a positive time/ },
    { argv: [...required, "--duration", "0"], error: /--duration must be a positive time/ },
    { argv: [...required, "--requests", "1.5"], error: /--requests must be a positive whole number, not "1.5"/ },
    { argv: [...required, "--requests", "0"], error: /--requests must be a positive whole number/ },
    { argv: [...required, "--base-url", "localhost:3000"], error: /"localhost:3000" is not an http\(s\) URL/ },
    { argv: [...required, "--base-url", "ftp://x"], error: /not an http\(s\) URL/ },
    { argv: [...required, "--tenants", " , "], error: /--tenants must name at least one tenant/ },
    { argv: [...required, "--seed", " "], error: /--seed must not be empty/ },
    { argv: [...required, "--rpm", "5"], error: /Unknown option '--rpm'/ },
    { argv: [...required, "extra"], error: /positional argument/ },
    { argv: ["--service"], error: /argument missing/ },
  ])("refuses $argv with a sentence", ({ argv, error }) => {
    const parsed = parseSimulatorArgs(argv);
    expect(parsed.kind).toBe("error");
    expect(parsed.kind === "error" && parsed.message).toMatch(error);
  });
});

describe("parseDuration", () => {
  it.each([
    ["90", 90_000],
    ["90s", 90_000],
    ["1.5m", 90_000],
    ["10m", 600_000],
    ["2h", 7_200_000],
    ["500ms", 500],
    [" 3 S ", 3_000],
  ])("%s → %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "-1", "0s", "1d", "m", "1e3", "ten"])("refuses %j", (text) => expect(parseDuration(text)).toBeNull());
});

describe("tokenFromDemoCredentials", () => {
  const creds: DemoCredentials = {
    password: "p",
    users: [],
    tokens: [
      { service: "support-assistant", token: "cg_support", scopes: ["read", "write", "operator"] },
      { service: "read-only", token: "cg_ro", scopes: ["read"] },
    ],
  };
  const file = "/data/demo-credentials.json";

  it("finds the service's token", () => {
    expect(tokenFromDemoCredentials(creds, "support-assistant", file)).toEqual({ ok: true, token: "cg_support" });
  });
  it.each([
    { credentials: null, service: "support-assistant", message: /No API token: pass --token or set CHANGEGATE_TOKEN.*No demo credentials at \/data\/demo-credentials.json/ },
    { credentials: creds, service: "billing-bot", message: /No API token for "billing-bot" in \/data\/demo-credentials.json \(it has: support-assistant, read-only\)/ },
    { credentials: creds, service: "read-only", message: /lacks the write scope/ },
  ])("says how to pass one when it cannot ($service)", ({ credentials, service, message }) => {
    const result = tokenFromDemoCredentials(credentials, service, file);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });
});

describe("USAGE", () => {
  it("names every option, scenario and exit code", () => {
    for (const word of ["--service", "--scenario", "--base-url", "--token", "--rate", "--duration", "--requests", "--seed", "--quiet", "false-refusal-spike", "64"]) {
      expect(USAGE).toContain(word);
    }
  });
});

import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, installTestDatabase, requestedTestDbKind, type TestDatabase } from "./testing";

// vitest runs this before every integration test file: one fresh, migrated database per file.
let database: TestDatabase | undefined;

beforeAll(async () => {
  database = await createTestDatabase(requestedTestDbKind());
  installTestDatabase(database.handle);
});

afterAll(async () => {
  installTestDatabase(undefined);
  await database?.dispose();
  database = undefined;
});

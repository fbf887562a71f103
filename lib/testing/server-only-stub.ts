// Tests import server-only modules directly. The real `server-only` package throws outside a
// React Server Components build, so vitest aliases it to this empty module.
export {};

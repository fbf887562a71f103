import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // A separate build folder lets tests build beside a running demo without clobbering it.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // PGlite ships WASM and data files that must be loaded from node_modules, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "bcryptjs"],
  poweredByHeader: false,
  // forbidden() renders app/forbidden.tsx with a real 403 status.
  experimental: { authInterrupts: true },
};

export default nextConfig;

import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the app with live reload and passes every API call on to a running Kith
// (KITH_URL, by default the one `kith serve` starts on 127.0.0.1:7700).
const kith = process.env.KITH_URL ?? "http://127.0.0.1:7700";
const proxied = ["/api", "/rest", "/mcp", "/oauth", "/.well-known", "/healthz", "/readyz"];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // The binary embeds dist/: no source maps in it.
    sourcemap: false,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: kith, changeOrigin: false }])),
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});

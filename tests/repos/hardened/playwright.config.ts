import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "test/e2e",
  use: { baseURL: process.env.BASE_URL ?? "http://127.0.0.1:8080" },
  webServer: { command: "npm start", url: "http://127.0.0.1:8080/health", timeout: 60_000 },
});

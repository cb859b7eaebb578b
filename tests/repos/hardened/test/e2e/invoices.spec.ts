import { expect, test } from "@playwright/test";

test("health and list", async ({ request }) => {
  expect((await request.get("/health")).ok()).toBe(true);
  expect((await request.get("/api/invoices")).ok()).toBe(true);
});

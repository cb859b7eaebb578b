import { describe, expect, it } from "vitest";
import { app } from "../../src/server.js";

describe("invoices (integration)", () => {
  it("creates an invoice", async () => {
    const res = await app.inject({ method: "POST", url: "/api/invoices", payload: { customerId: "c1", amountCents: 1200 } });
    expect(res.statusCode).toBe(201);
  });
});

import { describe, expect, it } from "vitest";

const base = process.env.BASE_URL;

describe("deployed environment", () => {
  it("has BASE_URL", () => expect(base).toBeTruthy());
  it("answers /health with ok", async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
  it("lists invoices", async () => {
    const res = await fetch(`${base}/api/invoices`, { headers: { authorization: `Bearer ${process.env.SMOKE_TOKEN}` } });
    expect(res.status).toBe(200);
  });
});

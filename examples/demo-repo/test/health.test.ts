import request from "supertest";
import { describe, expect, it, vi } from "vitest";

vi.mock("../src/db.js", () => ({ prisma: { $queryRaw: vi.fn().mockResolvedValue([1]) } }));

describe("GET /health", () => {
  it("reports ok when the database answers", async () => {
    const { app } = await import("../src/index.js");
    const res = await request(app).get("/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });
});

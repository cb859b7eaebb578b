import request from "supertest";
import { describe, expect, it } from "vitest";
import { app } from "../src/index.js";

describe("tasks API (integration)", () => {
  it("creates and lists a task", async () => {
    const created = await request(app).post("/api/tasks").send({ title: "write docs", projectId: "p1" });
    expect(created.status).toBe(201);
    const list = await request(app).get("/api/tasks");
    expect(list.body.some((t: { title: string }) => t.title === "write docs")).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { z } from "zod";

describe("invoice validation", () => {
  it("rejects non-positive amounts", () => {
    const schema = z.object({ amountCents: z.number().int().positive() });
    expect(schema.safeParse({ amountCents: 0 }).success).toBe(false);
  });
});

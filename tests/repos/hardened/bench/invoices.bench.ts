import { bench } from "vitest";
import { z } from "zod";

const schema = z.object({ customerId: z.string(), amountCents: z.number().int().positive() });

bench("validate invoice", () => {
  schema.parse({ customerId: "c1", amountCents: 1200 });
});

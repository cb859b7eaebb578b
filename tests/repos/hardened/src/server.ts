import Fastify from "fastify";
import { invoices } from "./routes/invoices.js";
import { prisma } from "./db.js";

export const app = Fastify({ logger: true });
app.get("/health", async () => {
  await prisma.$queryRaw`SELECT 1`;
  return { status: "ok" };
});
app.register(invoices, { prefix: "/api/invoices" });

if (process.env.NODE_ENV !== "test") {
  await app.listen({ host: "0.0.0.0", port: Number(process.env.PORT ?? 8080) });
}

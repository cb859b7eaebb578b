import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { prisma } from "../db.js";

const NewInvoice = z.object({ customerId: z.string(), amountCents: z.number().int().positive() });

export const invoices: FastifyPluginAsync = async (app) => {
  app.get("/", async () => prisma.invoice.findMany({ take: 100, orderBy: { createdAt: "desc" } }));
  app.post("/", async (req, reply) => {
    const data = NewInvoice.parse(req.body);
    reply.code(201);
    return prisma.invoice.create({ data });
  });
};

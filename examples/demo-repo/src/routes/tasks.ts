import { Router } from "express";
import { z } from "zod";
import { prisma } from "../db.js";

export const tasks = Router();

const NewTask = z.object({ title: z.string().min(1), projectId: z.string() });

tasks.get("/", async (_req, res) => {
  res.json(await prisma.task.findMany({ take: 100, orderBy: { createdAt: "desc" } }));
});

tasks.post("/", async (req, res) => {
  const parsed = NewTask.safeParse(req.body);
  if (!parsed.success) return res.status(400).json(parsed.error.flatten());
  res.status(201).json(await prisma.task.create({ data: parsed.data }));
});

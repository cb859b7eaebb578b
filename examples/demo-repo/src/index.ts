import express from "express";
import pino from "pino";
import { health } from "./routes/health.js";
import { tasks } from "./routes/tasks.js";

const log = pino({ level: process.env.LOG_LEVEL ?? "info" });
export const app = express();
app.use(express.json());
app.use("/health", health);
app.use("/api/tasks", tasks);

if (process.env.NODE_ENV !== "test") {
  const port = Number(process.env.PORT ?? 8080);
  app.listen(port, () => log.info({ port }, "tasklane-api listening"));
}

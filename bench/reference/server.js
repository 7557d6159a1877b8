// The in-memory design the hub's room lookup is measured against (make bench): Express and a
// Map, one process, no database, no rate limit. It answers GET /api/rooms/<code> with the hub's
// JSON and headers, from the rooms in the file ROOMS_FILE (a JSON list of the hub's answers).
"use strict";

const fs = require("fs");
const express = require("express");

const rooms = new Map(
  JSON.parse(fs.readFileSync(process.env.ROOMS_FILE, "utf8")).map((room) => [room.room_code, room]),
);
const app = express();
app.disable("x-powered-by");
app.disable("etag");

app.use((request, response, next) => {
  response.set({
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    Vary: "origin",
  });
  next();
});

app.get("/api/rooms/:code", (request, response) => {
  const room = rooms.get(request.params.code.toUpperCase());
  if (room === undefined) {
    response.status(404).json({ error: "room not found" });
    return;
  }
  response.json(room);
});

app.get("/healthz", (request, response) => response.json({ status: "ok" }));

app.listen(Number(process.env.PORT), "127.0.0.1");

/**
 * A Host App's round with the Spirtuoz hub, typed from the hub's own OpenAPI schema: register a
 * room, say it is alive, look it up as the Mini App does, show a player's photo, close it.
 *
 *   npm ci
 *   npx openapi-typescript "$HUB_URL/api/schema/?format=json" -o schema.d.ts
 *   npm run build && HUB_URL=http://127.0.0.1:3000 HOST_SECRET=... npm start -- [PLAYER_ID]
 *
 * docs/api.md#clients says more; tests/clients/test_typescript_client.py type-checks this
 * file against types generated from the schema and runs it against a live hub.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Registration = components["schemas"]["RoomRegisterInputRequest"];
type Heartbeat = components["schemas"]["RoomHeartbeatInputRequest"];
type CreatedRoom = components["schemas"]["RoomCreatedOutput"];

const hubUrl = process.env.HUB_URL ?? "http://127.0.0.1:3000";
const hostSecret = process.env.HOST_SECRET ?? fail("set HOST_SECRET to the hub's host secret");
const playerId = process.argv[2] === undefined ? undefined : Number(process.argv[2]);

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const hub = createClient<paths>({ baseUrl: hubUrl });

// Bodies are given their type before they are sent: then a field the hub does not know is a
// compile error (openapi-fetch alone lets one through, and the hub answers 400).
const registration: Registration = {
  ws_url: "wss://abc.trycloudflare.com/ws",
  app_url: "https://spirtuoz-miniapp.vercel.app",
  max_players: 8,
};
// The host secret creates rooms; 201 is a new room, with its token shown this once.
const registered = await hub.POST("/api/host/rooms/register", {
  headers: { "X-Host-Secret": hostSecret },
  body: registration,
});
if (registered.response.status !== 201 || !registered.data || !("host_token" in registered.data)) {
  fail(`registerRoom failed: ${registered.response.status} ${JSON.stringify(registered.error)}`);
}
const created: CreatedRoom = registered.data;
const code = created.room_code;
console.log(`registered room ${code}`);

// The room's token is what changes and closes the room.
const asOwner = { "X-Room-Token": created.host_token };
const heartbeat: Heartbeat = { players: 3 };
const alive = await hub.POST("/api/host/rooms/{code}/heartbeat", {
  params: { path: { code } },
  headers: asOwner,
  body: heartbeat,
});
if (!alive.data || alive.data.players !== 3) {
  fail(`heartbeatRoom failed: ${alive.response.status} ${JSON.stringify(alive.error)}`);
}
console.log(`heartbeat: ${alive.data.players} of ${alive.data.max_players} players`);

// What a player's Mini App sees: no secret (or `Authorization: tma <initData>`).
const found = await hub.GET("/api/rooms/{code}", { params: { path: { code: code.toLowerCase() } } });
if (!found.data || found.data.ws_url !== created.ws_url) {
  fail(`getRoom failed: ${found.response.status} ${JSON.stringify(found.error)}`);
}
console.log(`looked up ${found.data.room_code}: ${found.data.ws_url}, host online: ${found.data.host_online}`);

if (playerId !== undefined) {
  // The photo for the game screen, as bytes.
  const photo = await hub.GET("/api/users/{user_id}/avatar.jpg", {
    params: { path: { user_id: playerId } },
    parseAs: "arrayBuffer",
  });
  if (!photo.data) {
    fail(`getAvatarImage failed: ${photo.response.status} ${JSON.stringify(photo.error)}`);
  }
  const type = photo.response.headers.get("Content-Type");
  console.log(`player ${playerId}'s photo: ${photo.data.byteLength} bytes of ${type}`);
}

const closed = await hub.DELETE("/api/host/rooms/{code}", {
  params: { path: { code } },
  headers: asOwner,
});
if (closed.response.status !== 204) {
  fail(`closeRoom failed: ${closed.response.status} ${JSON.stringify(closed.error)}`);
}
const gone = await hub.GET("/api/rooms/{code}", { params: { path: { code } } });
if (gone.response.status !== 404) {
  fail(`room ${code} still resolves after closeRoom: ${gone.response.status}`);
}
console.log(`closed room ${code}`);

/**
 * What the generated types refuse. Compiled, never run: `tsc --noEmit` fails if any line marked
 * @ts-expect-error stops being an error, i.e. if the types stopped describing the hub.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Registration = components["schemas"]["RoomRegisterInputRequest"];

export async function refusedByTheTypes(): Promise<void> {
  const hub = createClient<paths>({ baseUrl: "http://127.0.0.1:3000" });

  // @ts-expect-error: a registration needs its ws_url.
  await hub.POST("/api/host/rooms/register", { body: { app_url: "https://mini.app" } });
  await hub.POST("/api/host/rooms/{code}/heartbeat", {
    params: { path: { code: "ABCD" } },
    // @ts-expect-error: players is a number.
    body: { players: "3" },
  });
  // @ts-expect-error: a room is looked up by its code.
  await hub.GET("/api/rooms/{code}", {});
  const room = await hub.GET("/api/rooms/{code}", { params: { path: { code: "ABCD" } } });
  // @ts-expect-error: the lookup never shows the room's token.
  room.data?.host_token;

  // openapi-fetch lets an unknown field through a literal body (the hub answers 400); a body
  // given its type first does not.
  const registration: Registration = {
    ws_url: "wss://abc.trycloudflare.com/ws",
    app_url: "https://mini.app",
    // @ts-expect-error: the hub knows no such field.
    colour: "red",
  };
  await hub.POST("/api/host/rooms/register", { body: registration });
}

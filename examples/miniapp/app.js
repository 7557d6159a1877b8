// The reference Mini App: find the room the player was sent to, wait while its host is
// offline, connect to its Host App unless the room is full, hand it the hub's ticket, show the
// host's hello and the player's Telegram photo, and reconnect after a drop. Plain JavaScript,
// no build step.
"use strict";

const ROOM_CODE = /^[A-Z0-9]{4,12}$/;
const USER_ID = /^[0-9]{1,16}$/;
// While the room's host is offline (its PC asleep, its tunnel restarting), the room is looked
// up again this often, for this long at most.
const OFFLINE_RETRY_MS = 3000;
const OFFLINE_GIVE_UP_MS = 5 * 60 * 1000;
// How examples/host.py closes a player's socket when the room is full (close code 1013),
// when it refuses the player (1008, after an {"type": "error"} message that says why), and
// when the same player took their seat from another window (1008 too).
const ROOM_FULL_REASON = "room full";
const POLICY_VIOLATION = 1008;
const SEAT_TAKEN_REASON = "seat taken over";
// After a drop the room is looked up again (a fresh ticket) and the host tried again, waiting
// this long before each try; once they are all used up without a hello, the page gives up.
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15000];
// Where the last room joined is kept, to offer it when the app opens without a room code.
const LAST_ROOM_KEY = "spirtuoz.lastRoom";

const page = {
  avatar: document.getElementById("avatar"),
  title: document.getElementById("title"),
  status: document.getElementById("status"),
  hello: document.getElementById("hello"),
  back: document.getElementById("back"),
};

// What Telegram hands a Mini App: signed init data, the player, the start parameter. Telegram's
// script reads them from the URL's #fragment (which the hub's /join/<code> redirect keeps);
// when that script did not load, the same fragment is read here.
function telegramLaunch() {
  const webApp = window.Telegram?.WebApp;
  if (webApp?.initData) {
    const { user, start_param: startParam } = webApp.initDataUnsafe;
    return { initData: webApp.initData, user, startParam };
  }
  const initData = new URLSearchParams(location.hash.slice(1)).get("tgWebAppData") || "";
  const fields = new URLSearchParams(initData);
  let user;
  try {
    user = JSON.parse(fields.get("user"));
  } catch {
    user = null;
  }
  return { initData, user, startParam: fields.get("start_param") };
}

const launch = telegramLaunch();
const query = new URLSearchParams(location.search);
// config.js wins; without it, `?hub=<url>` (see config.js for why).
const hubUrl = (window.SPIRTUOZ_CONFIG?.hubUrl || query.get("hub") || "").replace(/\/+$/, "");
// `room` is what the hub's /join/<code> adds; a t.me/<bot>/<app>?startapp=CODE link gives the
// start parameter instead.
const roomCode = (query.get("room") || launch.startParam || "").toUpperCase();
// Inside Telegram the player is Telegram's user; in a plain browser `?user=<Telegram user id>`.
const userId = String(launch.user?.id ?? query.get("user") ?? "");

class HubError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// GET a hub endpoint; its JSON, or a HubError with the hub's {"error": ...} message.
async function hubGet(path) {
  // The hub checks Telegram's signature; with REQUIRE_TELEGRAM_INIT_DATA it insists on it.
  const headers = launch.initData ? { Authorization: `tma ${launch.initData}` } : {};
  let response;
  try {
    response = await fetch(hubUrl + path, { headers });
  } catch {
    throw new HubError(0, "the hub could not be reached");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new HubError(response.status, body.error || `the hub answered ${response.status}`);
  }
  return body;
}

function showStatus(text, { error = false } = {}) {
  page.status.textContent = text;
  page.status.classList.toggle("error", error);
}

function showError(text) {
  showStatus(text, { error: true });
}

function showRoomFull() {
  showError(`Room ${roomCode} is full.`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function showAvatar() {
  if (!USER_ID.test(userId)) {
    return; // no player known: no photo
  }
  try {
    const { avatar } = await hubGet(`/api/users/${userId}/avatar`);
    if (avatar) {
      // The link as the hub gave it: where the hub requires init data, only its signed links load.
      page.avatar.src = avatar;
      page.avatar.hidden = false;
    }
  } catch (error) {
    console.warn(`no photo for user ${userId}: ${error.message}`);
  }
}

// One socket to the host: this is where a game would go on talking to the Host App. Resolves
// when the socket closes, with whether the host greeted the player and whether trying again
// would be of no use (the room is full, the host refused the player, or the player took their
// seat from elsewhere), having said so.
function connect(room) {
  showStatus("Connecting to the host…");
  let socket;
  try {
    socket = new WebSocket(room.ws_url);
  } catch (error) {
    // e.g. a ws:// URL from a page served over https, which browsers forbid.
    showError(`Could not connect to the host of room ${roomCode}: ${error.message}`);
    return Promise.resolve({ greeted: false, final: true });
  }
  return new Promise((resolve) => {
    let greeted = false;
    let refusal = null;
    socket.addEventListener("open", () => {
      // The hub's ticket says who this player is; the host checks it with the room's token.
      if (room.ticket) {
        socket.send(JSON.stringify({ type: "ticket", ticket: room.ticket }));
      }
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // not a message of this protocol
      }
      if (message.type === "hello") {
        greeted = true;
        page.hello.textContent = message.text;
        page.hello.hidden = false;
        showStatus(`Connected to room ${message.room}.`);
        rememberRoom(roomCode);
      } else if (message.type === "error") {
        refusal = message.text;
      }
    });
    // A socket that fails closes too, so this covers both.
    socket.addEventListener("close", (event) => {
      if (!greeted && event.reason === ROOM_FULL_REASON) {
        showRoomFull(); // the last place went while this page was looking the room up
      } else if (event.code === POLICY_VIOLATION && event.reason === SEAT_TAKEN_REASON) {
        showError(`You are in room ${roomCode} in another window.`);
      } else if (event.code === POLICY_VIOLATION) {
        showError(`The host of room ${roomCode} did not let you in: ${refusal || event.reason}.`);
      } else {
        resolve({ greeted, final: false });
        return;
      }
      page.hello.hidden = true;
      resolve({ greeted, final: true });
    });
  });
}

// Connects, and after each drop looks the room up again (a fresh ticket, the host's new
// address) and reconnects, waiting RECONNECT_DELAYS_MS between tries, until the host greets
// the player again: the host knows the ticket's player and gives them their seat back.
async function play() {
  let failures = 0;
  for (;;) {
    const room = await roomToJoin({ rejoining: failures > 0 });
    if (!room) {
      return;
    }
    const { greeted, final } = await connect(room);
    if (final) {
      return;
    }
    if (greeted) {
      failures = 0;
    } else if (failures === 0) {
      showError(
        `Could not connect to the host of room ${roomCode}. Is the Host App still running?`,
      );
      return;
    }
    if (failures === RECONNECT_DELAYS_MS.length) {
      showError(
        `Lost the connection to the host of room ${roomCode}. Is the Host App still running?`,
      );
      return;
    }
    showStatus(`Lost the connection to room ${roomCode}. Reconnecting…`);
    await sleep(RECONNECT_DELAYS_MS[failures]);
    failures += 1;
  }
}

// Telegram's DeviceStorage (Bot API 9.0) keeps the last room on the player's device, across
// their Telegram apps' reinstalls; elsewhere the browser's localStorage does.
function deviceStorage() {
  const webApp = window.Telegram?.WebApp;
  return webApp?.isVersionAtLeast?.("9.0") ? webApp.DeviceStorage : null;
}

function rememberRoom(code) {
  const storage = deviceStorage();
  if (storage) {
    storage.setItem(LAST_ROOM_KEY, code);
    return;
  }
  try {
    localStorage.setItem(LAST_ROOM_KEY, code);
  } catch {
    // storage refused (a private window): nothing to offer next time
  }
}

function lastRoom() {
  const storage = deviceStorage();
  if (storage) {
    return new Promise((resolve) => {
      storage.getItem(LAST_ROOM_KEY, (error, value) => resolve(error ? null : value));
    });
  }
  try {
    return Promise.resolve(localStorage.getItem(LAST_ROOM_KEY));
  } catch {
    return Promise.resolve(null);
  }
}

// Opened without a room code: offers the last room this device joined, if any.
async function offerLastRoom() {
  const code = await lastRoom();
  if (!ROOM_CODE.test(code || "")) {
    return;
  }
  const url = new URL(location.href);
  url.searchParams.set("room", code);
  page.back.href = url.href;
  page.back.textContent = `Back to room ${code}`;
  page.back.hidden = false;
}

// The room once its host is online, looked up again every OFFLINE_RETRY_MS while it is not
// (and while the hub cannot be reached meanwhile), for OFFLINE_GIVE_UP_MS at most. Null when
// there is nothing to connect to, having said why: no such room (once `rejoining`: the room
// has ended), the room is full, the host stayed offline, or the hub refused the lookup.
async function roomToJoin({ rejoining = false } = {}) {
  const started = Date.now();
  let waiting = false;
  for (;;) {
    let room = null;
    try {
      room = await hubGet(`/api/rooms/${roomCode}`);
    } catch (error) {
      if (error.status === 404 && rejoining) {
        page.hello.hidden = true;
        showError("The host ended the connection.");
        return null;
      }
      if (error.status === 404) {
        showError(
          `Room ${roomCode} was not found or has already ended. Ask the host for a fresh code.`,
        );
        return null;
      }
      // While waiting for the host, or coming back to it, a hub briefly unreachable or busy is
      // waited for too.
      const passing = error.status === 0 || error.status === 429 || error.status >= 500;
      if (!((waiting || rejoining) && passing)) {
        showError(`Could not look up room ${roomCode}: ${error.message}.`);
        return null;
      }
    }
    // (A hub older than host_online says nothing of its host: try the host.)
    if (room && room.host_online !== false) {
      // With a ticket the host may be keeping a seat for this player (whose old socket,
      // counted in `full`, lingers): the host says whether there is room for them.
      if (room.full && !room.ticket) {
        showRoomFull();
        return null;
      }
      return room;
    }
    if (Date.now() - started >= OFFLINE_GIVE_UP_MS) {
      showError(`The host of room ${roomCode} is still offline. Try again later.`);
      return null;
    }
    waiting = true;
    showStatus(`The host of room ${roomCode} is offline. Retrying…`);
    await sleep(OFFLINE_RETRY_MS);
  }
}

async function main() {
  window.Telegram?.WebApp?.ready();
  if (!hubUrl) {
    showError("This app does not know its hub: set hubUrl in config.js.");
    return;
  }
  if (!ROOM_CODE.test(roomCode)) {
    showError("No room code. Open this app with the bot's join button.");
    offerLastRoom();
    return;
  }
  page.title.textContent = `Room ${roomCode}`;
  page.avatar.addEventListener("error", () => {
    page.avatar.hidden = true;
  });
  showAvatar();
  showStatus("Looking for the room…");
  await play();
}

main();

// The reference Mini App: find the room the player was sent to, wait while its host is
// offline, connect to its Host App unless the room is full, and show the host's hello and the
// player's Telegram photo. Plain JavaScript, no build step.
"use strict";

const ROOM_CODE = /^[A-Z0-9]{4,12}$/;
const USER_ID = /^[0-9]{1,16}$/;
// While the room's host is offline (its PC asleep, its tunnel restarting), the room is looked
// up again this often, for this long at most.
const OFFLINE_RETRY_MS = 3000;
const OFFLINE_GIVE_UP_MS = 5 * 60 * 1000;
// How examples/host.py closes a player's socket when the room is full (close code 1013).
const ROOM_FULL_REASON = "room full";

const page = {
  avatar: document.getElementById("avatar"),
  title: document.getElementById("title"),
  status: document.getElementById("status"),
  hello: document.getElementById("hello"),
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

// The host's WebSocket: this is where a game would go on talking to the Host App.
function connect(wsUrl) {
  showStatus("Connecting to the host…");
  let socket;
  try {
    socket = new WebSocket(wsUrl);
  } catch (error) {
    // e.g. a ws:// URL from a page served over https, which browsers forbid.
    showError(`Could not connect to the host of room ${roomCode}: ${error.message}`);
    return;
  }
  let greeted = false;
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
    }
  });
  // A socket that fails closes too, so this covers both.
  socket.addEventListener("close", (event) => {
    if (!greeted && event.reason === ROOM_FULL_REASON) {
      showRoomFull(); // the last place went while this page was looking the room up
      return;
    }
    showError(
      greeted
        ? "The host ended the connection."
        : `Could not connect to the host of room ${roomCode}. Is the Host App still running?`,
    );
  });
}

// The room once its host is online, looked up again every OFFLINE_RETRY_MS while it is not
// (and while the hub cannot be reached meanwhile), for OFFLINE_GIVE_UP_MS at most. Null when
// there is nothing to connect to, having said why: no such room, the room is full, the host
// stayed offline, or the hub refused the lookup.
async function roomToJoin() {
  const started = Date.now();
  let waiting = false;
  for (;;) {
    let room = null;
    try {
      room = await hubGet(`/api/rooms/${roomCode}`);
    } catch (error) {
      if (error.status === 404) {
        showError(
          `Room ${roomCode} was not found or has already ended. Ask the host for a fresh code.`,
        );
        return null;
      }
      // While waiting for the host, a hub briefly unreachable or busy is waited for too.
      const passing = error.status === 0 || error.status === 429 || error.status >= 500;
      if (!(waiting && passing)) {
        showError(`Could not look up room ${roomCode}: ${error.message}.`);
        return null;
      }
    }
    // (A hub older than host_online says nothing of its host: try the host.)
    if (room && room.host_online !== false) {
      if (room.full) {
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
    return;
  }
  page.title.textContent = `Room ${roomCode}`;
  page.avatar.addEventListener("error", () => {
    page.avatar.hidden = true;
  });
  showAvatar();
  showStatus("Looking for the room…");
  const room = await roomToJoin();
  if (room) {
    connect(room.ws_url);
  }
}

main();

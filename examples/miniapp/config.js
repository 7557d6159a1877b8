// Where this Mini App finds the hub. Set it before you deploy, e.g.
//   hubUrl: "https://spirtuoz-hub.onrender.com",
// Once it is set, the page ignores a `hub` query parameter, so no link can send players (and
// their Telegram init data) to another hub. Left empty, as here, `?hub=<url>` says where it is,
// which is handy for trying the app locally.
window.SPIRTUOZ_CONFIG = {
  hubUrl: "",
};

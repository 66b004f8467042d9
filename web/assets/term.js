// lsys-web page script: an xterm.js terminal on the lsys-web WebSocket.
//
//   location ?token=T ──► ws(s)://host/ws?token=T&cols=C&rows=R
//   keyboard ──► binary frame (UTF-8 bytes)        binary frame ──► terminal
//   fit / window resize ──► text frame {"type":"resize","cols":C,"rows":R}
"use strict";
(function () {
  const term = new Terminal({ cursorBlink: true, convertEol: false, scrollback: 5000 });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById("terminal"));
  fit.fit();
  window.lsysTerm = term; // for tests and the console

  const token = new URLSearchParams(location.search).get("token") || "";
  // The token is single use: drop it from the address bar (a reload needs a new one).
  history.replaceState(null, "", location.pathname);
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = scheme + "//" + location.host + "/ws?token=" + encodeURIComponent(token) +
    "&cols=" + term.cols + "&rows=" + term.rows;
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const enc = new TextEncoder();

  ws.onmessage = (ev) => {
    if (ev.data instanceof ArrayBuffer) term.write(new Uint8Array(ev.data));
  };
  ws.onclose = (ev) => {
    const why = ev.reason ? ": " + ev.reason : "";
    term.write("\r\n\x1b[2m[connection closed" + why + "]\x1b[0m\r\n");
    window.lsysClosed = true;
  };
  ws.onerror = () => term.write("\r\n\x1b[31m[cannot connect: the token may be invalid, used or expired]\x1b[0m\r\n");
  term.onData((d) => { if (ws.readyState === WebSocket.OPEN) ws.send(enc.encode(d)); });
  term.onResize(({ cols, rows }) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "resize", cols, rows }));
  });
  window.addEventListener("resize", () => fit.fit());
  ws.onopen = () => term.focus();
})();

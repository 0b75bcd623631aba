/* Live session: replaces the panel (speaker, queue, agenda, the current point's poll) as it changes,
   shows the poll's turnout as ballots arrive, and counts the speaking time down every second. Without
   it, the page refreshes itself every 15 seconds. */
(function () {
  "use strict";
  var box = document.getElementById("session");
  if (!box || !box.dataset.ws || !window.WebSocket) return;
  var live = document.getElementById("live"), delay = 1000, everOpen = false, failures = 0;

  function tick() {
    box.querySelectorAll(".timer[data-left]").forEach(function (timer) {
      var left = +timer.dataset.left - 1;
      timer.dataset.left = left;
      var shown = Math.max(left, 0);
      timer.textContent = Math.floor(shown / 60) + ":" + ("0" + shown % 60).slice(-2);
      if (left <= 0) timer.classList.add("over");
    });
  }

  // The turnout of the current point's poll (a count, never a result), kept at the highest seen: a
  // panel rendered a moment earlier may arrive after a newer count.
  var counts = {};
  function turnout() {
    box.querySelectorAll(".poll[data-poll]").forEach(function (poll) {
      var seen = counts[poll.dataset.poll], count = poll.querySelector(".turnout");
      if (seen && count && seen.count > +count.dataset.count) { count.dataset.count = seen.count; count.textContent = seen.text; }
    });
  }

  function connect() {
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + box.dataset.ws);
    var opened = false;
    socket.onopen = function () {
      opened = everOpen = true;
      failures = 0;
      delay = 1000;
      live.textContent = "";
      socket.send(JSON.stringify({type: "refresh"}));
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "session.update") {
        box.innerHTML = data.html;
        turnout();
      } else if (data.type === "poll.turnout") {
        if (!counts[data.poll] || data.count > counts[data.poll].count) counts[data.poll] = data;
        turnout();
      } else if (data.type === "poll.state") {
        var poll = box.querySelector(".poll[data-poll='" + data.poll + "']");
        if (poll) poll.outerHTML = data.html;
      }
    };
    socket.onclose = function (event) {
      if (event.code === 4401 || event.code === 4403 || (!opened && !everOpen && ++failures > 5)) return;
      live.textContent = "…";
      setTimeout(connect, delay + Math.random() * delay / 2);
      delay = Math.min(delay * 2, 30000);
    };
  }

  setInterval(tick, 1000);
  connect();
})();

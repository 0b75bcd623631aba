/* Live debate: follows the debate's socket, inserts and replaces messages by id, shows how many are
   reading, reconnects with backoff and asks for what it missed; posts and reactions go over fetch.
   Everything it does also works without it, through the page's forms. */
(function () {
  "use strict";
  var list = document.getElementById("msgs");
  if (!list || !list.dataset.ws || !window.WebSocket || !window.fetch) return;
  var live = document.getElementById("live"), texts = live.dataset;
  var form = document.getElementById("post");
  var tokenInput = document.querySelector("[name=csrfmiddlewaretoken]");
  var token = tokenInput ? tokenInput.value : "";
  var last = +list.dataset.last || 0, at = +list.dataset.at || 0, delay = 1000, everOpen = false, failures = 0;

  function say(text) { live.textContent = text || ""; }

  function place(id, replyTo, html, mark) {
    if (mark > at) at = mark;
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var node = holder.content.firstElementChild, old = document.getElementById("m" + id);
    if (!node) return;
    node.querySelectorAll("[name=csrfmiddlewaretoken]").forEach(function (input) { input.value = token; });
    if (id > last) last = id;
    if (old) { old.replaceWith(node); return; }
    if (!list.dataset.insert) return;
    var item = document.createElement("li");
    item.id = "t" + id;
    item.appendChild(node);
    if (list.dataset.threads && replyTo) {
      var parent = document.getElementById("t" + replyTo);
      if (!parent) return;
      var replies = parent.querySelector(":scope > ol.replies");
      if (!replies) {
        replies = document.createElement("ol");
        replies.className = "replies";
        parent.appendChild(replies);
      }
      replies.appendChild(item);
    } else {
      var empty = list.querySelector(".empty");
      if (empty) empty.remove();
      list.insertBefore(item, list.firstChild);
    }
  }

  // The poll beside the debate: its turnout (a count, never a result) and its state.
  function poll(data) {
    var box = document.querySelector(".poll[data-poll='" + data.poll + "']");
    // A poll tabled since the page was read takes the place of the older one (or of the empty slot).
    if (!box && data.html) box = document.querySelector(".subject .poll");
    if (!box) return;
    if (data.html) { box.outerHTML = data.html; return; }
    var count = box.querySelector(".turnout");
    if (count && data.count > +count.dataset.count) { count.dataset.count = data.count; count.textContent = data.text; }
  }

  function connect() {
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + list.dataset.ws);
    var opened = false, check = null;
    function catchUp() { socket.send(JSON.stringify({type: "since", last_id: last, at: at})); }
    socket.onopen = function () {
      opened = everOpen = true;
      failures = 0;
      delay = 1000;
      say("");
      catchUp();
      // Live events are delivered at most once: ask for anything missed now and then.
      check = setInterval(catchUp, 50000 + Math.random() * 20000);
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "debate.presence") say(texts.here + " " + data.count);
      else if (data.type === "debate.since") {
        data.messages.forEach(function (m) { place(m.id, m.reply_to, m.html, m.at); });
        if (data.more) say(texts.more);
      } else if (data.type === "error") say(data.message);
      else if (data.type === "poll.turnout" || data.type === "poll.state") poll(data);
      else if (data.id && data.html) place(data.id, data.reply_to, data.html, data.at);
    };
    socket.onclose = function (event) {
      clearInterval(check);
      // Refused (4401, 4403) or never accepted again and again: the page still works by reload.
      if (event.code === 4401 || event.code === 4403 || (!opened && !everOpen && ++failures > 5)) {
        say(texts.off);
        return;
      }
      say(texts.wait);
      setTimeout(connect, delay + Math.random() * delay / 2);
      delay = Math.min(delay * 2, 30000);
    };
  }

  function send(target, data) {
    return fetch(target.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": token}
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error || texts.fail);
        return body;
      });
    });
  }

  function fail(error) { say(error instanceof SyntaxError || error instanceof TypeError ? texts.fail : error.message); }

  if (form) form.addEventListener("submit", function (event) {
    if (!list.dataset.insert) return;  // an older page: let the form load the newest one
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    send(form, new FormData(form)).then(function (body) {
      place(body.id, body.reply_to, body.html, body.at);
      form.elements.text.value = "";
      say("");
    }).catch(fail).then(function () { button.disabled = false; });
  });

  list.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.classList.contains("acts")) return;
    event.preventDefault();
    var data = new FormData(target);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    send(target, data).then(function (body) { place(body.id, null, body.html, body.at); }).catch(fail);
  });

  connect();
})();

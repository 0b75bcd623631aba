/* Deliberate: sign ballots in the browser (deliberate-board/1). Optional: every page works without it.
   Secret polls: the voting code (typed, or from the link's #code= fragment) never leaves this page; the
   credential is derived with HKDF-SHA256 and the ballot signed with Ed25519, then only the signed
   ballot is posted. Roll-call: the key enrolled in this browser (non-extractable, in IndexedDB) signs. */
(() => {
  "use strict";
  const S = crypto.subtle, E = new TextEncoder(), ED = { name: "Ed25519" };
  const $ = (sel, root = document) => root.querySelector(sel);
  const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  // JCS for the values of a ballot (strings, safe integers, lists, objects): keys in UTF-16 order, no spaces.
  const jcs = (v) => Array.isArray(v) ? "[" + v.map(jcs).join(",") + "]"
    : v !== null && typeof v === "object"
      ? "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + jcs(v[k])).join(",") + "}"
      : JSON.stringify(v);
  class Refusal extends Error {}
  const refuse = (message) => { throw new Refusal(message); };

  const db = (mode, work) => new Promise((ok, ko) => {
    const open = indexedDB.open("deliberate", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onerror = () => ko(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("keys", mode), req = work(tx.objectStore("keys"));
      tx.oncomplete = () => ok(req.result);
      tx.onerror = () => ko(tx.error);
    };
  });

  async function codeKey(code, poll) {
    const base = await S.importKey("raw", E.encode(code), "HKDF", false, ["deriveBits"]);
    const seed = await S.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: E.encode(poll), info: E.encode("deliberate/v1/credential") }, base, 256);
    const pkcs8 = new Uint8Array(48);  // the PKCS#8 wrapping of a raw Ed25519 seed
    pkcs8.set([48, 46, 2, 1, 0, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32]);
    pkcs8.set(new Uint8Array(seed), 16);
    const key = await S.importKey("pkcs8", pkcs8, ED, true, ["sign"]);
    return { key, pub: (await S.exportKey("jwk", key)).x };
  }

  function choiceOf(form) {
    const d = form.dataset, kind = d.kind;
    if (kind === "yes-no-abstain" || kind === "plurality") {
      const picked = $("input[name=choice]:checked", form);
      return picked ? picked.value : refuse(d.msgPick);
    }
    if (kind === "approval") return [...form.querySelectorAll("input[name=choice]:checked")].map((i) => i.value).sort();
    const out = {}, ranks = [];
    for (const el of form.querySelectorAll("[data-option]")) {
      const text = el.value.trim(), id = el.dataset.option;
      if (text !== "" && !/^\d+$/.test(text)) refuse(d.msgInt);
      const n = text === "" ? null : parseInt(text, 10);
      if (kind === "dot") { if (n) out[id] = n; }
      else if (kind === "score") out[id] = n || 0;
      else if (kind === "majority-judgment") out[id] = n === null ? refuse(d.msgPick) : n;
      else if (n !== null) ranks.push([n, id]);
    }
    if (kind !== "schulze" && kind !== "irv") return out;
    ranks.sort((a, b) => a[0] - b[0]);
    if (ranks.some((r, i) => i && r[0] === ranks[i - 1][0])) refuse(d.msgDup);
    return ranks.map((r) => r[1]);
  }

  async function vote(form) {
    const d = form.dataset, choice = choiceOf(form);
    let key, pub;
    if (d.mode === "code") {
      const code = form.code.value.toUpperCase().replace(/[\s-]/g, "");
      if (!/^[A-Z2-7]{24}$/.test(code)) refuse(d.msgCode);
      ({ key, pub } = await codeKey(code, d.poll));
    } else {
      const stored = await db("readonly", (store) => store.get("voter"));
      if (!stored || stored.pub !== d.cred) refuse(d.msgNokey);
      ({ pub } = stored);
      key = stored.pair.privateKey;
    }
    const body = { poll: d.poll, fp: d.fp, cred: pub, choice, signer: "voter",
      nonce: b64u(crypto.getRandomValues(new Uint8Array(16))) };
    body.sig = b64u(await S.sign(ED, key, E.encode("deliberate/v1/ballot\0" + jcs(body))));
    const response = await fetch(d.api, { method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.csrfmiddlewaretoken.value } });
    const answer = await response.json();
    if (!response.ok) refuse(answer.error);
    return answer;
  }

  const form = $("#ballot[data-mode=code], #ballot[data-mode=browser]");
  if (form) {
    const found = /[#&]code=([A-Za-z2-7-]+)/.exec(location.hash);
    if (found && form.code) {
      form.code.value = found[1];
      history.replaceState(null, "", location.pathname + location.search);
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = $("#vote-error"), result = $("#vote-result");
      error.hidden = true;
      try {
        const receipt = await vote(form);
        const line = document.createElement("p"), tracker = document.createElement("strong"), link = document.createElement("a");
        line.textContent = form.dataset.msgDone + " ";
        tracker.className = "tracker";
        tracker.textContent = receipt.tracker;
        link.href = form.dataset.receipt.replace(/0\/$/, receipt.seq + "/");
        link.textContent = form.dataset.msgReceipt;
        line.append(tracker);
        result.replaceChildren(line, link);
        result.hidden = false;
        form.hidden = true;
      } catch (problem) {
        // A browser without Ed25519 in WebCrypto votes the plain way: the server signs.
        if (problem.name === "NotSupportedError" && form.dataset.mode === "code") return form.submit();
        error.textContent = problem.message;
        error.hidden = false;
      }
    });
  }

  const enrol = $("#enrol");
  if (enrol) {
    enrol.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const pair = await S.generateKey(ED, false, ["sign", "verify"]);
        const pub = b64u(await S.exportKey("raw", pair.publicKey));
        await db("readwrite", (store) => store.put({ pair, pub }, "voter"));
        enrol.public_key.value = pub;
        enrol.submit();
      } catch (problem) {
        const note = $("#enrol-needs-js");
        note.textContent += " (" + problem.message + ")";
        note.hidden = false;
      }
    });
    $("#enrol-needs-js").hidden = true;
  }
})();

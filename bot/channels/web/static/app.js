// PRR Assistant web chat. Text is always inserted as text (never as HTML); nothing is kept in
// localStorage: the conversation is reloaded from the server.
"use strict";

const $ = (id) => document.getElementById(id);
// Every text of the page, from the message catalogue: the server puts them in the page as JSON.
const TEXTS = JSON.parse(document.getElementById("texts").textContent);
const say = (id) => {
  if (!(id in TEXTS)) throw new Error("no text " + id + " in the catalogue");  // a typo fails at once
  return TEXTS[id];
};
const UNREACHABLE = say("web.unreachable");

async function api(path, body) {
  const options = { method: body === undefined ? "GET" : "POST", credentials: "same-origin",
                    headers: { "X-PRR": "1" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    return { ok: false, status: 0, data: { error: UNREACHABLE } };
  }
  let data = {};
  try { data = await response.json(); } catch (error) { data = {}; }
  return { ok: response.ok, status: response.status, data };
}

// **bold** becomes <strong>; everything else stays text.
function renderText(element, text) {
  const parts = String(text).split(/\*\*(.+?)\*\*/s);
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      const strong = document.createElement("strong");
      strong.textContent = part;
      element.appendChild(strong);
    } else {
      element.appendChild(document.createTextNode(part));
    }
  });
}

function addMessage(message, live) {
  const bubble = document.createElement("div");
  bubble.className = "msg " + (message.from === "staff" ? "staff" : "assistant");
  renderText(bubble, message.text || "");
  if (message.buttons && message.buttons.length) {
    const choices = document.createElement("div");
    choices.className = "choices";
    message.buttons.forEach((button) => {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.title;
      element.disabled = !live;
      element.addEventListener("click", () => {
        choices.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        send(button.payload, button.title);
      });
      choices.appendChild(element);
    });
    bubble.appendChild(choices);
  }
  $("log").appendChild(bubble);
  $("log").scrollTop = $("log").scrollHeight;
}

let sending = false;
async function send(text, shown) {
  if (sending) return;
  sending = true;
  $("chat-error").textContent = "";
  document.querySelectorAll(".choices button").forEach((b) => { b.disabled = true; });
  addMessage({ from: "staff", text: shown === undefined ? text : shown });
  $("typing").hidden = false;
  const result = await api("/api/message", { text });
  $("typing").hidden = true;
  sending = false;
  if (result.status === 401) { showLogin(say("web.session_ended")); return; }
  if (!result.ok) {
    $("chat-error").textContent = result.data.error || UNREACHABLE;
    if (shown === undefined) $("text").value = text;  // nothing typed is lost
  } else {
    result.data.messages.forEach((m) => addMessage(m, true));
  }
  $("text").focus();
}

function showLogin(message) {
  $("chat-view").hidden = true;
  $("logout").hidden = true;
  $("who").hidden = true;
  $("who").textContent = "";
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
  $("log").replaceChildren();
  $("name").focus();
}

async function showChat() {
  $("login-view").hidden = true;
  $("chat-view").hidden = false;
  $("logout").hidden = false;
  const result = await api("/api/history");
  if (result.status === 401) { showLogin(say("web.session_ended")); return; }
  if (result.ok) {  // who is logged in, so nobody types into someone else's session
    $("who").textContent = say("web.logged_in_as").replace("{name}", result.data.name);
    $("who").hidden = false;
  }
  $("log").replaceChildren();
  const messages = result.ok ? result.data.messages : [];
  messages.forEach((m, i) => addMessage(m, i === messages.length - 1));
  if (!messages.length) addMessage({ from: "assistant", text: say("web.welcome") });
  if (!result.ok && result.status !== 401) $("chat-error").textContent = result.data.error || UNREACHABLE;
  $("text").focus();
}

document.addEventListener("DOMContentLoaded", async () => {
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("/api/login", { name: $("name").value, password: $("password").value });
    $("password").value = "";
    if (result.ok) { showChat(); } else { $("login-error").textContent = result.data.error || UNREACHABLE; $("password").focus(); }
  });
  $("send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value;
    if (!text.trim()) { $("text").focus(); return; }
    $("text").value = "";
    send(text);
  });
  $("logout").addEventListener("click", async () => { await api("/api/logout", {}); showLogin(say("web.logged_out")); });
  const me = await api("/api/me");
  if (me.ok) { showChat(); } else if (me.status === 0) { showLogin(UNREACHABLE); } else { showLogin(); }
});

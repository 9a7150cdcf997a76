// The hosted flow (S6). The secret arrives in the address bar (`session-token`, the seed's
// query-string hand-off, or `code`, a one-time link); it is moved at once into this
// window's sessionStorage and removed from the address bar, so it is neither bookmarked,
// shared nor sent again. sessionStorage belongs to this window only: the same inquiry
// opened in a new window has no token, and a pending inquiry then shows "Session expired"
// (the seed's second situation).
"use strict";

const SCREENS = {
  flow: ["Continue your verification", "Your session is active. Pick up where you left off."],
  "session-expired": ["Session expired",
    "This verification was opened without its session, or the session ran out. Ask for a new link to continue."],
  "inquiry-expired": ["This verification has expired",
    "It was not finished in time. Ask for a new link to start again."],
  finished: ["This verification is finished", "There is nothing more to do here."],
  redacted: ["This verification is no longer available", "Its data was deleted."],
  "link-used": ["This link was already used", "Ask for a new link to continue."],
  unavailable: ["Something went wrong", "Try again in a moment."],
};

// The screen each refusal shows (codes of W4 and the rule book).
const SCREEN_OF_CODE = {
  session_required: "session-expired",
  session_expired: "session-expired",
  invalid_token: "session-expired",
  inquiry_expired: "inquiry-expired",
  inquiry_finished: "finished",
  redacted: "redacted",
  link_used: "link-used",
};

function show(screen, inquiryId, status) {
  const [title, message] = SCREENS[screen] || SCREENS.unavailable;
  const main = document.getElementById("screen");
  main.dataset.screen = screen in SCREENS ? screen : "unavailable";
  document.getElementById("title").textContent = title;
  document.getElementById("message").textContent = message;
  document.getElementById("inquiry").textContent =
    inquiryId ? inquiryId + (status ? " · " + status : "") : "";
  document.title = title;
}

async function post(path, headers, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: Object.assign({ "Content-Type": "application/json" }, headers),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
    referrerPolicy: "no-referrer",
  });
  let document_ = null;
  try { document_ = await response.json(); } catch (_) { /* not JSON: handled below */ }
  return { ok: response.ok, document: document_ };
}

function refusalScreen(document_) {
  const code = document_ && document_.errors && document_.errors[0] && document_.errors[0].code;
  return SCREEN_OF_CODE[code] || "unavailable";
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  const inquiryId = params.get("inquiry-id") || "";
  const key = "inquiry-session-token:" + inquiryId;
  const handedToken = params.get("session-token");
  const code = params.get("code");
  if (handedToken) sessionStorage.setItem(key, handedToken);
  if (handedToken !== null || code !== null) {
    params.delete("session-token");
    params.delete("code");
    history.replaceState(null, "", window.location.pathname + "?" + params.toString());
  }
  if (!/^inq_[A-Za-z0-9]{24}$/.test(inquiryId)) {
    show("unavailable", "", "");
    document.getElementById("message").textContent =
      "This link is incomplete: it names no inquiry. Open the link you were sent again.";
    return;
  }
  const base = "/flow/inquiries/" + encodeURIComponent(inquiryId);
  if (code) {
    const redeemed = await post(base + "/redeem", {}, { code: code });
    if (!redeemed.ok) return show(refusalScreen(redeemed.document), inquiryId, "");
    sessionStorage.setItem(key, redeemed.document.meta["session-token"]);
  }
  const token = sessionStorage.getItem(key);
  const access = await post(base + "/access", token ? { "Session-Token": token } : {});
  if (!access.ok) return show(refusalScreen(access.document), inquiryId, "");
  show("flow", inquiryId, access.document.data.attributes.status);
}

main().catch(() => show("unavailable", "", ""));

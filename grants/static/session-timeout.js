// The warning before an idle session ends (WCAG 2.2.1, timing adjustable). The server ends a
// session after a while without activity (grants/auth/sessions.py); this shows a dialog a few
// minutes before, saying when, with "Stay signed in" (which tells the server) and "Sign out".
// When the time has run out the page goes to the sign-in page, where the server's message says
// why. The server is asked how long is left before anything is shown, because another tab may
// have kept the session going; asking does not count as activity.
//
// The markup is templates/auth/_session_timeout.html: a <dialog> whose data- attributes give the
// timings in seconds and the addresses to call.

const SECOND = 1000;
// While the warning is open, the server is asked again this often, in case another tab was used.
const RECHECK_MS = 30 * SECOND;
// After a failed request (the network, say), try again this much later.
const RETRY_MS = 30 * SECOND;

function clockTime(date) {
  const hours = date.getHours() % 12 || 12;
  const minutes = String(date.getMinutes()).padStart(2, "0");
  return `${hours}:${minutes}${date.getHours() < 12 ? "am" : "pm"}`;
}

function timeLeftInWords(milliseconds) {
  const minutes = Math.ceil(milliseconds / (60 * SECOND));
  if (milliseconds < 60 * SECOND) {
    return "less than a minute";
  }
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

function start(dialog) {
  const warningMs = Number(dialog.dataset.warningSeconds) * SECOND;
  const { statusUrl, extendUrl, signInUrl, csrfToken } = dialog.dataset;
  const message = dialog.querySelector("[data-session-timeout-message]");
  const stay = dialog.querySelector("[data-session-timeout-stay]");
  // The page was served just now, and serving it counted as activity.
  let deadline = Date.now() + Number(dialog.dataset.idleSeconds) * SECOND;
  let timer = null;
  let ticker = null;
  let shownWords = "";
  let problem = "";
  let focusBefore = null;

  function after(milliseconds, action) {
    window.clearTimeout(timer);
    timer = window.setTimeout(action, Math.max(0, milliseconds));
  }

  function leave() {
    const here = window.location.pathname + window.location.search;
    window.location.assign(`${signInUrl}?next=${encodeURIComponent(here)}`);
  }

  function describe() {
    const words = timeLeftInWords(deadline - Date.now());
    const when = `For your security, we will sign you out at ${clockTime(new Date(deadline))} (in ${words}).`;
    const text = problem ? `${when} ${problem}` : when;
    // Only a change of wording is written, so that a screen reader hears it once a minute at most.
    if (text !== shownWords) {
      message.textContent = text;
      shownWords = text;
    }
  }

  function show() {
    if (!dialog.open) {
      focusBefore = focusBefore || document.activeElement;
      dialog.showModal();
      stay.focus();
    }
    if (ticker === null) {
      ticker = window.setInterval(describe, SECOND);
    }
    describe();
  }

  // Close the warning (if Escape has not closed it already) and give the focus back.
  function hide() {
    window.clearInterval(ticker);
    ticker = null;
    shownWords = "";
    problem = "";
    if (dialog.open) {
      dialog.close();
    }
    if (focusBefore && focusBefore !== document.body && document.contains(focusBefore)) {
      focusBefore.focus();
    }
    focusBefore = null;
  }

  // The server's answer: how long is left, or null when the session has ended.
  async function ask(request) {
    const response = await window.fetch(request.url, {
      method: request.method,
      headers: { Accept: "application/json", ...request.headers },
      credentials: "same-origin",
      redirect: "manual",
    });
    if (response.status === 401 || response.type === "opaqueredirect") {
      return null;
    }
    if (!response.ok) {
      throw new Error(`${request.url} answered ${response.status}`);
    }
    const answer = await response.json();
    return answer.signed_in === true ? Number(answer.seconds_left) * SECOND : null;
  }

  // Plan the next look at the server: when the warning is due, or soon while it is open.
  function plan(left) {
    deadline = Date.now() + left;
    problem = "";
    if (left > warningMs) {
      hide();
      after(left - warningMs, check);
      return;
    }
    show();
    // Just after the end, or sooner to notice activity in another tab.
    after(Math.min(left + SECOND, RECHECK_MS), check);
  }

  async function check() {
    let left;
    try {
      left = await ask({ url: statusUrl, method: "GET" });
    } catch {
      after(RETRY_MS, check);
      return;
    }
    if (left === null) {
      leave();
      return;
    }
    plan(left);
  }

  async function extend() {
    let left;
    try {
      left = await ask({ url: extendUrl, method: "POST", headers: { "X-CSRFToken": csrfToken } });
    } catch {
      problem = "We could not reach the service. Check your connection and choose Stay signed in again.";
      show();
      return;
    }
    if (left === null) {
      leave();
      return;
    }
    plan(left);
  }

  stay.addEventListener("click", extend);
  // Escape would close the dialog: take it as "Stay signed in", the choice that loses nothing.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    extend();
  });
  // A tab in the background may have had its timers held back: ask again on coming back.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      check();
    }
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      check();
    }
  });
  after(deadline - Date.now() - warningMs, check);
}

const dialog = document.querySelector('[data-module="app-session-timeout"]');
if (dialog && typeof dialog.showModal === "function") {
  start(dialog);
}

// The console's own script, small on purpose: the idle-session countdown
// and the in-place step-up. Everything else is htmx and server-rendered HTML.
'use strict';

(function () {
  const body = document.body;

  // Idle countdown. The server sends the session's idle deadline with the
  // page (data-session-deadline) and with every htmx answer
  // (X-Session-Deadline); two minutes before it, a warning offers to stay
  // signed in. At the deadline the server has ended the session: go to
  // the sign-in page rather than let the next click fail.
  const warnBeforeMs = 2 * 60 * 1000;
  let deadline = Number(body.dataset.sessionDeadline || 0) * 1000;
  const warning = document.getElementById('session-warning');
  if (deadline && warning) {
    const left = warning.querySelector('[data-session-left]');
    body.addEventListener('htmx:afterRequest', (e) => {
      const h = e.detail.xhr && e.detail.xhr.getResponseHeader('X-Session-Deadline');
      if (h) deadline = Number(h) * 1000;
    });
    const tick = () => {
      const ms = deadline - Date.now();
      if (ms <= 0) {
        window.location.assign('/login?ended=1');
        return;
      }
      warning.hidden = ms > warnBeforeMs;
      if (!warning.hidden) {
        const s = Math.ceil(ms / 1000);
        left.textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
      }
    };
    tick();
    setInterval(tick, 1000);
  }

  // Step-up in place. A sensitive htmx request without a fresh TOTP gets
  // the code form in #modal (X-Step-Up: required) instead of its answer;
  // the form or button the user used stays as it was. Once the code is
  // accepted the server triggers stepUpDone and the request is sent again,
  // with whatever the user had entered.
  let challenged = null;
  body.addEventListener('htmx:beforeSwap', (e) => {
    if (e.detail.xhr.getResponseHeader('X-Step-Up') === 'required') {
      challenged = e.detail.requestConfig;
    }
  });
  body.addEventListener('stepUpDone', () => {
    if (!challenged) return;
    const { elt, triggeringEvent } = challenged;
    challenged = null;
    htmx.trigger(elt, triggeringEvent ? triggeringEvent.type : 'click');
  });
  body.addEventListener('click', (e) => {
    if (e.target.closest('[data-modal-close]')) {
      challenged = null;
      document.getElementById('modal').replaceChildren();
    }
  });
})();

// Countdown for a timed knowledge check. The form carries its deadline (data-deadline, in
// seconds since 1970); the page states the deadline in words, so it works without this script. With it, the
// time left shows and updates, a screen reader hears it at each whole minute under five, and
// the answers are submitted when the time reaches zero (the server allows a short grace).
(function () {
  "use strict";

  function format(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function start(form) {
    var deadline = Number(form.getAttribute("data-deadline")) * 1000;
    var timer = form.querySelector(".countdown");
    var display = form.querySelector("[data-countdown]");
    if (isNaN(deadline) || !timer || !display) {
      return;
    }
    timer.hidden = false;
    var submitted = false;
    var lastAnnounced = null;

    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      display.textContent = format(left);
      var minute = Math.ceil(left / 60);
      if (left > 0 && minute <= 5 && minute !== lastAnnounced && left % 60 === 0) {
        lastAnnounced = minute;
        timer.setAttribute("aria-live", "polite");
      } else {
        timer.setAttribute("aria-live", "off");
      }
      if (left <= 60) {
        timer.classList.add("countdown-ending");
      }
      if (left === 0 && !submitted) {
        submitted = true;
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit();
        } else {
          form.submit();
        }
        return;
      }
      window.setTimeout(tick, 1000);
    }

    form.addEventListener("submit", function () {
      submitted = true;
    });
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-deadline]");
    for (var i = 0; i < forms.length; i++) {
      start(forms[i]);
    }
  });
})();

/* The site frame: the phone menu and the course outline panel. Progressive enhancement: without
   this script the menu and the outline are simply always there. */
(function () {
  "use strict";
  var WIDE = "(min-width: 60rem)";

  function setUpMenu() {
    var header = document.querySelector(".site-header");
    var toggle = header && header.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (!toggle || !menu) return;
    toggle.hidden = false;
    header.classList.add("has-menu-toggle");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("is-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("is-open")) {
        toggle.setAttribute("aria-expanded", "false");
        menu.classList.remove("is-open");
        toggle.focus();
      }
    });
  }

  function setUpOutline() {
    // The outline starts closed (a phone shows the lesson first); wide screens open it beside.
    var wide = window.matchMedia(WIDE).matches;
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      if (wide) details.open = true;
    });
  }

  function setUpCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(target.value).then(function () {
          var done = button.getAttribute("data-copied");
          if (done) button.textContent = done;
        });
      });
    });
  }

  function ready() {
    setUpMenu();
    setUpOutline();
    setUpCopyButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

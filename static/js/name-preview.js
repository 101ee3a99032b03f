// The profile page's preview of the name as a certificate prints it: the size follows the
// certificate's rules (lms/accounts/holder_name.py, given as data-name-rules), and a certificate
// is bilingual when the learner's language is Chinese.
(function () {
  "use strict";
  function init() {
    var box = document.querySelector(".name-preview");
    var input = document.querySelector("[data-name-preview-source]");
    if (!box || !input) return;
    var rules = JSON.parse(box.getAttribute("data-name-rules") || "[]");
    var language = document.getElementById("id_preferred_language");
    var name = box.querySelector("[data-name-preview]");
    var size = box.querySelector("[data-name-preview-size]");
    var template = size.textContent.replace(/^[\d.]+/, "");
    function sizeFor(text, monolingual) {
      var length = Array.from(text).length;
      for (var i = 0; i < rules.length; i++) {
        if (length > rules[i].longer_than || i === rules.length - 1) {
          return monolingual ? rules[i].points_monolingual : rules[i].points;
        }
      }
      return 0;
    }
    function update() {
      var monolingual = !language || language.value !== "zh-hans";
      var points = sizeFor(input.value.trim(), monolingual);
      name.textContent = input.value.trim();
      // Points to CSS pixels at the certificate's scale (1pt = 4/3 px).
      name.style.fontSize = (points * 4 / 3) + "px";
      size.textContent = points + template;
    }
    input.addEventListener("input", update);
    if (language) language.addEventListener("change", update);
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

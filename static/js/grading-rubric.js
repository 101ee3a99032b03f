/* The grading rubric: a running weighted total as levels are chosen (the server recomputes
   the grade and is the authority), and j / k to move between criteria. */
(function () {
  "use strict";

  function chosen(criterion) {
    var radio = criterion.querySelector("input[type=radio]:checked");
    if (radio) return radio;
    var select = criterion.querySelector("select");
    return select && select.selectedOptions.length ? select.selectedOptions[0] : null;
  }

  function total(form, output, criteria) {
    var weighted = 0, weights = 0, count = 0;
    criteria.forEach(function (criterion) {
      var weight = parseFloat(criterion.dataset.weight) || 0;
      var level = chosen(criterion);
      weights += weight;
      if (level) {
        count += 1;
        weighted += weight * parseFloat(level.dataset.points) / (parseFloat(level.dataset.max) || 1);
      }
    });
    if (!count) return;
    var percent = weights ? (100 * weighted / weights).toFixed(2) + "%" : "—";
    if (count < criteria.length) {
      percent += " (" + count + "/" + criteria.length + " " + output.dataset.partial + ")";
    }
    output.textContent = percent;
  }

  function focusCriterion(criterion) {
    var target = criterion.querySelector("input[type=radio]:checked") ||
      criterion.querySelector("input, select");
    if (target) {
      target.focus();
      criterion.scrollIntoView({ block: "nearest" });
    }
  }

  document.querySelectorAll("form[data-rubric]").forEach(function (form) {
    var output = form.querySelector("[data-rubric-total]");
    var criteria = Array.prototype.slice.call(form.querySelectorAll("[data-criterion]"));
    if (!output || !criteria.length) return;
    form.addEventListener("change", function () { total(form, output, criteria); });
    total(form, output, criteria);

    form.addEventListener("keydown", function (event) {
      if (event.key !== "j" && event.key !== "k") return;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.target.matches("textarea, input[type=text], input[type=date]")) return;
      var here = criteria.findIndex(function (c) { return c.contains(event.target); });
      var next = event.key === "j" ? here + 1 : here - 1;
      if (here < 0 || next < 0 || next >= criteria.length) return;
      event.preventDefault();
      focusCriterion(criteria[next]);
    });
  });
})();

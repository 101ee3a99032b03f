// Bulk issuance progress: polls the run's JSON status (which the Celery workers update after
// each award) and moves the progress bar until the run is finished.
(function () {
  "use strict";
  const root = document.querySelector("[data-bulk-progress]");
  if (!root) return;
  const bar = root.querySelector("progress");
  const text = root.querySelector("[data-bulk-progress-text]");
  const failures = root.querySelector("[data-bulk-failures]");
  const list = root.querySelector("[data-bulk-failure-list]");
  const done = root.querySelector("[data-bulk-done]");
  const INTERVAL_MS = 1500;

  function label(template, data) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => String(data[key]));
  }

  function render(data) {
    bar.max = data.total;
    bar.value = data.done;
    bar.textContent = data.percent + "%";
    text.textContent = label(
      data.finished ? root.dataset.labelFinished : root.dataset.labelRunning,
      data,
    );
    list.replaceChildren(
      ...data.failures.map((failure) => {
        const item = document.createElement("li");
        item.textContent = `${failure.learner} (award ${failure.award}): ${failure.error}`;
        return item;
      }),
    );
    failures.hidden = data.failures.length === 0;
    done.hidden = !data.finished;
  }

  async function poll() {
    try {
      const response = await fetch(root.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const data = await response.json();
        render(data);
        if (data.finished) return;
      }
    } catch (error) {
      // A network hiccup: try again at the next tick.
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  window.setTimeout(poll, INTERVAL_MS);
})();

/* The field-project report editor: a Markdown toolbar, word counts against each section's
   limit, a live preview rendered by the server (the same sanitiser as the project page) and
   autosave of the draft through the JSON API.

   Nothing typed is ever dropped: the text stays in the page whatever the server answers, a failed
   save is said out loud and retried, and leaving with unsaved text asks first. Without this
   script the form still works: "Save draft" and "Submit" post every section. */
(function () {
  "use strict";
  var SAVE_DELAY = 1500;
  var PREVIEW_DELAY = 600;
  var RETRY_DELAYS = [5000, 15000, 30000, 60000];
  // A word: a CJK character, or a run of letters and digits (the server counts the same way).
  var CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af";
  var WORD = new RegExp(
    "[" + CJK + "]|[^\\s" + CJK + "\\p{P}\\p{S}_]+(?:['\u2019.\\-][^\\s" + CJK + "\\p{P}\\p{S}_]+)*",
    "gu"
  );

  function countWords(text) {
    var found = text.match(WORD);
    return found ? found.length : 0;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function Editor(form) {
    this.form = form;
    this.draftUrl = form.dataset.draftUrl;
    this.previewUrl = form.dataset.previewUrl;
    this.revision = parseInt(form.dataset.revision || "0", 10);
    this.csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    this.status = document.getElementById("autosave-status");
    this.dirty = {};
    this.saving = false;
    this.failures = 0;
    this.saveTimer = null;
    this.areas = Array.prototype.slice.call(form.querySelectorAll("textarea[data-section]"));
    this.areas.forEach(this.setUpArea, this);
    var self = this;
    window.addEventListener("beforeunload", function (event) {
      if (self.submitting || !self.hasUnsaved()) return;
      event.preventDefault();
      event.returnValue = self.msg("unsaved");
    });
    form.addEventListener("submit", function () {
      self.submitting = true;
    });
  }

  Editor.prototype.msg = function (name, values) {
    var key = "msg" + name.replace(/(^|-)(\w)/g, function (_, __, c) { return c.toUpperCase(); });
    return format(this.form.dataset[key] || "", values || {});
  };

  Editor.prototype.hasUnsaved = function () {
    return Object.keys(this.dirty).length > 0 || this.saving;
  };

  Editor.prototype.setUpArea = function (area) {
    var self = this;
    var section = area.closest(".report-section");
    var toolbar = section.querySelector(".editor-toolbar");
    var preview = section.querySelector(".editor-preview");
    area.previewBody = preview.querySelector(".preview-body");
    area.counter = section.querySelector(".word-count");
    toolbar.hidden = false;
    preview.hidden = false;
    section.classList.add("has-preview");
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-md]");
      if (button) self.applyFormat(area, button.getAttribute("data-md"));
    });
    area.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey)) return;
      var key = event.key.toLowerCase();
      if (key === "b" || key === "i") {
        event.preventDefault();
        self.applyFormat(area, key === "b" ? "bold" : "italic");
      }
    });
    area.addEventListener("input", function () {
      self.dirty[area.dataset.section] = true;
      self.updateCount(area);
      self.schedulePreview(area);
      self.scheduleSave(SAVE_DELAY);
    });
    this.updateCount(area);
    if (area.value.trim()) this.preview(area);
  };

  Editor.prototype.updateCount = function (area) {
    var words = countWords(area.value);
    var limit = parseInt(area.counter.dataset.limit || "0", 10);
    var text = limit
      ? this.msg("words-limit", { n: words, limit: limit })
      : this.msg("words", { n: words });
    var over = limit && words > limit;
    area.counter.textContent = over ? text + " (" + this.msg("over") + ")" : text;
    area.counter.classList.toggle("is-over", Boolean(over));
  };

  // --- the toolbar: Markdown around the selection ---------------------------------------------
  Editor.prototype.applyFormat = function (area, kind) {
    var start = area.selectionStart;
    var end = area.selectionEnd;
    var selected = area.value.slice(start, end);
    var replacement;
    var wrap = { bold: "**", italic: "*" }[kind];
    if (wrap) {
      replacement = wrap + (selected || kind) + wrap;
    } else if (kind === "link") {
      replacement = "[" + (selected || "text") + "](https://)";
    } else {
      var prefix = { heading: "### ", ul: "- ", ol: "1. ", quote: "> " }[kind];
      var lineStart = area.value.lastIndexOf("\n", start - 1) + 1;
      start = lineStart;
      selected = area.value.slice(lineStart, end);
      replacement = selected
        .split("\n")
        .map(function (line, index) {
          return (kind === "ol" ? index + 1 + ". " : prefix) + line;
        })
        .join("\n");
    }
    area.focus();
    area.setRangeText(replacement, start, end, "select");
    area.dispatchEvent(new Event("input", { bubbles: true }));
  };

  // --- the live preview, rendered by the server ------------------------------------------------
  Editor.prototype.schedulePreview = function (area) {
    var self = this;
    clearTimeout(area.previewTimer);
    area.previewTimer = setTimeout(function () {
      self.preview(area);
    }, PREVIEW_DELAY);
  };

  Editor.prototype.preview = function (area) {
    var text = area.value;
    this.request("POST", this.previewUrl, { text: text }).then(function (result) {
      // The HTML comes from the server's sanitiser (nh3), the one the project page uses.
      if (result.ok && area.value === text) area.previewBody.innerHTML = result.body.html;
    });
  };

  // --- autosave --------------------------------------------------------------------------------
  Editor.prototype.scheduleSave = function (delay) {
    var self = this;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(function () {
      self.save(false);
    }, delay);
  };

  Editor.prototype.save = function (force) {
    if (this.saving) {
      this.scheduleSave(SAVE_DELAY);
      return;
    }
    var sections = {};
    var names = Object.keys(this.dirty);
    if (!names.length && !force) return;
    this.areas.forEach(function (area) {
      sections[area.dataset.section] = area.value;
    });
    this.dirty = {};
    this.saving = true;
    this.say(this.msg("saving"), false);
    var self = this;
    var body = { sections: sections, revision: force ? null : this.revision };
    this.request("PUT", this.draftUrl, body).then(function (result) {
      self.saving = false;
      if (result.ok) {
        self.failures = 0;
        self.revision = result.body.revision;
        var time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        self.say(self.msg("saved", { time: time }), false);
        return;
      }
      // Not saved: the text is still in the page; mark it unsaved again.
      names.forEach(function (name) {
        self.dirty[name] = true;
      });
      if (result.status === 409 && result.body && result.body.revision !== undefined) {
        self.conflict();
        return;
      }
      var reason = (result.body && result.body.detail) || self.msg("offline");
      self.say(self.msg("failed", { reason: reason }), true);
      if (result.status === 0 || result.status >= 500 || result.status === 429) {
        var delay = RETRY_DELAYS[Math.min(self.failures, RETRY_DELAYS.length - 1)];
        self.failures += 1;
        self.scheduleSave(delay);
      }
    });
  };

  Editor.prototype.conflict = function () {
    var self = this;
    this.say(this.msg("conflict") + " ", true);
    var keep = document.createElement("button");
    keep.type = "button";
    keep.className = "button button-small";
    keep.textContent = this.msg("keep");
    keep.addEventListener("click", function () {
      self.save(true);
    });
    this.status.appendChild(keep);
  };

  Editor.prototype.say = function (text, problem) {
    this.status.textContent = text;
    this.status.classList.toggle("is-problem", problem);
  };

  Editor.prototype.request = function (method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": this.csrf,
      },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (json) {
            return { ok: response.ok, status: response.status, body: json };
          });
      })
      .catch(function () {
        return { ok: false, status: 0, body: null };
      });
  };

  function ready() {
    document.querySelectorAll("form.report-editor").forEach(function (form) {
      new Editor(form);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

// The certificate page's "Copy link" button: shown only where the browser can copy; without
// JavaScript the link stays selectable in its field.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-copy]")) {
    const field = document.querySelector(button.dataset.copy);
    const copied = button.parentElement.querySelector("[data-copied]");
    if (!field || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(field.value);
      if (copied) copied.hidden = false;
    });
  }
});

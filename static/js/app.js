// Starts NHS.UK frontend's components (header menu, error summary focus,
// skip link, …). Loaded as a module, so it runs after the page is parsed
// and never in browsers NHS.UK frontend does not support.
import { initAll } from "../build/nhsuk/nhsuk-frontend.min.js";

initAll();

// What's on on a phone: the filters wait behind a "Filter" button. The button
// is hidden until this script runs, so without it the filters are simply shown.
// Listening on the document keeps the button working after htmx puts back a
// page from its history (Back and Forward), which replaces the body's content.
function showFilterToggles() {
  for (const button of document.querySelectorAll("[data-filter-toggle]")) {
    button.hidden = false;
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-filter-toggle]");
  if (!button) return;
  const panel = document.getElementById(button.getAttribute("aria-controls"));
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  panel.classList.toggle("app-filter-panel--open", open);
});

// After filtering on a phone, close the panel so the new results are in view;
// focus goes to the Filter button (right above the count, which is announced).
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.id !== "whats-on-results") return;
  const button = document.querySelector("[data-filter-toggle][aria-expanded='true']");
  if (!button || button.offsetParent === null) return;
  button.setAttribute("aria-expanded", "false");
  document.getElementById(button.getAttribute("aria-controls")).classList.remove("app-filter-panel--open");
  button.focus();
});

showFilterToggles();
document.addEventListener("htmx:historyRestore", showFilterToggles);

// Starts NHS.UK frontend's components (header menu, error summary focus,
// skip link, …). Loaded as a module, so it runs after the page is parsed
// and never in browsers NHS.UK frontend does not support.
import { initAll } from "../build/nhsuk/nhsuk-frontend.min.js";

initAll();

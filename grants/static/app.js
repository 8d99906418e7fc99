// Starts GOV.UK Frontend's components (menus, error summaries, password reveal). Loaded as a file so
// that the Content-Security-Policy needs no inline script beyond the page template's one snippet, allowed by its hash.
import { initAll } from "./dist/govuk-frontend.min.js";
import "./session-timeout.js";
import "./print-letter.js";

initAll();

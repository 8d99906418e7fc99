// Shows the offer letter's "Print this letter" button and prints the page when it is pressed. The
// button stays hidden without JavaScript or printing; a page without the button is left alone.
const button = document.querySelector("[data-print-letter]");

if (button && typeof window.print === "function") {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

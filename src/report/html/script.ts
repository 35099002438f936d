/**
 * The page's only script, inlined: filter to failed tests and open or close every test. It
 * reads nothing and fetches nothing; the page works without it.
 */
export const SCRIPT = `
(function () {
  var body = document.body;
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  each("[data-action]", function (button) {
    button.addEventListener("click", function () {
      var action = button.getAttribute("data-action");
      if (action === "only-failed") {
        var on = !body.classList.contains("only-failed");
        body.classList.toggle("only-failed", on);
        button.setAttribute("aria-pressed", String(on));
      } else if (action === "expand") {
        each("details.test", function (d) { d.open = true; });
      } else if (action === "collapse") {
        each("details.test", function (d) { d.open = false; });
      }
    });
  });
})();
`;

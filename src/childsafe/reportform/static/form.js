/* Report form: move focus where a screen-reader user needs it. The form works without this script. */
(function () {
  "use strict";
  var target = document.querySelector("[data-autofocus]");
  if (target) {
    target.focus();
  }
  // Error summary links: focus the field itself (not just scroll to it) and show its question too.
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) {
        return;
      }
      event.preventDefault();
      var question = field.closest(".question") || field;
      question.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  });
  // One press of Send is enough: a second one would only send the same report again.
  document.querySelectorAll("form.report-form[method='post']").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type='submit']");
      if (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      }
    });
  });
})();

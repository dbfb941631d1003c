// sdmx-publish web pages: draw the charts (vendored vega-embed), copy the REST URL, find in long
// filter lists, print. Everything works without it except the charts.
(function () {
  "use strict";
  document.querySelectorAll("figure.chart[data-spec]").forEach(function (fig) {
    if (typeof vegaEmbed !== "function") return;
    var spec = JSON.parse(document.getElementById(fig.dataset.spec).textContent);
    vegaEmbed(fig.querySelector(".chart-body"), spec, {actions: false, renderer: "svg"}).then(function () {
      fig.dataset.rendered = "true";
    }).catch(function (err) {
      fig.querySelector(".chart-body").textContent = "The chart could not be drawn: " + err;
    });
  });
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var input = document.getElementById(btn.dataset.copy);
      var status = btn.closest("section").querySelector(".copied");
      var done = function () { if (status) status.textContent = "Copied to the clipboard."; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else {
        input.select();
        document.execCommand("copy");
        done();
      }
    });
  });
  document.querySelectorAll("ul.options").forEach(function (list) {
    var first = list.querySelector("input:checked");  // bring the first selected code into view
    if (first) list.scrollTop = first.closest("li").offsetTop - list.offsetTop - 24;
  });
  document.querySelectorAll("input.find").forEach(function (box) {
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      box.closest("fieldset").querySelectorAll("li[data-text]").forEach(function (li) {
        li.hidden = q !== "" && li.dataset.text.indexOf(q) < 0;
      });
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });
})();

// Depot's one script: it tells the server the browser's time zone (a cookie, set on the sign-in page and kept a
// year), so that pages show each time in the record's zone and in the viewer's own. Pages work without it.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var cookie = "depot_zone=" + encodeURIComponent(zone);
    if (zone && document.cookie.split("; ").indexOf(cookie) < 0) {
      document.cookie = cookie + "; path=/; max-age=31536000; samesite=strict";
    }
  } catch (e) {
    // No zone from the browser: pages show the record's zone only.
  }
})();

// The new-case form: the suggested priority follows the impact and urgency as they are chosen, read from the rule's
// own table on the page (the server shows it for the values the page was made with).
(function () {
  var impact = document.getElementById("impact");
  var urgency = document.getElementById("urgency");
  var line = document.getElementById("suggested");
  var table = document.getElementById("priority-matrix");
  if (!impact || !urgency || !line || !table) {
    return;
  }
  var levels = ["high", "medium", "low"];
  function update() {
    var row = table.tBodies[0].rows[levels.indexOf(impact.value)];
    var cell = row && row.cells[1 + levels.indexOf(urgency.value)];
    if (!cell) {
      return;
    }
    var priority = cell.textContent;
    var option = document.querySelector("#priority option[value='" + priority + "']");
    var meaning = option ? option.textContent.replace(priority + ": ", "") : "";
    line.textContent = "Suggested: " + priority + (meaning ? " (" + meaning + ")" : "") + " for impact " + impact.value +
      " and urgency " + urgency.value + ".";
  }
  impact.addEventListener("change", update);
  urgency.addEventListener("change", update);
})();

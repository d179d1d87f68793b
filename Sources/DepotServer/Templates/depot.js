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

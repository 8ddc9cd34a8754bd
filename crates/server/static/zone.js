// The booking page guesses the visitor's time zone from the browser, so times show on their
// own clock. Without JavaScript the zone field keeps the attorney's zone and can be edited.
(function () {
  var field = document.querySelector('input[data-guess-zone]');
  if (!field) return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && zone !== field.value) {
      field.value = zone;
      var note = document.getElementById('zone-guessed');
      if (note) note.hidden = false;
    }
  } catch (e) { /* keep the server's guess */ }
})();

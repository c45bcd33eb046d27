// Checks the chosen photos before the form is sent, so an oversized upload is refused here and the citizen's
// typed text stays on the page. The server checks again (type, size, count); this only saves a round trip.
"use strict";
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxFiles) {
    return;
  }
  var message = "";
  if (input.files.length > Number(input.dataset.maxFiles)) {
    message = input.dataset.tooMany;
  } else {
    for (var i = 0; i < input.files.length; i += 1) {
      if (input.files[i].size > Number(input.dataset.maxBytes)) {
        message = input.dataset.tooBig.replace("__NAME__", input.files[i].name);
        break;
      }
    }
  }
  input.setCustomValidity(message);
  var note = document.getElementById(input.name + "-check");
  if (note) {
    note.textContent = message;
    note.hidden = !message;
  }
  if (message) {
    input.reportValidity();
  }
});

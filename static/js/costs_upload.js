// Upload page: drag and drop onto the file box, and a progress bar while the file travels and is
// checked. Without JavaScript the form posts as usual; with it the same form goes by XMLHttpRequest
// (its upload events give the progress), and the page the server answers with is shown.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var zone = document.getElementById("dropzone");
  if (!form || !zone || !window.XMLHttpRequest || !window.FormData) return;
  var input = zone.querySelector("input[type=file]");
  var nameOut = document.getElementById("dropzone-name");
  var box = document.getElementById("upload-progress");
  var bar = box.querySelector(".progress-bar");
  var fill = bar.querySelector("span");
  var text = document.getElementById("upload-progress-text");

  function showName() {
    var file = input.files && input.files[0];
    nameOut.textContent = file ? file.name + " (" + Math.max(1, Math.round(file.size / 1024)).toLocaleString() + " KB)" : "";
  }
  input.addEventListener("change", showName);
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showName();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    box.hidden = false;
    text.textContent = "Uploading…";
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) return;
      var percent = Math.round((progress.loaded / progress.total) * 100);
      fill.style.width = percent + "%";
      bar.setAttribute("aria-valuenow", String(percent));
      text.textContent = "Uploading… " + percent + "%";
    });
    request.upload.addEventListener("load", function () {
      bar.classList.add("busy");
      text.textContent = "Uploaded. Checking every row…";
    });
    request.addEventListener("load", function () {
      if (request.responseURL && request.responseURL !== window.location.href && request.status < 400) {
        window.location.assign(request.responseURL); // the preview of the new upload
        return;
      }
      document.open();
      document.write(request.responseText); // the form again, with what was typed and its errors
      document.close();
    });
    request.addEventListener("error", function () {
      bar.classList.remove("busy");
      text.textContent = "The upload failed (network). Try again.";
    });
    request.send(new FormData(form));
  });
})();

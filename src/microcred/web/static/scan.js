// The verifier page's camera: frames go to POST /verify/scan until one holds a QR code, whose link is then
// opened like a typed one. Shown only where the browser has a camera API.
(function () {
  const section = document.getElementById("scanner");
  if (!section || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  section.hidden = false;
  const start = document.getElementById("scan-start");
  const stop = document.getElementById("scan-stop");
  const status = document.getElementById("scan-status");
  const video = document.getElementById("scan-video");
  const form = document.getElementById("verify-form");
  const token = form.querySelector("input[name=csrf_token]").value;
  let stream = null;
  let timer = null;

  function finish(message) {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
    status.textContent = message || "";
  }

  async function look() {
    if (!stream) return;
    if (video.videoWidth) {
      const canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      const picture = await new Promise((done) => canvas.toBlob(done, "image/png"));
      const body = new FormData();
      body.append("picture", picture, "frame.png");
      try {
        const answer = await fetch("/verify/scan", { method: "POST", body, headers: { "X-CSRF-Token": token } });
        if (answer.ok) {
          const { link } = await answer.json();
          finish("Found: " + link);
          form.querySelector("input[name=link]").value = link;
          form.submit();
          return;
        }
      } catch (error) {
        finish("The server could not be reached.");
        return;
      }
    }
    if (stream) timer = setTimeout(look, 500);
  }

  start.addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      finish("The camera is not available: give a picture of the QR code instead.");
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    start.hidden = true;
    stop.hidden = false;
    status.textContent = "Looking for a QR code…";
    await video.play();
    look();
  });
  stop.addEventListener("click", () => finish("Stopped."));
})();

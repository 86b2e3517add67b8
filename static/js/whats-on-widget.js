// The What's on widget, sized to its content.
//
// One small file with two halves, so the code people copy needs only one script:
// - inside the widget (an iframe: <body class="app-widget">), it tells the page
//   around it how tall it is, whenever that changes;
// - on the page that embeds the widget, it sets the height of each widget iframe
//   from those messages, so the last item and "See everything" are never cut off.
// No dependencies, nothing stored, no data sent anywhere but between the two.
(function () {
  "use strict";
  var MESSAGE = "inspiring:whats-on-height";

  function insideWidget() {
    if (window.parent === window) return;
    var last = 0;
    function tell() {
      var body = document.body;
      var height = Math.ceil(
        body.getBoundingClientRect().bottom + parseFloat(getComputedStyle(body).marginBottom || "0")
      );
      if (height === last) return;
      last = height;
      // The height is not private: any page may embed the widget, so any may hear it.
      window.parent.postMessage({ type: MESSAGE, height: height }, "*");
    }
    if (window.ResizeObserver) new ResizeObserver(tell).observe(document.body);
    window.addEventListener("load", tell);
    tell();
  }

  function aroundWidgets() {
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (!data || data.type !== MESSAGE || typeof data.height !== "number") return;
      var frames = document.querySelectorAll("iframe[data-inspiring-widget]");
      for (var i = 0; i < frames.length; i++) {
        var frame = frames[i];
        // Only the widget that sent the message, and only from the widget's own site.
        if (frame.contentWindow !== event.source) continue;
        if (new URL(frame.src, document.baseURI).origin !== event.origin) continue;
        var height = Math.max(100, Math.min(Math.round(data.height), 5000));
        frame.style.height = height + "px";
        frame.setAttribute("height", String(height));
      }
    });
  }

  if (document.body && document.body.classList.contains("app-widget")) {
    insideWidget();
  } else {
    aroundWidgets();
  }
})();

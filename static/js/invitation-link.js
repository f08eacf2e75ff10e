// The invitation link is /invite/#<code>. The part after "#" never leaves the browser on its own
// (it is in no request line, so in no access log and no Referer): take it out of the address bar
// and post it, so the server sees it only in a request body.
(function () {
  "use strict";
  var form = document.getElementById("invitation-link-form");
  var code = window.location.hash.replace(/^#/, "");
  if (!form || !code) {
    return;
  }
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  form.elements.token.value = decodeURIComponent(code);
  form.submit();
})();

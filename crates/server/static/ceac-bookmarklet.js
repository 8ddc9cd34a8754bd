// visanav's CEAC bookmarklet. It runs on ceac.state.gov's status page, in the person's own
// browser, after they pressed Submit there; it sends what CEAC answered to visanav.
//
// visanav turns this file into a `javascript:` link (VisanavAction and VisanavToken are
// filled in, comment lines dropped, lines joined with spaces: so every statement ends with a
// semicolon and no line holds code after a comment). It uses no fetch and needs no CORS: it
// builds an ordinary form and submits it to a new tab (a top-level POST), so CEAC's page never
// sees visanav's answer and visanav's page opens as itself.
//
// What it sends: the result panel (status, dates, message; nothing the person typed) when
// CEAC showed a status; otherwise CEAC's page without its scripts, lists and typed values, so
// visanav can say what went wrong (wrong code, no data, a block page).
(function () {
  var ids = 'ctl00_ContentPlaceHolder1_ucApplicationStatusView_';
  var panel = document.getElementById(ids + 'pnlStatus');
  var status = document.getElementById(ids + 'lblStatus');
  var page;
  if (panel && status && status.textContent.trim() !== '') {
    page = panel.outerHTML;
  } else {
    var body = document.body.cloneNode(true);
    body.querySelectorAll('script, style, select, input[type=hidden]').forEach(function (e) { e.remove(); });
    body.querySelectorAll('input, textarea').forEach(function (e) { e.removeAttribute('value'); e.textContent = ''; });
    page = body.outerHTML;
  }
  var form = document.createElement('form');
  form.method = 'post';
  form.action = 'VisanavAction';
  form.target = '_blank';
  form.enctype = 'multipart/form-data';
  form.acceptCharset = 'UTF-8';
  form.style.display = 'none';
  [['token', 'VisanavToken'], ['page', page]].forEach(function (f) {
    var field = document.createElement('textarea');
    field.name = f[0];
    field.value = f[1];
    form.appendChild(field);
  });
  // A page whose security policy forbids sending forms elsewhere stops the POST silently;
  // then say so, and what to do instead, rather than nothing at all.
  var blocked = function (e) {
    if ((e.effectiveDirective || e.violatedDirective) === 'form-action') {
      alert('This page did not let the bookmark send your status to visanav. Select everything on this page, copy it, and paste it in visanav: on your case page, "I checked CEAC myself".');
    }
  };
  document.addEventListener('securitypolicyviolation', blocked);
  setTimeout(function () { document.removeEventListener('securitypolicyviolation', blocked); }, 5000);
  document.body.appendChild(form);
  form.submit();
  form.remove();
})();

// Small glue between htmx and Bootstrap. Everything else is declarative (hx-*, x-*).
(function () {
  "use strict";
  // Confirm dangerous POSTs (dissolve, end a post, delete) with the message in data-confirm on the form or on
  // the button that submits it. No inline on*= handlers anywhere: the Content-Security-Policy refuses them.
  document.addEventListener("submit", function (e) {
    var msg = (e.submitter && e.submitter.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  // <select data-autosubmit>: choosing a value submits its form (year pickers).
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-autosubmit]") && e.target.form) { e.target.form.requestSubmit(); }
  });
  // <button data-print>: print the page.
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { window.print(); }
  });
  // Sizes computed per row: <… data-width="37"> (a progress bar, percent) and <… data-indent="2"> (a tree level,
  // rem). Set through the CSSOM, which the Content-Security-Policy allows (it refuses style="…" attributes).
  function sizes(root) {
    if (!root || !root.querySelectorAll) { return; }
    root.querySelectorAll("[data-width]").forEach(function (el) {
      var v = parseFloat(el.getAttribute("data-width"));
      if (isFinite(v)) { el.style.width = Math.max(0, Math.min(100, v)) + "%"; }
    });
    root.querySelectorAll("[data-indent]").forEach(function (el) {
      var v = parseFloat(el.getAttribute("data-indent"));
      if (isFinite(v)) { el.style.marginLeft = Math.max(0, v) + "rem"; }
    });
  }
  sizes(document);  // (this script is at the end of <body>: the page is parsed)
  document.addEventListener("htmx:load", function (e) { sizes(e.target.parentNode || e.target); });
  // A background poll (an element inside [data-background]: the 后台检查进行中 banner) is nobody's click: its
  // failure is not announced (no alert every 15 s while offline, no red box left by a 502/503), and after
  // BACKGROUND_TRIES failures in a row it stops: the element, with its hx-trigger, gives way to a static note. A
  // poll that succeeds swaps in a fresh element, so the count starts again.
  var BACKGROUND_TRIES = 3;
  function backgroundFailed(e) {
    var elt = e.detail && e.detail.elt;
    var el = elt && elt.closest ? elt.closest("[data-background]") : null;
    if (!el) { return false; }
    var failures = (parseInt(el.getAttribute("data-failures"), 10) || 0) + 1;
    if (failures < BACKGROUND_TRIES) {
      el.setAttribute("data-failures", String(failures));
      return true;
    }
    var note = document.createElement("div");
    note.id = el.id;
    note.className = "alert alert-warning small py-2 mb-3";
    note.setAttribute("role", "status");
    note.textContent = "暂时无法获取后台检查进度，请稍后刷新页面。";
    el.replaceWith(note);
    return true;
  }
  // An htmx request that fails should say so rather than silently doing nothing.
  document.addEventListener("htmx:responseError", function (e) {
    if (backgroundFailed(e)) { return; }
    var status = e.detail.xhr ? e.detail.xhr.status : "";
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-error";
      box.className = "alert alert-danger position-fixed bottom-0 end-0 m-3";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    var messages = {
      404: "未找到，或不在您的管理范围内。",
      503: "数据库暂时不可用，请稍后重试。操作可能已经保存，请先刷新查看，确认未保存后再重新提交。",
      507: "存储空间不足，上传的文件未保存，请联系系统管理员。"
    };
    box.textContent = messages[status] || "加载失败（" + status + "），请刷新页面后重试。";
  });
  document.addEventListener("htmx:sendError", function (e) {
    if (backgroundFailed(e)) { return; }
    window.alert("网络连接失败，请检查网络后重试。");
  });
})();

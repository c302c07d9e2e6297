// Small glue between htmx and Bootstrap. Everything else is declarative (hx-*, x-*).
(function () {
  "use strict";
  // Confirm dangerous POSTs (dissolve, end a post) with the message on the button.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  // An htmx request that fails should say so rather than silently doing nothing.
  document.addEventListener("htmx:responseError", function (e) {
    var status = e.detail.xhr ? e.detail.xhr.status : "";
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-error";
      box.className = "alert alert-danger position-fixed bottom-0 end-0 m-3";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = status === 404 ? "未找到，或不在您的管理范围内。" : "加载失败（" + status + "），请刷新页面后重试。";
  });
  document.addEventListener("htmx:sendError", function () {
    window.alert("网络连接失败，请检查网络后重试。");
  });
})();

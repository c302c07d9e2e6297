// The meeting form (templates/orglife/meeting_form.html): the attendance checklist follows the type and the
// date, counts update as ticks change, vote and critique rows are added and removed. Data comes from
// data-attendance-url and data-suggested-topic on the form (no inline script: docs/security.md).
(function () {
  "use strict";
  var form = document.getElementById("meeting-form");
  var box = document.getElementById("attendance");
  if (!form) { return; }
  var url = form.dataset.attendanceUrl;
  var topic = form.querySelector("[name=topic]");
  var lastSuggestion = form.dataset.suggestedTopic || "";

  function counts() {
    var c = { expected: 0, present: 0, voting: 0, votingPresent: 0 };
    box.querySelectorAll("[data-person]").forEach(function (row) {
      var v = row.querySelector("input[type=radio]:checked");
      var present = v && v.value === "present";
      c.expected++; if (present) c.present++;
      if (row.dataset.voting === "1") { c.voting++; if (present) c.votingPresent++; }
      row.classList.toggle("is-excused", !!(v && v.value === "excused"));
    });
    return c;
  }
  function recount() {
    var c = counts();
    document.getElementById("expected-count").textContent = c.expected;
    document.getElementById("present-count").textContent = c.present;
  }
  box.addEventListener("change", recount);
  document.getElementById("all-present").addEventListener("click", function () {
    box.querySelectorAll("input[type=radio][value=present]").forEach(function (r) { r.checked = true; });
    recount();
  });

  // The checklist follows the type and the date; ticks already made are sent along and kept.
  function reload() {
    var params = new URLSearchParams();
    ["type", "date"].forEach(function (n) { params.set(n, form.querySelector("[name=" + n + "]").value); });
    box.querySelectorAll("input").forEach(function (i) {
      if ((i.type !== "radio" || i.checked) && i.name) params.set(i.name, i.value);
    });
    htmx.ajax("GET", url + "&" + params.toString(), { target: "#attendance", swap: "innerHTML" });
  }
  form.querySelector("[name=type]").addEventListener("change", reload);
  form.querySelector("[name=date]").addEventListener("change", reload);
  box.addEventListener("htmx:afterSwap", function () {
    recount();
    var s = document.getElementById("suggested-topic");
    // Replace the topic only while it is still our own suggestion (never what the user typed).
    if (s && (topic.value === lastSuggestion || !topic.value)) { topic.value = s.dataset.topic; }
    if (s) lastSuggestion = s.dataset.topic;
  });

  function addRow(templateId, containerId, fill) {
    var node = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
    if (fill) fill(node);
    var container = document.getElementById(containerId);
    container.insertBefore(node, container.lastElementChild);
    var first = node.querySelector("input, select, textarea");
    if (first) first.focus();
  }
  document.getElementById("add-vote").addEventListener("click", function () {
    addRow("vote-template", "votes", function (node) {
      var c = counts();
      node.querySelector("[name=vote_eligible]").value = c.voting;
      node.querySelector("[name=vote_present]").value = c.votingPresent;
    });
  });
  document.getElementById("add-critique").addEventListener("click", function () {
    addRow("critique-template", "critiques", function (node) {
      // Offer the people now on the checklist.
      node.querySelectorAll("select").forEach(function (sel) {
        box.querySelectorAll("[data-person]").forEach(function (row) {
          var o = document.createElement("option"); o.value = row.dataset.person; o.textContent = row.dataset.name;
          sel.appendChild(o);
        });
      });
    });
  });
  form.addEventListener("click", function (e) {
    var b = e.target.closest("[data-remove-row]");
    if (b) { b.closest(".repeat-row").remove(); }
  });
  recount();
})();

// The exam page (templates/exams/attempt_take.html): one question per card, a countdown to the deadline the server
// fixed when the attempt started, and every choice posted at once (a dropped connection loses nothing saved).
// The server is the judge of time: the clock here is offset by the server's "now", an answer it refuses after the
// deadline says so, and at zero the form is submitted (the server grades what was saved before the deadline).
// Times come as epoch milliseconds (cfg.deadlineMs, cfg.nowMs). One save per question is in flight at a time: a
// choice made meanwhile waits and the latest one is sent when the first returns, so saves cannot land out of order.
window.examRunner = function (cfg) {
  "use strict";
  var skew = cfg.nowMs - Date.now();
  var deadline = cfg.deadlineMs;
  var inFlight = {}, queued = {};
  var answered = {};
  document.querySelectorAll("[data-qid]").forEach(function (b) { answered[b.dataset.qid] = !!b.dataset.answered; });
  return {
    current: 0,
    count: cfg.count,
    left: Math.max(0, Math.floor((deadline - Date.now() - skew) / 1000)),
    status: "",
    answered: answered,
    submitted: false,
    init() {
      var self = this;
      this.timer = setInterval(function () { self.tick(); }, 1000);
    },
    tick() {
      this.left = Math.max(0, Math.floor((deadline - Date.now() - skew) / 1000));
      if (this.left === 0 && !this.submitted) {
        this.submitted = true;
        clearInterval(this.timer);
        this.status = "时间到，正在交卷……";
        this.$refs.form.submit();
      }
    },
    get clock() {
      var m = Math.floor(this.left / 60), s = this.left % 60;
      return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    },
    get answeredCount() { var a = this.answered; return Object.keys(a).filter(function (k) { return a[k]; }).length; },
    go(i) { if (i >= 0 && i < this.count) { this.current = i; window.scrollTo(0, 0); } },
    save(qid) {
      if (inFlight[qid]) { queued[qid] = true; this.status = "正在保存……"; return; }
      this.send(qid);
    },
    send(qid) {
      var self = this;
      var chosen = Array.prototype.map.call(
        this.$refs.form.querySelectorAll("input[name='q_" + qid + "']:checked"), function (el) { return el.value; });
      var body = new URLSearchParams();
      body.append("question", qid);
      chosen.forEach(function (v) { body.append("given", v); });
      inFlight[qid] = true;
      queued[qid] = false;
      this.status = "正在保存……";
      var done = function () {
        inFlight[qid] = false;
        if (queued[qid]) { self.send(qid); return true; }     // the latest choice, read from the form now
        return false;
      };
      fetch(cfg.answerUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": this.$refs.form.querySelector("[name=csrfmiddlewaretoken]").value},
      }).then(function (r) { return r.json().then(function (j) { return {ok: r.ok, j: j}; }); })
        .then(function (res) {
          if (done()) { return; }
          if (res.ok) {
            self.answered[qid] = chosen.length > 0;
            self.status = "已保存";
          } else {
            self.status = res.j.detail || "未保存";
          }
        })
        .catch(function () {
          if (done()) { return; }
          self.status = "网络中断，答案未保存，恢复后请重新选择";
        });
    },
    confirmSubmit(e) {
      var missing = this.count - this.answeredCount;
      if (missing > 0 && !window.confirm("还有 " + missing + " 题未作答，确定交卷吗？")) { e.preventDefault(); return; }
      this.submitted = true;
    },
  };
};

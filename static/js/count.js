// The election counting screen (templates/elections/count.html): ballots entered one by one or as tallies,
// with valid/invalid ballots and the result updating as they are entered. The same arithmetic as
// dangjian/elections/count.py (the server counts again when the result is saved):
//   a ballot choosing more candidates than the seats is invalid (ELEC-11);
//   elected = more yes votes than half of the voters present; exactly half is not (ELEC-09);
//   more such than seats: by votes, a tie at the last seat votes again; fewer: 另行选举 (ELEC-10).
window.electionCounter = function (cfg) {
  "use strict";
  return {
    // (after a refused save the typed numbers come back as tallies)
    mode: Object.keys(cfg.votes || {}).length ? "tallies" : "ballots",
    seats: cfg.seats,
    cands: cfg.candidates,
    present: cfg.present || "",
    returned: cfg.returned || "",
    ballots: [],
    current: {},
    tallies: Object.fromEntries(cfg.candidates.map(function (c) { return [c.id, (cfg.votes || {})[c.id] || ""]; })),
    typedInvalid: cfg.invalid || 0,
    get chosenNow() { var self = this; return this.cands.filter(function (c) { return self.current[c.id]; }).length; },
    addBallot() {
      var self = this;
      var chosen = this.cands.filter(function (c) { return self.current[c.id]; }).map(function (c) { return c.id; });
      this.ballots.push({chosen: chosen, invalid: chosen.length > this.seats});
      this.current = {};
      this.returned = this.ballots.length;
    },
    undo() { this.ballots.pop(); this.returned = this.ballots.length; },
    get invalidCount() {
      return this.mode === "ballots" ? this.ballots.filter(function (b) { return b.invalid; }).length : Number(this.typedInvalid || 0);
    },
    votes(id) {
      if (this.mode === "tallies") { return Number(this.tallies[id] || 0); }
      return this.ballots.filter(function (b) { return !b.invalid && b.chosen.indexOf(id) >= 0; }).length;
    },
    majority(v) { return 2 * v > Number(this.present || 0); },
    get outcome() {
      var self = this;
      var ranked = this.cands.map(function (c) { return {id: c.id, v: self.votes(c.id)}; })
        .sort(function (a, b) { return b.v - a.v; });
      var over = ranked.filter(function (r) { return self.majority(r.v); });
      var out = {elected: [], tied: [], short: 0};
      if (over.length <= this.seats) {
        out.elected = over.map(function (r) { return r.id; });
        out.short = this.seats - over.length;
        return out;
      }
      var cutoff = over[this.seats - 1].v;
      var above = over.filter(function (r) { return r.v > cutoff; }).map(function (r) { return r.id; });
      var at = over.filter(function (r) { return r.v === cutoff; }).map(function (r) { return r.id; });
      if (above.length + at.length === this.seats) { out.elected = above.concat(at); } else { out.elected = above; out.tied = at; }
      return out;
    },
    status(id) {
      var o = this.outcome;
      if (!Number(this.present || 0)) { return "请先填写实到会人数"; }
      if (o.elected.indexOf(id) >= 0) { return "当选"; }
      if (o.tied.indexOf(id) >= 0) { return "票数相等，需再投票"; }
      return "未当选";
    },
  };
};

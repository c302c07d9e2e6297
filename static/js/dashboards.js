// 数据看板: each <div data-dash="KIND" data-url="…"> fetches its JSON endpoint and draws it with ECharts;
// an endpoint answering {"empty": true} shows the empty state instead. Units are drawn in tree order.
(function () {
  "use strict";
  var RED = "#c8102e";
  var EMPTY = {
    heatmap: "近12个月没有可显示的数据。", trend: "近12个月没有预警记录。", rules: "没有未消除的预警。",
    balance: "没有下级组织。", recruitment: "没有在办的发展党员纪实。", dues: "近12个月没有应交党费的记录。",
    rectification: "没有未销号的问题。", calendar: "本年度尚未登记已召开的会议。"
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function empty(box, kind) {
    box.style.height = "auto";
    box.innerHTML = "";
    box.appendChild(el("div", "text-muted small", EMPTY[kind] || "暂无数据。"));
  }

  function chart(box, option) {
    var c = window.echarts.init(box);
    c.setOption(option);
    return c;
  }

  // One window listener for the page resizes whichever charts are drawn now (a chart drawn again — another
  // indicator — replaces its instance; a listener per drawing would pile up and keep the old ones alive).
  function resizeAll() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-dash]").forEach(function (box) {
      var c = window.echarts.getInstanceByDom(box);
      if (c) { c.resize(); }
    });
  }

  function pct(v) { return v === null || v === undefined ? "—" : v + "%"; }

  var draw = {
    heatmap: function (box, d) {
      var rows = d.units.length;
      box.style.height = Math.max(320, 26 * rows + 90) + "px";
      var values = d.cells.map(function (c) { return c[2]; });
      var isRate = d.indicator !== "findings";
      chart(box, {
        // (djTooltip, static/js/chart-tooltip.js: ECharts' "top" keyword would add an arrow with an inline style)
        tooltip: {position: djTooltip.top, formatter: function (p) {
          // (org names are typed by admins: escaped, since ECharts sets the tooltip as HTML)
          return echarts.format.encodeHTML(d.units[p.value[1]]) + "<br>" + d.months[p.value[0]] + "：" +
            (isRate ? p.value[2] + "%" : p.value[2]) + djTooltip.ARROW;
        }},
        grid: {left: 160, right: 20, top: 10, bottom: 60},
        xAxis: {type: "category", data: d.months, splitArea: {show: true}},
        yAxis: {type: "category", data: d.units, inverse: true, splitArea: {show: true},
                axisLabel: {width: 150, overflow: "truncate"}},
        visualMap: {min: 0, max: isRate ? 100 : Math.max.apply(null, values.concat([1])),
                    calculable: true, orient: "horizontal", left: "center", bottom: 0,
                    inRange: {color: isRate ? ["#c8102e", "#fff3cd", "#198754"] : ["#f8f9fa", "#fd7e14", "#c8102e"]}},
        series: [{type: "heatmap", data: d.cells, label: {show: rows <= 30}}]
      });
    },
    trend: function (box, d) {
      chart(box, {
        tooltip: {trigger: "axis", formatter: djTooltip.axis}, legend: {top: 0},
        grid: {left: 40, right: 40, top: 30, bottom: 30},
        xAxis: {type: "category", data: d.months},
        yAxis: [{type: "value", minInterval: 1}, {type: "value", max: 100, axisLabel: {formatter: "{value}%"}}],
        series: [
          {name: "新发现预警", type: "bar", data: d.opened, itemStyle: {color: RED}},
          {name: "消除预警", type: "bar", data: d.resolved, itemStyle: {color: "#198754"}},
          {name: "三会一课按期率", type: "line", yAxisIndex: 1, data: d.meetings_rate, connectNulls: true},
          {name: "党费足额率", type: "line", yAxisIndex: 1, data: d.dues_rate, connectNulls: true}
        ]
      });
    },
    rules: function (box, d) {
      var top = d.rules.slice(0, 15).reverse();
      box.style.height = Math.max(200, 22 * top.length + 40) + "px";
      chart(box, {
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, formatter: function (ps) {
          var r = top[ps[0].dataIndex]; return r.rule + " " + r.title + "：" + r.count;
        }},
        grid: {left: 90, right: 20, top: 10, bottom: 20},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", data: top.map(function (r) { return r.rule; })},
        series: [{type: "bar", data: top.map(function (r) { return r.count; }), itemStyle: {color: RED}}]
      });
    },
    balance: function (box, d) {
      var cols = Object.keys(d.columns);
      var table = el("table", "table table-sm table-hover small mb-0");
      var head = el("tr");
      head.appendChild(el("th", "", "组织"));
      cols.forEach(function (k) { head.appendChild(el("th", "text-end", d.columns[k])); });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
      var tbody = el("tbody");
      var base = box.getAttribute("data-org-url");
      d.units.forEach(function (u) {
        var tr = el("tr");
        var td = el("td"); var a = el("a", "", u.name); a.href = base.replace(/\d+\/$/, u.id + "/");
        td.appendChild(a); tr.appendChild(td);
        cols.forEach(function (k) {
          var v = u[k];
          tr.appendChild(el("td", "text-end", k.slice(-5) === "_rate" ? pct(v) : (v === null ? "—" : v)));
        });
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      var wrap = el("div", "table-responsive"); wrap.appendChild(table);
      box.innerHTML = ""; box.appendChild(wrap);
    },
    recruitment: function (box, d) {
      chart(box, {
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, formatter: djTooltip.axis},
        grid: {left: 150, right: 20, top: 10, bottom: 20},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", inverse: true, data: d.stages.map(function (s) { return s[0]; }),
                axisLabel: {width: 140, overflow: "truncate"}},
        series: [{type: "bar", data: d.stages.map(function (s) { return s[1]; }), itemStyle: {color: RED}}]
      });
    },
    dues: function (box, d) {
      chart(box, {
        tooltip: {trigger: "axis", formatter: function (ps) {
          var i = ps[0].dataIndex; return d.months[i] + "：足额 " + d.paid[i] + " / 应交 " + d.due[i] + " 人月（" + pct(d.rate[i]) + "）";
        }},
        grid: {left: 40, right: 10, top: 10, bottom: 30},
        xAxis: {type: "category", data: d.months},
        yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
        series: [{type: "line", data: d.rate, connectNulls: true, itemStyle: {color: RED}, areaStyle: {opacity: 0.1}}]
      });
    },
    rectification: function (box, d) {
      chart(box, {
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, formatter: djTooltip.axis},
        grid: {left: 40, right: 10, top: 10, bottom: 30},
        xAxis: {type: "category", data: d.buckets.map(function (b) { return b[0]; })},
        yAxis: {type: "value", minInterval: 1},
        series: [{type: "bar", data: d.buckets.map(function (b) { return b[1]; }), itemStyle: {color: RED}}]
      });
    },
    calendar: function (box, d) {
      chart(box, {
        tooltip: {formatter: function (p) { return p.value[0] + "：" + (d.types[p.value[0]] || []).join("、"); }},
        visualMap: {min: 0, max: Math.max(1, d.max), show: false, inRange: {color: ["#fde2e4", RED]}},
        calendar: {range: String(d.year), cellSize: ["auto", 16], left: 40, right: 10, top: 30,
                   dayLabel: {nameMap: "ZH", firstDay: 1}, monthLabel: {nameMap: "ZH"}, yearLabel: {show: false}},
        series: [{type: "heatmap", coordinateSystem: "calendar", data: d.days}]
      });
    }
  };

  function load(box, url) {
    var kind = box.getAttribute("data-dash");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        if (window.echarts) { var old = window.echarts.getInstanceByDom(box); if (old) { old.dispose(); } }
        if (d.empty) { empty(box, kind); return; }
        box.innerHTML = "";
        if (kind !== "balance" && !window.echarts) { return; }
        draw[kind](box, d);
        box.setAttribute("data-loaded", "1");
      })
      .catch(function () { box.innerHTML = ""; box.appendChild(el("div", "text-danger small", "数据加载失败，请刷新页面重试。")); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    window.addEventListener("resize", resizeAll);
    document.querySelectorAll("[data-dash]").forEach(function (box) { load(box, box.getAttribute("data-url")); });
    document.querySelectorAll("[data-indicator-for]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var box = document.getElementById(sel.getAttribute("data-indicator-for"));
        load(box, box.getAttribute("data-url") + "?indicator=" + encodeURIComponent(sel.value));
      });
    });
    var go = document.querySelector("[data-go-button]");
    if (go) { go.addEventListener("click", function () { window.location = document.querySelector("[data-go]").value; }); }
  });
})();

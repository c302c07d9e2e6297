// ECharts for the dashboards: each <div data-chart="bar|pie" data-series="KEY"> draws the [[label, n], …]
// pairs under KEY in <script type="application/json" id="dashboard-series">. The numbers are also in a
// table next to each chart.
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) { return; }
    var src = document.getElementById("dashboard-series");
    if (!src) { return; }
    var all = JSON.parse(src.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var pairs = all[el.getAttribute("data-series")] || [];
      var chart = window.echarts.init(el);
      var kind = el.getAttribute("data-chart");
      var option = kind === "pie" ? {
        tooltip: {trigger: "item", formatter: djTooltip.item},  // (chart-tooltip.js: no inline style)
        series: [{type: "pie", radius: ["40%", "70%"], data: pairs.map(function (p) { return {name: p[0], value: p[1]}; })}]
      } : {
        tooltip: {trigger: "axis", formatter: djTooltip.axis}, grid: {left: 40, right: 10, top: 10, bottom: 30},
        xAxis: {type: "category", data: pairs.map(function (p) { return p[0]; })},
        yAxis: {type: "value", minInterval: 1},
        series: [{type: "bar", data: pairs.map(function (p) { return p[1]; }), itemStyle: {color: "#c8102e"}}]
      };
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();

// ECharts tooltips without inline styles. ECharts builds its default tooltip (and the arrow of a tooltip placed with
// a position keyword such as "top") as HTML with style="…" attributes, which the Content-Security-Policy refuses
// (style-src 'self'). These formatters build the same layout as DOM nodes styled by app.css (.ec-tip-*); the only
// per-item value, the marker colour, is set through the CSSOM, which the policy allows. Used by charts.js and
// dashboards.js; load after echarts.min.js.
(function () {
  "use strict";
  function node(tag, cls, text) {
    var e = document.createElement(tag);
    e.className = cls;
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function shown(v) {
    if (Array.isArray(v)) { v = v[v.length - 1]; }
    return v === null || v === undefined || v === "" || (typeof v === "number" && isNaN(v)) ? "-"
      : window.echarts.format.addCommas(v);
  }
  // One line: colour marker, name (if any), value on the right.
  function row(color, name, value) {
    var r = node("div", "ec-tip-row");
    var m = node("span", "ec-tip-marker");
    m.style.backgroundColor = typeof color === "string" ? color : "#999";
    r.appendChild(m);
    if (name) { r.appendChild(node("span", "ec-tip-name", name)); }
    r.appendChild(node("span", "ec-tip-value", shown(value)));
    return r;
  }
  window.djTooltip = {
    // trigger "axis": the category, then a line per series.
    axis: function (ps) {
      var box = node("div", "ec-tip");
      if (!ps.length) { return box; }
      box.appendChild(node("div", "ec-tip-head", ps[0].axisValueLabel));
      var rows = node("div", "ec-tip-rows");
      ps.forEach(function (p) {
        var unnamed = !p.seriesName || /^series\0/.test(p.seriesName);
        rows.appendChild(row(p.color, unnamed ? "" : p.seriesName, p.value));
      });
      box.appendChild(rows);
      return box;
    },
    // trigger "item" (a pie slice): the series name if it has one, then the item's line.
    item: function (p) {
      var box = node("div", "ec-tip");
      var named = p.seriesName && !/^series\0/.test(p.seriesName);
      if (named) { box.appendChild(node("div", "ec-tip-head", p.seriesName)); }
      var rows = node("div", named ? "ec-tip-rows" : "");
      rows.appendChild(row(p.color, p.name, p.value));
      box.appendChild(rows);
      return box;
    },
    // position "top" without ECharts' inline-styled arrow: centred above the item, 10 px gap (as ECharts places
    // it); the formatter appends djTooltip.ARROW, drawn by app.css in the tooltip's border colour.
    top: function (point, params, dom, rect, size) {
      if (!rect) { return [point[0] - size.contentSize[0] / 2, point[1] - size.contentSize[1] - 10]; }
      return [rect.x + rect.width / 2 - size.contentSize[0] / 2, rect.y - size.contentSize[1] - 10];
    },
    ARROW: '<div class="ec-tip-arrow"></div>'
  };
})();

// Alpine components registered by name (Alpine's CSP build evaluates x-* attributes with its own small parser:
// one expression each, no statements, no JavaScript string escapes). Loaded before Alpine so that
// `alpine:init` finds them. See docs/security.md「安全响应头与 CSP」.
document.addEventListener("alpine:init", function () {
  "use strict";
  // templates/core/widgets/picker.html: a search box that keeps the chosen id (hidden input) and label.
  // The initial value and label come from data-value / data-label, so no text is put inside an expression.
  window.Alpine.data("picker", function () {
    return {
      id: "",
      label: "",
      open: false,
      init: function () {
        this.id = this.$el.dataset.value || "";
        this.label = this.$el.dataset.label || "";
      },
      typed: function () { this.id = ""; this.open = true; },
      clear: function () { this.id = ""; this.label = ""; },
      choose: function (e) { this.id = e.detail.id; this.label = e.detail.label; this.open = false; },
    };
  });

});

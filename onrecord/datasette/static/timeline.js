// onrecord visual timeline: show a mark's evidence and sources on hover, focus or click. No dependencies.
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function add(parent, tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    parent.appendChild(node);
    return node;
  }

  function link(parent, href, text) {
    var a = add(parent, "a", null, text);
    a.href = href;
    return a;
  }

  function show(detail, event, parties) {
    detail.textContent = "";
    var party = parties[event.holder] || event.holder;
    var what = (event.negated ? "not " : "") + event.claim_type;
    var head = add(detail, "p", "detail-head");
    add(head, "strong", "detail-date", event.date);
    add(head, "span", "detail-party", " " + party + " ");
    add(head, "span", "detail-type", what);
    if (event.target) { add(head, "span", "detail-target", " (about " + (parties[event.target] || event.target) + ")"); }
    add(detail, "blockquote", "detail-evidence", event.evidence);
    var meta = add(detail, "p", "detail-sources");
    if (event.speaker) { add(meta, "span", "detail-speaker", event.speaker + " · "); }
    add(meta, "span", "detail-outlets", event.outlets || "");
    if (event.corroboration > 1) { add(meta, "span", null, " · reported by " + event.corroboration + " outlets"); }
    var links = add(detail, "p", "detail-links");
    if (event.article_id) {
      link(links, detail.dataset.articlesUrl + "/" + encodeURIComponent(event.article_id), event.title || "article");
    }
    if (event.url) {
      add(links, "span", null, " · ");
      var original = link(links, event.url, "original ↗");
      original.rel = "noopener noreferrer";
    }
    if (event.reviewed) { add(head, "span", "detail-reviewed", " · reviewed"); }
    if (event.best_claim_id && detail.dataset.reviewUrl) {
      add(links, "span", null, " · ");
      var review = link(links, detail.dataset.reviewUrl + "?claim=" + encodeURIComponent(event.best_claim_id), "review this claim");
      review.className = "detail-review";
    }
  }

  function init() {
    var events = readJson("timeline-events") || [];
    var parties = readJson("timeline-parties") || {};
    var detail = document.getElementById("timeline-detail");
    var pinned = null;
    var marks = document.querySelectorAll("svg.timeline .mark");
    Array.prototype.forEach.call(marks, function (mark) {
      var event = events[Number(mark.getAttribute("data-index"))];
      if (!event) { return; }
      function preview() { if (!pinned) { show(detail, event, parties); } }
      mark.addEventListener("mouseenter", preview);
      mark.addEventListener("focus", preview);
      mark.addEventListener("click", function () {
        if (pinned) { pinned.classList.remove("selected"); }
        pinned = mark;
        mark.classList.add("selected");
        show(detail, event, parties);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());

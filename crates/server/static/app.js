// claimtrail live updates. The pages are complete without this file; it only opens the event
// stream (/api/events) and inserts what arrives: new articles into "Just in" and the story
// list on the front page, and into the article list of an open story page. Everything is
// inserted with textContent and setAttribute, never as HTML, because titles come from feeds.
(function () {
  "use strict";
  if (!window.EventSource) {
    return;
  }
  var root = document.documentElement;
  var status = document.getElementById("live-status");

  function setStatus(text, state) {
    if (status) {
      status.textContent = text;
    }
    root.setAttribute("data-live", state);
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== null && text !== undefined) {
      e.textContent = text;
    }
    if (cls) {
      e.className = cls;
    }
    return e;
  }

  function link(href, text) {
    var a = el("a", text);
    a.setAttribute("href", href);
    return a;
  }

  function storyId(v) {
    var n = Number(v);
    return Number.isInteger(n) ? String(n) : null;
  }

  function parse(data) {
    try {
      return JSON.parse(data);
    } catch (e) {
      return null;
    }
  }

  function bumpCount(container) {
    var count = container && container.querySelector(".count");
    if (count) {
      count.textContent = String((Number(count.textContent) || 0) + 1);
    }
  }

  function onFrontPage(ev, title, story) {
    var live = document.getElementById("live-list");
    if (live) {
      var placeholder = live.querySelector(".muted");
      if (placeholder) {
        placeholder.remove();
      }
      var li = el("li", null, "live-item fresh");
      li.appendChild(link("/articles/" + encodeURIComponent(ev.id), title));
      li.appendChild(document.createTextNode(" · " + (ev.source || "unknown outlet") + " · "));
      li.appendChild(link("/stories/" + story, ev.new_story ? "new story" : "story " + story));
      live.insertBefore(li, live.firstChild);
    }
    var stories = document.getElementById("stories");
    if (!stories) {
      return;
    }
    var item = stories.querySelector('li[data-story="' + story + '"]');
    if (item) {
      bumpCount(item);
      item.classList.add("fresh");
      stories.insertBefore(item, stories.firstChild);
      return;
    }
    item = el("li", null, "story fresh");
    item.setAttribute("data-story", story);
    var h = el("h2");
    h.appendChild(link("/stories/" + story, title));
    item.appendChild(h);
    var meta = el("p", null, "meta");
    meta.appendChild(el("span", "1", "count"));
    meta.appendChild(document.createTextNode(" articles · just now"));
    item.appendChild(meta);
    stories.insertBefore(item, stories.firstChild);
  }

  function onStoryPage(ev, title, story) {
    var page = document.querySelector(".story-page");
    if (!page || page.getAttribute("data-story") !== story) {
      return;
    }
    bumpCount(page);
    var list = document.getElementById("story-articles");
    if (list) {
      var li = el("li", null, "article fresh");
      li.appendChild(link("/articles/" + encodeURIComponent(ev.id), title));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", (ev.source || "unknown outlet") + ", just now", "meta"));
      list.appendChild(li);
    }
  }

  var source = new EventSource("/api/events");
  source.addEventListener("ready", function () {
    setStatus("Live: new articles appear as they arrive.", "ready");
  });
  source.addEventListener("error", function () {
    setStatus("Live updates paused; reconnecting…", "retrying");
  });
  source.addEventListener("article", function (e) {
    var ev = parse(e.data);
    var story = ev && storyId(ev.story);
    if (!ev || typeof ev.id !== "string" || story === null) {
      return;
    }
    var title = typeof ev.title === "string" && ev.title ? ev.title : "(untitled article)";
    onFrontPage(ev, title, story);
    onStoryPage(ev, title, story);
  });
  source.addEventListener("copy", function (e) {
    var ev = parse(e.data);
    var story = ev && storyId(ev.story);
    if (story === null) {
      return;
    }
    var item = document.querySelector('#stories li[data-story="' + story + '"]');
    if (item) {
      item.classList.add("fresh");
    }
  });
})();

// The chat page: asks /api/ask and shows the answer. Everything the server says is shown with
// textContent, never as HTML. Without this script the page's forms post and get a page back.
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("texts").textContent);
  var KEY = "shebao.session";
  var log = document.getElementById("log");
  var box = document.getElementById("text");
  var session = "";

  function load() { try { return localStorage.getItem(KEY) || ""; } catch (e) { return ""; } }
  function save() { try { localStorage.setItem(KEY, session); } catch (e) { /* private mode */ } }
  function sync() {
    var inputs = document.querySelectorAll("input[name=session]");
    for (var i = 0; i < inputs.length; i++) { inputs[i].value = session; }
  }
  session = load();
  var given = document.querySelector("input[name=session]");
  if (!session && given && given.value) { session = given.value; save(); }
  sync();

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function post(url, data) {
    return fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                       body: JSON.stringify(data)})
      .then(function (r) { return r.json().then(function (j) { return {status: r.status, data: j}; }); });
  }

  function button(label, attr, value) {
    var b = el("button", null, label);
    b.type = "button";
    b.setAttribute(attr, value);
    return b;
  }

  function render(a, data) {
    a.querySelector(".at").textContent = data.reply;
    if (data.choices && data.choices.length) {
      var row = el("div", "choices");
      data.choices.forEach(function (c) { row.appendChild(button(c.label, "data-value", c.value)); });
      a.appendChild(row);
    }
    if (data.kind !== "none" && data.question_id && !data.asking) {
      var fb = el("div", "fb");
      fb.appendChild(button(T.useful, "data-useful", "1"));
      fb.appendChild(button(T.useless, "data-useful", "0"));
      fb.setAttribute("data-qid", String(data.question_id));
      a.appendChild(fb);
    }
    if (data.kind === "faq" && data.id) {
      var link = el("a", "share", T.share);
      link.href = "/?faq=" + encodeURIComponent(data.id);
      a.appendChild(link);
    }
  }

  function ask(q) {
    q = (q || "").trim();
    if (!q) { return; }
    var old = log.querySelectorAll(".choices");  // a dialog moves on: earlier choices are spent
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
    var li = el("li", "turn");
    var p = el("p", "q");
    p.appendChild(el("span", "who", T.you));
    p.appendChild(el("span", "qt", q));
    var a = el("div", "a");
    a.appendChild(el("p", "at", T.thinking));
    li.appendChild(p);
    li.appendChild(a);
    log.appendChild(li);
    li.scrollIntoView();
    post("/api/ask", {text: q, session: session || null}).then(function (r) {
      if (r.data.session) { session = r.data.session; save(); sync(); }
      if (r.status !== 200) {
        a.querySelector(".at").textContent = r.data.error || T.network_error;
        li.className += " failed";
        return;
      }
      render(a, r.data);
      li.scrollIntoView();
    }, function () {
      a.querySelector(".at").textContent = T.network_error;
      li.className += " failed";
    });
  }

  function feedback(holder, qid, useful) {
    post("/api/feedback", {question_id: parseInt(qid, 10), useful: useful, session: session || null}).then(function () {
      var done = el("p", "fb done", T.feedback_thanks);
      holder.parentNode.replaceChild(done, holder);
    }, function () { /* the answer stays usable; feedback may be pressed again */ });
  }

  function share(e, link) {
    var url = link.href;
    if (navigator.share) {
      e.preventDefault();
      navigator.share({title: document.title, url: url}).catch(function () { /* cancelled */ });
    } else if (navigator.clipboard && window.isSecureContext) {
      e.preventDefault();
      navigator.clipboard.writeText(url).then(function () { link.textContent = T.copied; },
                                              function () { window.location.href = url; });
    }
  }

  document.addEventListener("click", function (e) {
    var t = e.target;
    var link = t.closest ? t.closest("a.share") : null;
    if (link && !e.ctrlKey && !e.metaKey) { share(e, link); return; }
    var b = t.closest ? t.closest("button") : null;
    if (!b) { return; }
    if (b.name === "text" || b.hasAttribute("data-value")) {
      e.preventDefault();
      ask(b.getAttribute("data-value") || b.value);
    } else if (b.hasAttribute("data-useful")) {
      feedback(b.parentNode, b.parentNode.getAttribute("data-qid"), b.getAttribute("data-useful") === "1");
    } else if (b.name === "useful") {
      e.preventDefault();
      feedback(b.form, b.form.elements.question_id.value, b.value === "1");
    }
  });

  // Staff replies to a hand-off (找工会工作人员) wait on the server for this session: ask while the page is open.
  var POLL_MS = 20000;
  function showStaff(m) {
    var li = el("li", "turn staff");
    var a = el("div", "a");
    a.appendChild(el("span", "who", T.staff));
    a.appendChild(el("p", "at", m.text));
    li.appendChild(a);
    log.appendChild(li);
    li.scrollIntoView();
  }
  function poll() {
    if (!session || document.hidden) { return; }
    fetch("/api/messages?session=" + encodeURIComponent(session), {cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : {messages: []}; })
      .then(function (j) { (j.messages || []).forEach(showStaff); }, function () { /* offline: next time */ });
  }
  poll();
  window.setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);

  document.getElementById("ask").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = box.value;
    box.value = "";
    ask(q);
  });

  box.addEventListener("keydown", function (e) {
    // Enter sends; Shift+Enter is a new line; Enter while an input method composes picks characters
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      var q = box.value;
      box.value = "";
      ask(q);
    }
  });
})();

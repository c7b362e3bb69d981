/* Drag and drop questions on the attempt page: words into the gaps of a text
   (drag_drop_text, or a list per gap in "select" mode), labels onto the drop zones of an
   image (drag_drop_image) and markers placed at points of an image (drag_drop_marker).

   Everything works with the keyboard alone: a choice, label or marker is a button (Enter
   or Space picks it up), gaps and zones are buttons too (Enter drops, Delete empties, the
   arrow keys move between them), and markers are placed with a cursor moved by the arrow
   keys, as on a hotspot. With a mouse or a finger, items are dragged (pointer events) or
   clicked then dropped with a second click. Each step is announced in the question's
   aria-live region. The page names everything by the attempt's opaque tokens; answers go
   through attempt.js (a "change" event), which autosaves them. Registers read/write in
   window.lmsQuestionTypes. No framework. */
(function () {
  "use strict";
  if (window.lmsDragDropLoaded) { return; }
  window.lmsDragDropLoaded = true;
  var registry = window.lmsQuestionTypes = window.lmsQuestionTypes || {};
  var DRAG_START = 6;

  function each(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }
  function fill(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (all, key) { return values[key] !== undefined ? values[key] : all; });
  }
  function changed(question) { question.dispatchEvent(new Event("change", {bubbles: true})); }
  function text(question, key, values) {
    var node = question.querySelector("[data-dd-messages]");
    return fill(node ? node.getAttribute("data-msg-" + key) : "", values || {});
  }
  function say(question, message) {
    var live = question.querySelector("[data-dd-live]");
    if (!live) { return; }
    live.textContent = "";
    setTimeout(function () { live.textContent = message; }, 30);
  }

  // A small floating copy of what is dragged with a pointer.
  function ghost(label) {
    var node = document.createElement("span");
    node.className = "dd-ghost";
    node.setAttribute("aria-hidden", "true");
    node.textContent = label;
    document.body.appendChild(node);
    return node;
  }

  // Calls onDrop(target element under the pointer, event) when the element is dragged with
  // a pointer; a plain click stays a click.
  function draggable(element, label, onDrop) {
    element.addEventListener("pointerdown", function (down) {
      if (down.button !== 0) { return; }
      var start = {x: down.clientX, y: down.clientY};
      var floating = null;
      function move(event) {
        if (!floating && Math.hypot(event.clientX - start.x, event.clientY - start.y) < DRAG_START) { return; }
        if (!floating) { floating = ghost(label()); }
        floating.style.left = event.clientX + "px";
        floating.style.top = event.clientY + "px";
        event.preventDefault();
      }
      function up(event) {
        document.removeEventListener("pointermove", move);
        document.removeEventListener("pointerup", up);
        document.removeEventListener("pointercancel", up);
        if (!floating) { return; }
        floating.remove();
        element.lmsDragged = true;
        setTimeout(function () { element.lmsDragged = false; }, 0);
        if (event.type === "pointerup") { onDrop(document.elementFromPoint(event.clientX, event.clientY), event); }
      }
      document.addEventListener("pointermove", move);
      document.addEventListener("pointerup", up);
      document.addEventListener("pointercancel", up);
    });
  }

  // Zoom, as on a hotspot: the board grows inside its frame, which scrolls; the buttons,
  // + and - on a focused board, or a trackpad's pinch (Ctrl + wheel).
  var ZOOM_MIN = 1, ZOOM_MAX = 6;
  function zoomable(question, board) {
    var viewport = board.parentNode;
    var level = question.querySelector("[data-dd-zoom-level]");
    var zoom = 1;
    function zoomTo(next) {
      var frame = viewport.getBoundingClientRect();
      var box = board.getBoundingClientRect();
      var fx = box.width ? (frame.left + frame.width / 2 - box.left) / box.width : 0.5;
      var fy = box.height ? (frame.top + frame.height / 2 - box.top) / box.height : 0.5;
      zoom = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, next));
      board.style.width = (zoom * 100) + "%";
      var grown = board.getBoundingClientRect();
      viewport.scrollLeft += grown.left + fx * grown.width - (frame.left + frame.width / 2);
      viewport.scrollTop += grown.top + fy * grown.height - (frame.top + frame.height / 2);
      board.setAttribute("data-zoom", String(Math.round(zoom * 100) / 100));
      if (level) { level.textContent = Math.round(zoom * 100) + " %"; }
    }
    each(question.querySelectorAll("[data-dd-zoom]"), function (button) {
      button.addEventListener("click", function () {
        var action = button.getAttribute("data-dd-zoom");
        zoomTo(action === "in" ? zoom * 1.5 : action === "out" ? zoom / 1.5 : 1);
      });
    });
    board.addEventListener("keydown", function (event) {
      if (event.target !== board) { return; }
      if (event.key === "+" || event.key === "=") { zoomTo(zoom * 1.5); event.preventDefault(); }
      else if (event.key === "-" || event.key === "_") { zoomTo(zoom / 1.5); event.preventDefault(); }
    });
    viewport.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) { return; }
      event.preventDefault();
      zoomTo(zoom * Math.exp(-event.deltaY / 200));
    }, {passive: false});
    if (level) { level.textContent = "100 %"; }
  }

  // --- gaps and zones --------------------------------------------------------------------

  function slotsUp(question) {
    var root = question.querySelector("[data-dd]");
    var kind = root.getAttribute("data-dd");
    var picked = null; // {token, label, group, from: slot or null, item: pool button or null}

    function slots() { return Array.prototype.slice.call(root.querySelectorAll("[data-dd-slot]")); }
    function items() { return Array.prototype.slice.call(root.querySelectorAll("[data-dd-item]")); }
    function itemOf(token) { return items().filter(function (i) { return i.getAttribute("data-dd-item") === token; })[0]; }
    function itemText(token) { var item = itemOf(token); return item ? (item.textContent.trim() || (item.querySelector("img") || {}).alt || "") : ""; }
    function place(slot) { return text(question, kind === "image" ? "zone" : "gap", {number: slot.getAttribute("data-number"), content: ""}).replace(/[:\s]+$/, ""); }

    function show(slot) {
      var token = slot.getAttribute("data-value") || "";
      var label = token ? itemText(token) : "";
      slot.querySelector("[data-dd-slot-text]").textContent = label;
      slot.classList.toggle("dd-filled", !!token);
      var name = text(question, kind === "image" ? "zone" : "gap", {number: slot.getAttribute("data-number"), content: label || text(question, "empty")});
      var extra = slot.getAttribute("data-label");
      slot.setAttribute("aria-label", extra ? name + " (" + extra + ")" : name);
    }
    function refresh() {
      var used = {};
      slots().forEach(function (slot) { show(slot); used[slot.getAttribute("data-value")] = true; });
      items().forEach(function (item) {
        item.hidden = !item.hasAttribute("data-unlimited") && !!used[item.getAttribute("data-dd-item")];
      });
    }
    function release() {
      if (picked && picked.item) { picked.item.setAttribute("aria-pressed", "false"); }
      picked = null;
      root.classList.remove("dd-carrying");
      slots().forEach(function (slot) { slot.classList.remove("dd-target"); });
    }
    function pick(token, from) {
      var item = itemOf(token);
      release();
      picked = {token: token, label: itemText(token), group: item ? item.getAttribute("data-group") : "", from: from, item: from ? null : item};
      if (picked.item) { picked.item.setAttribute("aria-pressed", "true"); }
      root.classList.add("dd-carrying");
      slots().forEach(function (slot) { slot.classList.toggle("dd-target", slot.getAttribute("data-group") === picked.group); });
      say(question, text(question, "picked", {text: picked.label}));
    }
    function drop(slot) {
      if (!picked) {
        if (slot.getAttribute("data-value")) { pick(slot.getAttribute("data-value"), slot); }
        return;
      }
      if (picked.from === slot) { release(); say(question, text(question, "cancelled", {text: itemText(slot.getAttribute("data-value"))})); return; }
      if (slot.getAttribute("data-group") !== picked.group) {
        say(question, text(question, "wrong-group", {text: picked.label, place: place(slot)}));
        return;
      }
      if (picked.from) { picked.from.setAttribute("data-value", ""); }
      slot.setAttribute("data-value", picked.token);
      var label = picked.label;
      release();
      refresh();
      say(question, text(question, "dropped", {text: label, place: place(slot)}));
      changed(question);
    }
    function clear(slot) {
      if (!slot.getAttribute("data-value")) { return; }
      slot.setAttribute("data-value", "");
      release();
      refresh();
      say(question, text(question, "cleared", {place: place(slot)}));
      changed(question);
    }

    root.addEventListener("click", function (event) {
      var item = event.target.closest("[data-dd-item]");
      var slot = event.target.closest("[data-dd-slot]");
      if (item && !item.lmsDragged) {
        if (picked && picked.item === item) { release(); say(question, text(question, "cancelled", {text: itemText(item.getAttribute("data-dd-item"))})); }
        else { pick(item.getAttribute("data-dd-item"), null); }
      } else if (slot && !slot.lmsDragged) {
        drop(slot);
      }
    });
    root.addEventListener("keydown", function (event) {
      var slot = event.target.closest("[data-dd-slot]");
      if (event.key === "Escape" && picked) {
        var label = picked.label;
        release();
        say(question, text(question, "cancelled", {text: label}));
        event.preventDefault();
      } else if (slot && (event.key === "Delete" || event.key === "Backspace")) {
        clear(slot);
        event.preventDefault();
      } else if (slot && /^Arrow/.test(event.key)) {
        var all = slots();
        var step = event.key === "ArrowRight" || event.key === "ArrowDown" ? 1 : -1;
        all[(all.indexOf(slot) + step + all.length) % all.length].focus();
        event.preventDefault();
      }
    });
    items().forEach(function (item) {
      draggable(item, function () { return itemText(item.getAttribute("data-dd-item")); }, function (target) {
        var slot = target && target.closest("[data-dd-slot]");
        if (slot && root.contains(slot)) { pick(item.getAttribute("data-dd-item"), null); drop(slot); }
      });
    });
    slots().forEach(function (slot) {
      draggable(slot, function () { return itemText(slot.getAttribute("data-value")); }, function (target) {
        if (!slot.getAttribute("data-value")) { return; }
        var other = target && target.closest("[data-dd-slot]");
        if (other && root.contains(other)) { pick(slot.getAttribute("data-value"), slot); drop(other); }
        else if (!(target && root.contains(target))) { clear(slot); }
      });
    });
    // Zones sit where the author put them (image pixels), whatever the image's shown size.
    var board = root.querySelector("[data-dd-board]");
    if (board) {
      var width = Number(board.getAttribute("data-width")), height = Number(board.getAttribute("data-height"));
      board.parentNode.style.maxWidth = width + "px";
      slots().forEach(function (slot) {
        slot.style.left = (100 * Number(slot.getAttribute("data-x")) / width) + "%";
        slot.style.top = (100 * Number(slot.getAttribute("data-y")) / height) + "%";
      });
      zoomable(question, board);
    }
    refresh();
    root.lmsSlots = {
      set: function (filled) {
        slots().forEach(function (slot) {
          var token = filled[slot.getAttribute("data-dd-slot")] || "";
          slot.setAttribute("data-value", itemOf(token) ? token : "");
        });
        release();
        refresh();
      }
    };
  }

  // --- markers -----------------------------------------------------------------------------

  function markersUp(question) {
    var root = question.querySelector("[data-dd]");
    var board = root.querySelector("[data-dd-markers]");
    var img = board.querySelector("img");
    var cursor = board.querySelector(".dd-cursor");
    var cursorText = root.querySelector("[data-dd-cursor-text]");
    var width = Number(board.getAttribute("data-width")), height = Number(board.getAttribute("data-height"));
    var placements = {};
    try { placements = JSON.parse(board.getAttribute("data-placements") || "{}") || {}; } catch (e) { placements = {}; }
    var at = [Math.round(width / 2), Math.round(height / 2)];
    var picked = null; // a marker's token
    board.parentNode.style.maxWidth = width + "px";
    zoomable(question, board);

    function markers() { return Array.prototype.slice.call(root.querySelectorAll("[data-dd-marker]")); }
    function markerOf(token) { return markers().filter(function (m) { return m.getAttribute("data-dd-marker") === token; })[0]; }
    function label(token) { var m = markerOf(token); return m ? m.getAttribute("data-text") : ""; }
    function limit(token) { var m = markerOf(token); return m ? Number(m.getAttribute("data-limit")) || 1 : 0; }
    function placed(token) { return (placements[token] || []).length; }
    function clamp(point) { return [Math.round(Math.min(width, Math.max(0, point[0]))), Math.round(Math.min(height, Math.max(0, point[1])))]; }

    function draw() {
      each(board.querySelectorAll(".dd-pin"), function (pin) { pin.remove(); });
      markers().forEach(function (m) {
        var token = m.getAttribute("data-dd-marker");
        (placements[token] || []).forEach(function (point, index) {
          var pin = document.createElement("button");
          pin.type = "button";
          pin.className = "dd-pin";
          pin.textContent = label(token);
          pin.setAttribute("data-pin", token);
          pin.setAttribute("data-index", String(index));
          pin.setAttribute("aria-label", text(question, "pin", {text: label(token), x: point[0], y: point[1]}));
          pin.style.left = (100 * point[0] / width) + "%";
          pin.style.top = (100 * point[1] / height) + "%";
          board.appendChild(pin);
          pinDrag(pin);
        });
        m.querySelector("[data-dd-left]").textContent = "(" + text(question, "left", {placed: placed(token), limit: limit(token)}) + ")";
        m.setAttribute("aria-pressed", picked === token ? "true" : "false");
      });
      cursor.style.left = (100 * at[0] / width) + "%";
      cursor.style.top = (100 * at[1] / height) + "%";
      root.classList.toggle("dd-carrying", !!picked);
      board.setAttribute("data-placements", JSON.stringify(placements));
      if (cursorText) { cursorText.textContent = text(question, "cursor", {x: at[0], y: at[1]}); }
    }
    function pick(token) {
      if (placed(token) >= limit(token)) { say(question, text(question, "none-left", {text: label(token)})); return false; }
      picked = token;
      draw();
      say(question, text(question, "picked-marker", {text: label(token)}));
      return true;
    }
    function put(point) {
      if (!picked) { say(question, text(question, "pick-first")); return; }
      if (placed(picked) >= limit(picked)) { say(question, text(question, "none-left", {text: label(picked)})); return; }
      point = clamp(point);
      (placements[picked] = placements[picked] || []).push(point);
      var name = label(picked);
      picked = null;
      at = point;
      draw();
      say(question, text(question, "placed", {text: name, x: point[0], y: point[1]}));
      changed(question);
    }
    function remove(token, index) {
      var list = placements[token] || [];
      if (!list[index]) { return null; }
      var point = list.splice(index, 1)[0];
      if (!list.length) { delete placements[token]; }
      return point;
    }
    // Keeps the cursor in sight when the board is zoomed.
    function reveal() {
      var viewport = board.parentNode;
      var box = img.getBoundingClientRect(), frame = viewport.getBoundingClientRect();
      var x = box.left + at[0] * box.width / width, y = box.top + at[1] * box.height / height;
      if (x < frame.left + 20 || x > frame.right - 20) { viewport.scrollLeft += x - (frame.left + frame.width / 2); }
      if (y < frame.top + 20 || y > frame.bottom - 20) { viewport.scrollTop += y - (frame.top + frame.height / 2); }
    }
    function imagePoint(event) {
      var box = img.getBoundingClientRect();
      return [(event.clientX - box.left) * width / box.width, (event.clientY - box.top) * height / box.height];
    }
    function inside(event) {
      var box = img.getBoundingClientRect();
      return event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    }
    function pinDrag(pin) {
      draggable(pin, function () { return pin.textContent; }, function (target, event) {
        var token = pin.getAttribute("data-pin");
        remove(token, Number(pin.getAttribute("data-index")));
        if (inside(event)) { picked = token; put(imagePoint(event)); }
        else { draw(); say(question, text(question, "removed", {text: label(token)})); changed(question); }
      });
    }

    root.addEventListener("click", function (event) {
      var marker = event.target.closest("[data-dd-marker]");
      var pin = event.target.closest("[data-pin]");
      if (marker && !marker.lmsDragged) {
        var token = marker.getAttribute("data-dd-marker");
        if (picked === token) { picked = null; draw(); say(question, text(question, "cancelled", {text: label(token)})); }
        else if (pick(token) && event.detail === 0) { board.focus(); }  // keyboard: on to the image
      } else if (pin && !pin.lmsDragged) {
        var from = pin.getAttribute("data-pin");
        var point = remove(from, Number(pin.getAttribute("data-index")));
        if (point) { at = point; }
        picked = from;
        draw();
        board.focus();
        say(question, text(question, "picked-marker", {text: label(from)}));
        changed(question);
      } else if (event.target === img && picked) {
        put(imagePoint(event));
      }
    });
    root.addEventListener("keydown", function (event) {
      var pin = event.target.closest("[data-pin]");
      if (event.key === "Escape" && picked) {
        var name = label(picked);
        picked = null;
        draw();
        say(question, text(question, "cancelled", {text: name}));
        event.preventDefault();
      } else if (pin && (event.key === "Delete" || event.key === "Backspace")) {
        var token = pin.getAttribute("data-pin");
        remove(token, Number(pin.getAttribute("data-index")));
        draw();
        board.focus();
        say(question, text(question, "removed", {text: label(token)}));
        changed(question);
        event.preventDefault();
      }
    });
    board.addEventListener("keydown", function (event) {
      if (event.target !== board) { return; }
      var step = event.shiftKey ? 40 : 10;
      var moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]};
      if (moves[event.key]) {
        at = clamp([at[0] + moves[event.key][0], at[1] + moves[event.key][1]]);
        draw();
        reveal();
        event.preventDefault();
      } else if (event.key === "Enter" || event.key === " ") {
        put(at);
        event.preventDefault();
      }
    });
    markers().forEach(function (m) {
      draggable(m, function () { return m.getAttribute("data-text"); }, function (target, event) {
        if (inside(event) && pick(m.getAttribute("data-dd-marker"))) { put(imagePoint(event)); }
      });
    });
    draw();
    root.lmsMarkers = {
      set: function (given) {
        placements = {};
        Object.keys(given || {}).forEach(function (token) {
          if (markerOf(token)) { placements[token] = (given[token] || []).slice(0, limit(token)).map(clamp); }
        });
        picked = null;
        draw();
      }
    };
  }

  // --- the three types for attempt.js --------------------------------------------------------

  function slotAnswer(question) {
    var root = question.querySelector("[data-dd]");
    var filled = {};
    if (root.getAttribute("data-mode") === "select") {
      each(root.querySelectorAll("[data-dd-select]"), function (s) { if (s.value) { filled[s.getAttribute("data-dd-select")] = s.value; } });
    } else {
      each(root.querySelectorAll("[data-dd-slot]"), function (s) { if (s.getAttribute("data-value")) { filled[s.getAttribute("data-dd-slot")] = s.getAttribute("data-value"); } });
    }
    var answer = {};
    answer[root.getAttribute("data-dd-field")] = filled;
    return answer;
  }
  function slotWrite(question, answer) {
    var root = question.querySelector("[data-dd]");
    var filled = (answer || {})[root.getAttribute("data-dd-field")] || {};
    if (root.getAttribute("data-mode") === "select") {
      each(root.querySelectorAll("[data-dd-select]"), function (s) { s.value = filled[s.getAttribute("data-dd-select")] || ""; });
    } else if (root.lmsSlots) {
      root.lmsSlots.set(filled);
    }
  }
  registry.drag_drop_text = {read: slotAnswer, write: slotWrite};
  registry.drag_drop_image = {read: slotAnswer, write: slotWrite};
  registry.drag_drop_marker = {
    read: function (question) {
      var board = question.querySelector("[data-dd-markers]");
      var placements = {};
      try { placements = JSON.parse(board.getAttribute("data-placements") || "{}") || {}; } catch (e) { placements = {}; }
      return {placements: placements};
    },
    write: function (question, answer) {
      var root = question.querySelector("[data-dd]");
      if (root.lmsMarkers) { root.lmsMarkers.set((answer || {}).placements || {}); }
    }
  };

  function start() {
    each(document.querySelectorAll("[data-question]"), function (question) {
      var root = question.querySelector("[data-dd]");
      if (!root || root.lmsStarted) { return; }
      root.lmsStarted = true;
      if (root.getAttribute("data-dd") === "marker") { markersUp(question); }
      else if (root.getAttribute("data-mode") !== "select") { slotsUp(question); }
    });
  }
  // Loaded at the end of the page, before attempt.js: set up at once, so that attempt.js
  // can write answers kept on this device into ready questions.
  start();
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
})();

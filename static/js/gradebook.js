// The gradebook: move between cells with the keyboard, fill a column from a spreadsheet paste,
// accept Arabic-Indic digits, mark a student absent with a button, and warn before leaving with unsaved marks. Works without it too.
(function () {
  "use strict";
  var form = document.getElementById("gradebook-form");
  if (!form) { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.mark-input"));
  var table = form.querySelector("table.gradebook");
  var dirty = false;
  var ARABIC_DIGITS = { "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7",
    "٨": "8", "٩": "9", "٫": "." };

  function position(input) {
    var cell = input.closest("td");
    return { row: cell.parentElement.rowIndex, column: cell.cellIndex };
  }

  function inputAt(row, column) {
    var tableRow = table.rows[row];
    if (!tableRow || !tableRow.cells[column]) { return null; }
    return tableRow.cells[column].querySelector("input.mark-input");
  }

  function move(input, rowStep, columnStep) {
    var here = position(input);
    var row = here.row + rowStep;
    var column = here.column;
    if (columnStep) {
      var sameRow = inputs.filter(function (other) { return position(other).row === here.row; });
      var index = sameRow.indexOf(input) + columnStep;
      if (index >= 0 && index < sameRow.length) { sameRow[index].focus(); sameRow[index].select(); }
      return;
    }
    var target = inputAt(row, column);
    if (target) { target.focus(); target.select(); }
  }

  function normalise(text) {
    return text.replace(/[٠-٩٫]/g, function (digit) { return ARABIC_DIGITS[digit]; }).trim();
  }

  inputs.forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      var rtl = document.documentElement.dir === "rtl";
      if (event.key === "ArrowDown" || event.key === "Enter") { event.preventDefault(); move(input, 1, 0); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(input, -1, 0); }
      else if (event.key === "ArrowLeft" && event.altKey) { event.preventDefault(); move(input, 0, rtl ? 1 : -1); }
      else if (event.key === "ArrowRight" && event.altKey) { event.preventDefault(); move(input, 0, rtl ? -1 : 1); }
    });
    input.addEventListener("input", function () { dirty = true; input.classList.add("changed"); });
    input.addEventListener("paste", function (event) {
      var text = (event.clipboardData || window.clipboardData).getData("text");
      var lines = text.replace(/\r/g, "").split("\n").filter(function (line, index, all) {
        return line !== "" || index < all.length - 1;
      });
      if (lines.length < 2 && text.indexOf("\t") < 0) { return; }
      event.preventDefault();
      var start = position(input);
      lines.forEach(function (line, rowOffset) {
        line.split("\t").forEach(function (value, columnOffset) {
          var target = inputAt(start.row + rowOffset, start.column + columnOffset);
          if (target) { target.value = normalise(value); target.classList.add("changed"); }
        });
      });
      dirty = true;
    });
  });

  // «غ» without the keyboard: a phone's decimal keypad cannot type it (the buttons are hidden without script).
  Array.prototype.forEach.call(form.querySelectorAll("button.absent-button"), function (button) {
    var input = document.getElementById(button.getAttribute("data-mark"));
    if (!input) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      input.value = "غ";
      input.classList.add("changed");
      dirty = true;
    });
  });

  form.addEventListener("submit", function () {
    dirty = false;
    inputs.forEach(function (input) { input.value = normalise(input.value); });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
}());

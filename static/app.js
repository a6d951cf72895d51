/* pilotomail: the little JavaScript the pages need (no inline script: the CSP forbids it). */
(function () {
  'use strict';

  /* Copy buttons: <button data-copy="#id"> copies the value of that input. */
  function copyFrom(button) {
    var target = document.querySelector(button.getAttribute('data-copy'));
    if (!target) return;
    var done = function () {
      var label = button.textContent;
      button.textContent = 'Copied';
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(target.value).then(done);
    } else {
      target.select();
      document.execCommand('copy');
      done();
    }
  }

  /* ➕ buttons: <button data-add-row="#template-id" data-into="#container-id"> clones a row. */
  function addRow(button) {
    var tpl = document.querySelector(button.getAttribute('data-add-row'));
    var into = document.querySelector(button.getAttribute('data-into'));
    if (!tpl || !into) return;
    into.appendChild(tpl.content.cloneNode(true));
  }

  /* ✕ buttons inside a mapping row remove it. */
  function removeRow(button) {
    var row = button.closest('.mapping-row');
    if (row) row.remove();
  }

  document.addEventListener('click', function (e) {
    var b = e.target.closest('button');
    if (!b) return;
    if (b.hasAttribute('data-copy')) { e.preventDefault(); copyFrom(b); }
    else if (b.hasAttribute('data-add-row')) { e.preventDefault(); addRow(b); }
    else if (b.hasAttribute('data-remove-row')) { e.preventDefault(); removeRow(b); }
  });

  /*
   * Saved mapping rows carry only their chosen option: <select data-fill="#template-id"> gets
   * the full list from the same-named select of that row template when first used.
   */
  function fillSelect(select) {
    var tpl = document.querySelector(select.getAttribute('data-fill'));
    select.removeAttribute('data-fill');
    if (!tpl) return;
    var full = tpl.content.querySelector('select[name="' + select.name + '"]');
    if (!full) return;
    var value = select.value;
    var chosen = select.selectedOptions.length ? select.selectedOptions[0] : null;
    var known = false;
    select.innerHTML = '';
    Array.prototype.forEach.call(full.options, function (o) {
      select.appendChild(o.cloneNode(true));
      if (o.value === value) known = true;
    });
    /* A saved choice the list no longer has stays, as it was shown. */
    if (!known && chosen && value) select.appendChild(chosen);
    select.value = value;
  }

  ['focusin', 'mousedown', 'touchstart'].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var s = e.target.closest && e.target.closest('select[data-fill]');
      if (s) fillSelect(s);
    }, true);
  });

  /*
   * A "not linked" reason links to #plan-ID or #location-ID. A saved row with that id is simply
   * scrolled to; otherwise a new row is added with that plan or location already chosen.
   */
  function openMappingFromHash() {
    var m = /^#(plan|location)-([A-Za-z0-9_-]+)$/.exec(window.location.hash);
    if (!m || document.getElementById(m[1] + '-' + m[2])) return;
    var button = document.querySelector('button[data-add-row="#' + m[1] + '-row-template"]');
    var into = document.getElementById(m[1] + '-rows');
    if (!button || !into) return;
    addRow(button);
    var row = into.lastElementChild;
    var select = row && row.querySelector('select[name="' + m[1] + '_id"]');
    if (!select) return;
    row.id = m[1] + '-' + m[2];
    select.value = m[2];
    row.scrollIntoView();
    select.focus();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', openMappingFromHash);
  else openMappingFromHash();

  /*
   * The nav is a <details open>: without script every link shows. Where the stylesheet shows
   * the Menu toggle (narrow screens) the menu starts closed; where it hides it, it stays open.
   */
  function fitNavMenu() {
    var menu = document.querySelector('details.nav-menu');
    if (!menu) return;
    var compact = getComputedStyle(menu.querySelector('summary')).display !== 'none';
    if (compact !== (menu.getAttribute('data-compact') === '1')) {
      menu.open = !compact;
      menu.setAttribute('data-compact', compact ? '1' : '0');
    }
  }
  /*
   * Each table sits in a .table-scroll box: on a phone a wide table keeps readable columns and
   * scrolls sideways inside that box, never the page. A box that scrolls can take the keyboard
   * focus (to scroll it with the arrow keys) and is named after its table's heading.
   */
  function fitTables() {
    Array.prototype.forEach.call(document.querySelectorAll('main table'), function (t) {
      var box = t.parentNode;
      if (!box.classList.contains('table-scroll')) {
        box = document.createElement('div');
        box.className = 'table-scroll';
        t.parentNode.insertBefore(box, t);
        box.appendChild(t);
      }
      if (box.scrollWidth > box.clientWidth) {
        var head = t.querySelector('caption') || box.previousElementSibling;
        box.setAttribute('tabindex', '0');
        box.setAttribute('role', 'region');
        box.setAttribute('aria-label', head && /^H[1-6]$|^CAPTION$/.test(head.tagName)
          ? head.textContent.trim() : 'Table');
      } else {
        box.removeAttribute('tabindex');
        box.removeAttribute('role');
        box.removeAttribute('aria-label');
      }
    });
  }
  function fitPage() { fitNavMenu(); fitTables(); }
  fitPage();
  window.addEventListener('resize', fitPage);

  /* Forms with data-confirm ask before submitting (cancel, regenerate, delete). */
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
})();

/*
 * CustomsLms.KnowledgeCheck 1.0: one question with one or several correct answers.
 *
 * The H5P content type of the Customs LMS project. Plain ES5, no build step, no
 * third-party code. License: MIT.
 *
 * H5P core (newRunnable) finds the constructor by walking the window object along the
 * machine name, so it must be reachable as window.CustomsLms.KnowledgeCheck. It is called
 * as new CustomsLms.KnowledgeCheck(params, contentId, contentData); a saved state arrives,
 * already parsed, as contentData.previousState.
 */
(function (window, document, H5P) {
  'use strict';

  var MACHINE_NAME = 'CustomsLms.KnowledgeCheck';
  var MAJOR_VERSION = 1;
  var MINOR_VERSION = 0;

  var DEFAULT_L10N = {
    check: 'Check',
    retry: 'Try again',
    correct: 'Correct',
    incorrect: 'Not quite. Try again.',
    selectOne: 'Choose an answer first.',
    scoreLabel: 'Score'
  };

  // Tags the question may use (semantics.json: p, strong, em). A paragraph becomes a
  // block span because the question is rendered inside the fieldset's legend.
  var QUESTION_TAGS = { P: 'span', STRONG: 'strong', EM: 'em', BR: 'br' };
  var MAX_OPTIONS = 8;
  var ENTITY = /&(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/gi;

  var instanceCounter = 0;

  // --- Text helpers ------------------------------------------------------------------

  /** Decode HTML character references (H5P stores plain text HTML-escaped). */
  function decodeEntities(text) {
    var scratch = document.createElement('textarea');
    return text.replace(ENTITY, function (entity) {
      scratch.innerHTML = entity; // an entity alone: no markup can be created
      return scratch.value;
    });
  }

  /** A plain-text field as a string to be inserted with textContent, never as HTML. */
  function plainText(value) {
    return typeof value === 'string' ? decodeEntities(value) : '';
  }

  /**
   * Copy the allowed formatting of an HTML string into a fragment of new nodes.
   *
   * The string is parsed in an inert document (no scripts run, nothing loads there);
   * only text and the tags in QUESTION_TAGS are rebuilt, without any attribute.
   */
  function safeHtmlFragment(html) {
    var fragment = document.createDocumentFragment();
    if (typeof html !== 'string' || html === '') {
      return fragment;
    }
    var inert = document.implementation.createHTMLDocument('');
    var holder = inert.createElement('div');
    holder.innerHTML = html;

    function copyChildren(source, target) {
      for (var node = source.firstChild; node; node = node.nextSibling) {
        if (node.nodeType === 3) {
          target.appendChild(document.createTextNode(node.nodeValue));
        } else if (node.nodeType === 1) {
          var tag = QUESTION_TAGS[node.nodeName.toUpperCase()];
          if (tag) {
            var element = document.createElement(tag);
            if (node.nodeName.toUpperCase() === 'P') {
              element.className = 'h5p-kc-paragraph';
            }
            target.appendChild(element);
            copyChildren(node, element);
          } else if (!/^(SCRIPT|STYLE|TEMPLATE|IFRAME|OBJECT|EMBED|SVG|MATH)$/i.test(node.nodeName)) {
            copyChildren(node, target); // unknown formatting: keep its text only
          }
        }
      }
    }

    copyChildren(holder, fragment);
    return fragment;
  }

  /** The plain text of an HTML string (for the xAPI definition). */
  function htmlToText(html) {
    var holder = document.createElement('div');
    if (typeof html === 'string') {
      html = html.replace(/<\/p\s*>|<br\s*\/?>/gi, '$& '); // keep words of paragraphs apart
    }
    holder.appendChild(safeHtmlFragment(html));
    return (holder.textContent || '').replace(/\s+/g, ' ').replace(/^\s+|\s+$/g, '');
  }

  function createElement(tag, className, text) {
    var element = document.createElement(tag);
    if (className) {
      element.className = className;
    }
    if (text !== undefined) {
      element.textContent = text;
    }
    return element;
  }

  function setHidden(element, hidden) {
    element.hidden = hidden;
    if (hidden) {
      element.setAttribute('hidden', '');
    } else {
      element.removeAttribute('hidden');
    }
  }

  function sameSet(a, b) {
    if (a.length !== b.length) {
      return false;
    }
    for (var i = 0; i < a.length; i++) {
      if (b.indexOf(a[i]) === -1) {
        return false;
      }
    }
    return true;
  }

  // --- Parameters ----------------------------------------------------------------------

  function readOptions(options) {
    var result = [];
    if (Object.prototype.toString.call(options) !== '[object Array]') {
      return result;
    }
    for (var i = 0; i < options.length && result.length < MAX_OPTIONS; i++) {
      var option = options[i] || {};
      result.push({
        text: plainText(option.text),
        correct: option.correct === true,
        feedback: plainText(option.feedback)
      });
    }
    return result;
  }

  function readL10n(l10n) {
    var result = {};
    for (var key in DEFAULT_L10N) {
      if (Object.prototype.hasOwnProperty.call(DEFAULT_L10N, key)) {
        var value = l10n && typeof l10n[key] === 'string' && l10n[key] !== '' ? l10n[key] : '';
        result[key] = value ? plainText(value) : DEFAULT_L10N[key];
      }
    }
    return result;
  }

  // --- The content type ----------------------------------------------------------------

  /**
   * @param {object} params content/content.json
   * @param {number|string} contentId
   * @param {object} [contentData] extras from H5P core; previousState holds saved state
   */
  function KnowledgeCheck(params, contentId, contentData) {
    H5P.EventDispatcher.call(this);
    params = params || {};
    contentData = contentData || {};

    this.contentId = contentId;
    this.questionHtml = typeof params.question === 'string' ? params.question : '';
    this.multipleAnswers = params.multipleAnswers === true;
    this.options = readOptions(params.options);
    this.feedbackCorrect = plainText(params.feedbackCorrect);
    this.feedbackIncorrect = plainText(params.feedbackIncorrect);
    this.l10n = readL10n(params.l10n);

    this.correctIndices = [];
    for (var i = 0; i < this.options.length; i++) {
      if (this.options[i].correct) {
        this.correctIndices.push(i);
      }
    }

    this.instanceNumber = ++instanceCounter;
    this.selected = [];
    this.checked = false;
    this.solutionsShown = false;
    this.dom = null;

    // h5p-standalone writes the main library as "CustomsLms.KnowledgeCheck 1" when the
    // minor version is 0, so H5P core would name it "...-1.undefined" in xAPI statements.
    // newRunnable only fills libraryInfo when the instance has none.
    this.libraryInfo = {
      versionedName: MACHINE_NAME + ' ' + MAJOR_VERSION + '.' + MINOR_VERSION,
      versionedNameNoSpaces: MACHINE_NAME + '-' + MAJOR_VERSION + '.' + MINOR_VERSION,
      machineName: MACHINE_NAME,
      majorVersion: MAJOR_VERSION,
      minorVersion: MINOR_VERSION
    };

    this.restoreState(contentData.previousState);
  }

  KnowledgeCheck.prototype = Object.create(H5P.EventDispatcher.prototype);
  KnowledgeCheck.prototype.constructor = KnowledgeCheck;

  /** Accept a saved state only when it fits this content. */
  KnowledgeCheck.prototype.restoreState = function (state) {
    if (!state || typeof state !== 'object') {
      return;
    }
    var answers = Object.prototype.toString.call(state.answers) === '[object Array]' ? state.answers : [];
    var selected = [];
    for (var i = 0; i < answers.length; i++) {
      var index = answers[i];
      if (typeof index === 'number' && index % 1 === 0 && index >= 0 &&
          index < this.options.length && selected.indexOf(index) === -1) {
        selected.push(index);
      }
    }
    if (!this.multipleAnswers && selected.length > 1) {
      selected = selected.slice(0, 1);
    }
    selected.sort(function (a, b) { return a - b; });
    this.selected = selected;
    this.checked = state.checked === true && selected.length > 0;
  };

  /** Build the DOM into the container H5P gives (a jQuery object or an element). */
  KnowledgeCheck.prototype.attach = function ($container) {
    var self = this;
    var container = $container && $container.jquery ? $container.get(0) : $container;
    var prefix = 'h5p-kc-' + this.instanceNumber;

    container.classList.add('h5p-kc');
    while (container.firstChild) {
      container.removeChild(container.firstChild);
    }

    var form = createElement('div', 'h5p-kc-body');
    var fieldset = createElement('fieldset', 'h5p-kc-fieldset');
    var legend = createElement('legend', 'h5p-kc-question');
    legend.id = prefix + '-question';
    legend.appendChild(safeHtmlFragment(this.questionHtml));
    fieldset.appendChild(legend);

    var list = createElement('div', 'h5p-kc-options');
    var inputs = [];
    var optionNodes = [];
    var optionFeedback = [];
    for (var i = 0; i < this.options.length; i++) {
      var option = this.options[i];
      var row = createElement('div', 'h5p-kc-option');
      var input = document.createElement('input');
      input.type = this.multipleAnswers ? 'checkbox' : 'radio';
      input.name = prefix + '-answer';
      input.id = prefix + '-option-' + i;
      input.value = String(i);
      input.className = 'h5p-kc-input';
      var label = createElement('label', 'h5p-kc-label', option.text);
      label.htmlFor = input.id;
      var feedback = createElement('div', 'h5p-kc-option-feedback');
      feedback.id = prefix + '-option-feedback-' + i;
      setHidden(feedback, true);
      row.appendChild(input);
      row.appendChild(label);
      row.appendChild(feedback);
      list.appendChild(row);
      inputs.push(input);
      optionNodes.push(row);
      optionFeedback.push(feedback);
      input.addEventListener('change', function () {
        self.readSelection();
      });
    }
    fieldset.appendChild(list);
    form.appendChild(fieldset);

    var status = createElement('div', 'h5p-kc-status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    status.id = prefix + '-status';
    form.appendChild(status);

    var buttons = createElement('div', 'h5p-kc-buttons');
    var checkButton = createElement('button', 'h5p-kc-button h5p-kc-check', this.l10n.check);
    checkButton.type = 'button';
    var retryButton = createElement('button', 'h5p-kc-button h5p-kc-retry', this.l10n.retry);
    retryButton.type = 'button';
    checkButton.addEventListener('click', function () {
      self.check(true);
    });
    retryButton.addEventListener('click', function () {
      self.resetTask(true);
    });
    buttons.appendChild(checkButton);
    buttons.appendChild(retryButton);
    form.appendChild(buttons);
    container.appendChild(form);

    this.dom = {
      container: container,
      fieldset: fieldset,
      inputs: inputs,
      options: optionNodes,
      optionFeedback: optionFeedback,
      status: status,
      checkButton: checkButton,
      retryButton: retryButton
    };

    if (this.setActivityStarted) {
      this.setActivityStarted();
    }
    this.render();
  };

  /** Read which inputs are ticked. */
  KnowledgeCheck.prototype.readSelection = function () {
    if (!this.dom || this.checked) {
      return;
    }
    var selected = [];
    for (var i = 0; i < this.dom.inputs.length; i++) {
      if (this.dom.inputs[i].checked) {
        selected.push(i);
      }
    }
    this.selected = selected;
    if (selected.length) {
      this.showStatus('');
    }
  };

  KnowledgeCheck.prototype.isCorrect = function () {
    return this.correctIndices.length > 0 && sameSet(this.selected, this.correctIndices);
  };

  KnowledgeCheck.prototype.showStatus = function (message, className) {
    var status = this.dom.status;
    while (status.firstChild) {
      status.removeChild(status.firstChild);
    }
    status.className = 'h5p-kc-status' + (className ? ' ' + className : '');
    if (message) {
      status.appendChild(createElement('p', 'h5p-kc-result', message));
    }
  };

  /** Bring the DOM in line with the current state. */
  KnowledgeCheck.prototype.render = function () {
    if (!this.dom) {
      return;
    }
    var dom = this.dom;
    var locked = this.checked || this.solutionsShown;
    for (var i = 0; i < dom.inputs.length; i++) {
      var isSelected = this.selected.indexOf(i) !== -1;
      var feedbackText = this.checked && isSelected ? this.options[i].feedback : '';
      dom.inputs[i].checked = isSelected;
      dom.inputs[i].disabled = locked;
      dom.options[i].classList.toggle('h5p-kc-selected', isSelected);
      dom.optionFeedback[i].textContent = feedbackText;
      setHidden(dom.optionFeedback[i], !feedbackText);
      if (feedbackText) {
        dom.inputs[i].setAttribute('aria-describedby', dom.optionFeedback[i].id);
      } else {
        dom.inputs[i].removeAttribute('aria-describedby');
      }
    }
    dom.fieldset.classList.toggle('h5p-kc-locked', locked);

    if (this.checked) {
      var correct = this.isCorrect();
      this.showStatus(correct ? this.l10n.correct : this.l10n.incorrect,
        correct ? 'h5p-kc-status-correct' : 'h5p-kc-status-incorrect');
      var overall = correct ? this.feedbackCorrect : this.feedbackIncorrect;
      if (overall) {
        dom.status.appendChild(createElement('p', 'h5p-kc-feedback', overall));
      }
      dom.status.appendChild(createElement('p', 'h5p-kc-score',
        this.l10n.scoreLabel + ': ' + (correct ? 1 : 0) + '/1'));
    } else {
      this.showStatus('');
    }
    setHidden(dom.checkButton, this.checked || this.solutionsShown);
    setHidden(dom.retryButton, !this.checked && !this.solutionsShown);
    this.trigger('resize');
  };

  /** The Check button. */
  KnowledgeCheck.prototype.check = function (fromUser) {
    if (this.checked) {
      return;
    }
    this.readSelection();
    if (!this.selected.length) {
      this.showStatus(this.l10n.selectOne, 'h5p-kc-status-warning');
      this.trigger('resize');
      return;
    }
    this.checked = true;
    this.render();
    this.trigger(this.createAnsweredEvent());
    if (fromUser && this.dom) {
      this.dom.retryButton.focus();
    }
  };

  /** The xAPI "answered" statement for the current answer. */
  KnowledgeCheck.prototype.createAnsweredEvent = function () {
    var score = this.isCorrect() ? 1 : 0;
    var event = this.createXAPIEventTemplate('answered');
    var definition = event.getVerifiedStatementValue(['object', 'definition']);
    if (definition) {
      definition.description = { 'en-US': htmlToText(this.questionHtml) };
      definition.type = 'http://adlnet.gov/expapi/activities/cmi.interaction';
      definition.interactionType = 'choice';
      definition.choices = [];
      for (var i = 0; i < this.options.length; i++) {
        definition.choices.push({ id: String(i), description: { 'en-US': this.options[i].text } });
      }
    }
    event.setScoredResult(score, 1, this, true, score === 1);
    event.data.statement.result.response = this.selected.join('[,]');
    return event;
  };

  // --- The H5P question contract -------------------------------------------------------

  KnowledgeCheck.prototype.getCurrentState = function () {
    return { answers: this.selected.slice(), checked: this.checked };
  };

  KnowledgeCheck.prototype.getScore = function () {
    return this.isCorrect() ? 1 : 0;
  };

  KnowledgeCheck.prototype.getMaxScore = function () {
    return 1;
  };

  KnowledgeCheck.prototype.getAnswerGiven = function () {
    return this.selected.length > 0;
  };

  KnowledgeCheck.prototype.getTitle = function () {
    return H5P.createTitle(htmlToText(this.questionHtml) || 'Knowledge check');
  };

  KnowledgeCheck.prototype.getXAPIData = function () {
    return { statement: this.createAnsweredEvent().data.statement };
  };

  KnowledgeCheck.prototype.resetTask = function (fromUser) {
    this.selected = [];
    this.checked = false;
    this.solutionsShown = false;
    if (this.dom) {
      for (var i = 0; i < this.dom.options.length; i++) {
        this.dom.options[i].classList.remove('h5p-kc-solution');
        var badge = this.dom.options[i].querySelector('.h5p-kc-solution-badge');
        if (badge) {
          badge.parentNode.removeChild(badge);
        }
      }
      this.render();
      if (fromUser === true && this.dom.inputs.length) {
        this.dom.inputs[0].focus();
      }
    }
  };

  /** Mark the correct options and lock the task. */
  KnowledgeCheck.prototype.showSolutions = function () {
    this.solutionsShown = true;
    if (!this.dom) {
      return;
    }
    for (var i = 0; i < this.correctIndices.length; i++) {
      var row = this.dom.options[this.correctIndices[i]];
      if (!row.querySelector('.h5p-kc-solution-badge')) {
        row.classList.add('h5p-kc-solution');
        var label = row.querySelector('label');
        label.appendChild(createElement('span', 'h5p-kc-solution-badge', ' ' + this.l10n.correct));
      }
    }
    this.render();
  };

  window.CustomsLms = window.CustomsLms || {};
  window.CustomsLms.KnowledgeCheck = KnowledgeCheck;
})(window, document, H5P);

/* A description has nothing to draw beyond its title and text: registering it keeps the
   question editor on (no JSON). */
(function () {
  "use strict";
  var types = window.lmsQuestionEditorTypes = window.lmsQuestionEditorTypes || {};
  types.description = {
    render: function (ctx) {
      return ctx.h("p", {"class": "qe-help", "data-qe-section": "description", text: ctx.S.intro || ""});
    }
  };
})();

/* Runs inside the H5P player's frame: H5P core's own requests (saved state) carry
   Django's CSRF token, so CSRF protection stays on. */
(function () {
  "use strict";
  var token = window.parent && window.parent.LMS_CSRF_TOKEN;
  if (token && window.H5P && H5P.jQuery) {
    H5P.jQuery.ajaxSetup({headers: {"X-CSRFToken": token}});
  }
})();

// The app pages' key-pair generator (filled in with the app pages).
"use strict";

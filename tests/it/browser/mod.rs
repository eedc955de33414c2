//! The pages in a real browser: headless Chromium through `testkit::Chromium`.

mod probe;

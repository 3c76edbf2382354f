//! The app's one binary. trunk builds it once; the page and its DB worker run
//! the same wasm (see index.html), and `main` starts the side that fits where
//! it runs.

fn main() {
    if web_sys::window().is_none() {
        app::worker::start();
        return;
    }
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::ui::App);
}
